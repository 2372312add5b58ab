"""Turn CSV text and TOML values into the Python values a column's type takes.

Types come from the schema, never from guessing: `00123` stays `00123` in a text
column and becomes 123 in an integer one. Converters are strict, so that a bad value
is reported with its file, line and column instead of being loaded wrong, and fast,
since they run once per field of every row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal

from seedkit.schema import Column, TypeKind

_INT = re.compile(r"[+-]?[0-9]+\Z").match
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z").match
#: The words a float column takes besides numbers, in lower case.
FLOAT_WORDS = frozenset({"nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity"})
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_DATE_RE = re.compile(_DATE + r"\Z").match
_TIME_RE = re.compile(_TIME + r"\Z").match
_TIMETZ_RE = re.compile(f"{_TIME}{_ZONE}?\\Z").match
_STAMP_RE = re.compile(f"{_DATE}(?:[T ]{_TIME})?\\Z").match
_STAMPTZ_RE = re.compile(f"{_DATE}(?:[T ]{_TIME}{_ZONE}?)?\\Z").match
_HEX4 = "[0-9a-fA-F]{4}"
#: A UUID as PostgreSQL, DuckDB and Python all read it: 32 hex digits, a hyphen allowed
#: after any group of four, in braces or not (Python alone takes `urn:uuid:` or a
#: lone brace).
UUID_PATTERN = f"(?:{_HEX4}(?:-?{_HEX4}){{7}}|\\{{{_HEX4}(?:-?{_HEX4}){{7}}\\}})"
_UUID_RE = re.compile(UUID_PATTERN + r"\Z").match
#: The words a BOOLEAN column accepts (any case); SQL-side converters use the same lists.
TRUE_WORDS = ("true", "t", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off")
_BOOLEANS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
_STAMP_FORMAT = "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]"


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


#: The range of a 64-bit integer, the widest integer column any supported database has.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _to_int(text: str) -> int:
    if _INT(text):
        value = int(text)
        if INT64_MIN <= value <= INT64_MAX:
            return value
        raise ValueError(f"{_show(text)} is out of range for a 64-bit integer")
    raise ValueError(f"{_show(text)} is not an integer")


def _to_decimal(text: str) -> Decimal:
    if _DECIMAL(text):
        return Decimal(text)
    raise ValueError(f"{_show(text)} is not a decimal number")


def _to_float(text: str) -> float:
    if _DECIMAL(text) or text.lower() in FLOAT_WORDS:
        return float(text)
    raise ValueError(f"{_show(text)} is not a number")


def _to_bool(text: str) -> bool:
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise ValueError(f"{_show(text)} is not a boolean (true/false, yes/no, on/off, 1/0)")
    return value


def _to_date(text: str) -> dt.date:
    try:
        if _DATE_RE(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"{_show(text)} is not a date (YYYY-MM-DD)")


def _time_converter(zoned: bool) -> Callable[[str], dt.time]:
    pattern = _TIMETZ_RE if zoned else _TIME_RE

    def to_time(text: str) -> dt.time:
        try:
            if pattern(text):
                return dt.time.fromisoformat(text)
        except ValueError:
            pass
        raise ValueError(f"{_show(text)} is not a time (HH:MM[:SS[.ffffff]])")

    return to_time


def _to_timestamp(text: str) -> dt.datetime:
    if _STAMP_RE(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    elif _STAMPTZ_RE(text):
        raise ValueError(
            f"{_show(text)} has a time zone, but the column holds a timestamp without one"
        )
    raise ValueError(f"{_show(text)} is not a timestamp ({_STAMP_FORMAT})")


def _to_timestamptz(text: str) -> dt.datetime:
    try:
        if _STAMPTZ_RE(text):
            value = dt.datetime.fromisoformat(text)
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    raise ValueError(f"{_show(text)} is not a timestamp ({_STAMP_FORMAT}[+HH:MM|Z])")


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _to_json(text: str) -> str:
    # Strict JSON (RFC 8259), as PostgreSQL, MySQL and DuckDB read it: Python's parser
    # alone would take NaN and Infinity, and a lone surrogate escape such as "\ud800".
    try:
        value = json.loads(text, parse_constant=_no_constant)
        if "\\u" in text:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{_show(text)} is not valid JSON (a lone surrogate escape)") from None
    except RecursionError:
        raise ValueError(f"{_show(text)} is not valid JSON (nested too deeply)") from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ValueError(f"{_show(text)} is not valid JSON ({reason})") from None
    return text


def _to_uuid(text: str) -> str:
    if _UUID_RE(text):
        return text
    raise ValueError(f"{_show(text)} is not a UUID")


def _to_bytes(text: str) -> bytes:
    try:
        if text.startswith("\\x"):
            return bytes.fromhex(text[2:])
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(f"{_show(text)} is neither \\x-prefixed hex nor base64") from None


def _text(text: str) -> str:
    return text


_CONVERTERS: dict[TypeKind, Callable[[str], object]] = {
    TypeKind.INTEGER: _to_int,
    TypeKind.DECIMAL: _to_decimal,
    TypeKind.FLOAT: _to_float,
    TypeKind.BOOLEAN: _to_bool,
    TypeKind.DATE: _to_date,
    TypeKind.TIMESTAMP: _to_timestamp,
    TypeKind.TIMESTAMPTZ: _to_timestamptz,
    TypeKind.JSON: _to_json,
    TypeKind.TEXT: _text,
    TypeKind.BINARY: _to_bytes,
    TypeKind.UUID: _to_uuid,
    TypeKind.OTHER: _text,
}


def converter_for(column: Column) -> Callable[[str], object]:
    """A function from CSV text to the Python value that `column`'s type takes.

    Integers are ASCII digits with an optional sign (`00123` -> 123) in the 64-bit
    range; decimals become `Decimal` (NaN and infinity are refused); booleans are
    true/false, t/f, yes/no, y/n, on/off or 1/0 in any case; dates are `YYYY-MM-DD`;
    times `HH:MM[:SS[.ffffff]]` (with an offset only for a time-with-zone type);
    timestamps are ISO 8601 with `T` or a space. A timestamp without zone refuses an
    offset; a timestamp with zone takes an offset or `Z`, and text without one is taken
    as UTC. JSON is validated strictly (no NaN or Infinity, no lone surrogate escape)
    and passed on as text; a UUID (32 hex digits, a hyphen allowed after any four, in
    braces or not) is validated and passed on as written; binary is `\\x`-prefixed hex
    (PostgreSQL's form) or else base64. Text is never changed, and its length is left
    for the database (or the dry run) to check. Bad input raises ValueError with a short
    message naming the value.
    """
    if column.kind is TypeKind.TIME:
        upper = column.type.upper()
        return _time_converter("TZ" in upper or "TIME ZONE" in upper)
    return _CONVERTERS[column.kind]


_ACCEPTS: dict[TypeKind, tuple[type, ...]] = {
    TypeKind.INTEGER: (int,),
    TypeKind.DECIMAL: (int, float),
    TypeKind.FLOAT: (int, float),
    TypeKind.BOOLEAN: (bool,),
    TypeKind.DATE: (dt.date,),
    TypeKind.TIME: (dt.time,),
    TypeKind.TIMESTAMP: (dt.datetime,),
    TypeKind.TIMESTAMPTZ: (dt.datetime,),
    TypeKind.JSON: (list, dict, int, float, bool),
}
_TOML_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "float",
    str: "string",
    dt.datetime: "datetime",
    dt.date: "date",
    dt.time: "time",
    list: "array",
    dict: "table",
}


def python_value(column: Column, value: object) -> object:
    """The Python value for `column` of a TOML value from an inline `rows` entry.

    Strings go through `converter_for`, so they read exactly like CSV text. TOML's own
    dates, times and datetimes are kept (a naive datetime for a timestamp-with-zone
    column is taken as UTC); an array or table for a JSON column becomes JSON text;
    an integer for a decimal column becomes a Decimal. A value of the wrong TOML type
    for the column (a boolean for a date) raises ValueError.
    """
    if isinstance(value, str):
        return converter_for(column)(value)
    kind = column.kind
    if kind is TypeKind.OTHER:
        return value
    accepted = _ACCEPTS.get(kind, ())
    wrong = (isinstance(value, bool) and bool not in accepted) or (
        kind is TypeKind.DATE and isinstance(value, dt.datetime)
    )
    if isinstance(value, accepted) and not wrong:
        if kind is TypeKind.DECIMAL:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{value} is not a decimal number (NaN and infinity are refused)")
            return Decimal(str(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]
        if kind is TypeKind.FLOAT:
            return float(value)  # type: ignore[arg-type]
        if kind is TypeKind.JSON:
            try:
                return json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"cannot be written as JSON: {exc}") from None
        if isinstance(value, dt.datetime) and kind is TypeKind.TIMESTAMPTZ:
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise ValueError(
                f"{value} has a time zone, but the column holds a timestamp without one"
            )
        return value
    name = next((n for t, n in _TOML_NAMES.items() if isinstance(value, t)), type(value).__name__)
    shown = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    article = "an" if kind in (TypeKind.INTEGER, TypeKind.OTHER) else "a"
    raise ValueError(f"{article} {kind.value} column cannot take the {name} {shown}")
