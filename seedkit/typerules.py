"""One rule per column type: what text a kind of column takes, and how each reader takes it.

For each kind of column (`seedkit.schema.TypeKind`) one `TypeRule` holds, side by side:
the Python converter (CSV text to the value seedkit stores), the exact text pattern a
database's own reader must match to read a field as that converter would, and for each
reader that can take the text in seedkit's place (PostgreSQL's COPY, MySQL's LOAD DATA,
DuckDB's read_csv, SQLite's fast path, the dry run's DuckDB) the pattern it is trusted
with and the SQL expression that gives the column its value from the field. The generic
loader, every fast path and the dry run read this table, so a change to what a kind
accepts is made here once and every path follows it.

A pattern accepts only text the converter accepts, and only in forms the reader turns
into the same value; text a pattern leaves out goes through the converter, which refuses
it at its file, line and column or takes it exactly as the generic path would.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from seedkit.schema import Column, TypeKind

# ---- text patterns (Python `re`; possessive quantifiers only where RE2 may drop them) ----

INT = r"[+-]?[0-9]++"
DECIMAL = r"[+-]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?"
FLOAT_WORD_PATTERN = r"(?i:nan|[+-]?inf(?:inity)?)"
BOOLEAN = r"(?i:true|t|yes|y|1|on|false|f|no|n|0|off)"
# Four digits other than 0000, without a lookahead, so that RE2 (DuckDB) takes it too.
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DATE = (
    rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    rf"|{_LEAP}-02-29)"
)
FLOAT = f"{DECIMAL}|{FLOAT_WORD_PATTERN}"
TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
#: A time without fractions of a second (what SQLite's time() keeps exactly).
TIME_HMS = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
ZONE = r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)"
TIMESTAMP = rf"{DATE}(?:[T ]{TIME})?"
TIMESTAMPTZ = rf"{DATE}(?:[T ]{TIME}{ZONE}?)?"
_HEX4 = "[0-9a-fA-F]{4}"
#: A UUID as PostgreSQL, DuckDB and Python all read it: 32 hex digits, a hyphen allowed
#: after any group of four, in braces or not (Python alone takes `urn:uuid:` or a
#: lone brace).
UUID_PATTERN = f"(?:{_HEX4}(?:-?{_HEX4}){{7}}|\\{{{_HEX4}(?:-?{_HEX4}){{7}}\\}})"
#: A reader's pattern for a column whose every field it takes as written.
ANY_TEXT = ""
#: The character a fast path puts for a quoted empty field ("" is the empty string, an
#: unquoted empty field is NULL): ASCII record separator, CHAR(30) in SQL.
QUOTED_EMPTY_MARK = "\x1e"

#: The words a BOOLEAN column accepts (any case).
TRUE_WORDS = ("true", "t", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off")
#: The words a float column takes besides numbers, in lower case.
FLOAT_WORDS = frozenset({"nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity"})
#: The range of a 64-bit integer, the widest integer column any supported database has.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# ---- converters: CSV text to the Python value seedkit stores (strict, and fast) ----

_INT = re.compile(r"[+-]?[0-9]+\Z").match
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z").match
_DATE_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME_TEXT = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
_ZONE_TEXT = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_DATE_RE = re.compile(_DATE_TEXT + r"\Z").match
_TIME_RE = re.compile(_TIME_TEXT + r"\Z").match
_TIMETZ_RE = re.compile(f"{_TIME_TEXT}{_ZONE_TEXT}?\\Z").match
_STAMP_RE = re.compile(f"{_DATE_TEXT}(?:[T ]{_TIME_TEXT})?\\Z").match
_STAMPTZ_RE = re.compile(f"{_DATE_TEXT}(?:[T ]{_TIME_TEXT}{_ZONE_TEXT}?)?\\Z").match
_UUID_RE = re.compile(UUID_PATTERN + r"\Z").match
_BOOLEANS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
_STAMP_FORMAT = "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]"


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


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


# ---- the rules ----


@dataclass(frozen=True)
class Reader:
    """How one reader takes a kind's text: the fields it is trusted with (`pattern`,
    ANY_TEXT for every field) and the SQL giving the column its value from the field
    `{f}` (None: the field's text itself, which the insert casts)."""

    pattern: str
    sql: str | None = None


@dataclass(frozen=True)
class TypeRule:
    """Everything seedkit knows of one kind of column: its converter, the exact text
    pattern of what the converter accepts, the type the dry run gives a reflected column
    of the kind, and each reader's pattern and SQL (a reader absent from `readers` leaves
    the kind to seedkit's converter)."""

    kind: TypeKind
    convert: Callable[[str], object]
    exact: str | None = None
    dry_type: str = "VARCHAR"
    readers: Mapping[str, Reader] = field(default_factory=dict)


def _boolean_sql(true: str, false: str, lower: str = "lower") -> str:
    # A CASE chain (an IN list would build a lookup table for every row), the commonest
    # words first.
    words = sorted(TRUE_WORDS + FALSE_WORDS, key=lambda w: w not in ("true", "false"))
    cases = " ".join(f"WHEN '{w}' THEN {true if w in TRUE_WORDS else false}" for w in words)
    return f"CASE {lower}({{f}}) {cases} END"


#: MySQL's LOAD DATA: an empty field is NULL; typed text is cast by the column.
_MYSQL_TYPED = "IF(LENGTH({f}) = 0, NULL, {f})"
#: MySQL text: binary comparisons, since a PAD SPACE collation finds ' ' equal to ''.
_MYSQL_TEXT = "CASE WHEN LENGTH({f}) = 0 THEN NULL WHEN {f} = BINARY CHAR(30) THEN '' ELSE {f} END"
_SQLITE_TEXT = f"CASE {{f}} WHEN '' THEN NULL WHEN '{QUOTED_EMPTY_MARK}' THEN '' ELSE {{f}} END"


def _text_rule(kind: TypeKind) -> TypeRule:
    return TypeRule(
        kind,
        _text,
        readers={
            "postgres": Reader(ANY_TEXT),
            "mysql": Reader(ANY_TEXT, _MYSQL_TEXT),
            "duckdb": Reader(ANY_TEXT),
            "sqlite": Reader(ANY_TEXT, _SQLITE_TEXT),
            "dryrun": Reader(ANY_TEXT),
        },
    )


_RULES = (
    TypeRule(
        TypeKind.INTEGER,
        _to_int,
        exact=INT,
        dry_type="BIGINT",  # beyond the column's range DuckDB's cast fails: see dryrun.csvload
        readers={
            "postgres": Reader(INT),
            "mysql": Reader(INT, _MYSQL_TYPED),
            "duckdb": Reader(INT),
            # 64-bit range without a Python check: longer numbers take the generic path.
            "sqlite": Reader(
                r"[+-]?(?:0*+[1-9][0-9]{0,17}|0++)", "CAST(NULLIF({f}, '') AS INTEGER)"
            ),
            "dryrun": Reader(INT),
        },
    ),
    TypeRule(
        TypeKind.DECIMAL,
        _to_decimal,
        exact=DECIMAL,
        dry_type="DECIMAL(38, 10)",
        readers={
            "postgres": Reader(DECIMAL),
            "mysql": Reader(DECIMAL, _MYSQL_TYPED),
            "duckdb": Reader(DECIMAL),
            # Only into a column of numeric affinity (seedkit.adapters.sqlite_fast checks).
            "sqlite": Reader(DECIMAL, "NULLIF({f}, '')"),
            "dryrun": Reader(DECIMAL),
        },
    ),
    TypeRule(
        TypeKind.FLOAT,
        _to_float,
        exact=FLOAT,
        dry_type="DOUBLE",
        readers={
            "postgres": Reader(FLOAT),
            # NaN and the infinities go through seedkit's converter.
            "mysql": Reader(DECIMAL, _MYSQL_TYPED),
            "duckdb": Reader(DECIMAL),
            # The field becomes a Python float before the insert (seedkit.adapters.sqlite_fast).
            "sqlite": Reader(FLOAT, "{f}"),
            "dryrun": Reader(DECIMAL),
        },
    ),
    TypeRule(
        TypeKind.BOOLEAN,
        _to_bool,
        exact=BOOLEAN,
        dry_type="BOOLEAN",
        readers={
            "postgres": Reader(BOOLEAN),
            "mysql": Reader(BOOLEAN, _boolean_sql("1", "0", "LOWER")),
            "duckdb": Reader(BOOLEAN, _boolean_sql("True", "False")),
            "sqlite": Reader(BOOLEAN, _boolean_sql("1", "0")),
            "dryrun": Reader(BOOLEAN),
        },
    ),
    TypeRule(
        TypeKind.DATE,
        _to_date,
        exact=DATE,
        dry_type="DATE",
        readers={
            "postgres": Reader(DATE),
            "mysql": Reader(DATE, _MYSQL_TYPED),
            "duckdb": Reader(DATE),
            "sqlite": Reader(DATE, "NULLIF({f}, '')"),
            "dryrun": Reader(DATE),
        },
    ),
    TypeRule(
        TypeKind.TIME,
        _time_converter(zoned=False),
        exact=TIME,
        dry_type="TIME",
        readers={
            "postgres": Reader(TIME),
            "mysql": Reader(TIME, _MYSQL_TYPED),
            "duckdb": Reader(TIME),
            "sqlite": Reader(TIME_HMS, "time(NULLIF({f}, ''))"),
            "dryrun": Reader(TIME),
        },
    ),
    TypeRule(
        TypeKind.TIMESTAMP,
        _to_timestamp,
        exact=TIMESTAMP,
        dry_type="TIMESTAMP",
        readers={
            "postgres": Reader(TIMESTAMP),
            "mysql": Reader(TIMESTAMP, _MYSQL_TYPED),
            "duckdb": Reader(TIMESTAMP),
            # Text already in the stored form ('YYYY-MM-DD HH:MM:SS') skips datetime().
            "sqlite": Reader(
                f"{DATE}(?:[T ]{TIME_HMS})?",
                "CASE WHEN length({f}) = 19 AND substr({f}, 11, 1) = ' ' THEN {f} "
                "ELSE datetime(NULLIF({f}, '')) END",
            ),
            "dryrun": Reader(TIMESTAMP),
        },
    ),
    TypeRule(
        TypeKind.TIMESTAMPTZ,
        _to_timestamptz,
        exact=TIMESTAMPTZ,
        dry_type="TIMESTAMPTZ",
        readers={"postgres": Reader(TIMESTAMPTZ), "dryrun": Reader(TIMESTAMPTZ)},
    ),
    # JSON: Python and PostgreSQL disagree on NaN; the dry run reads the text and checks
    # it with the converter after the read.
    TypeRule(TypeKind.JSON, _to_json, readers={"dryrun": Reader(ANY_TEXT)}),
    _text_rule(TypeKind.TEXT),
    _text_rule(TypeKind.OTHER),
    TypeRule(
        TypeKind.UUID,
        _to_uuid,
        dry_type="UUID",
        readers={
            "postgres": Reader(ANY_TEXT),  # COPY refuses a bad one, and the step replays
            # Stored as written, once it has one of the forms every database reads.
            "mysql": Reader(UUID_PATTERN, _MYSQL_TYPED),
            "duckdb": Reader(UUID_PATTERN),
            "sqlite": Reader(UUID_PATTERN, _SQLITE_TEXT),
            "dryrun": Reader(UUID_PATTERN),
        },
    ),
    # Binary: seedkit reads \x-hex or base64, which no reader does the same way.
    TypeRule(TypeKind.BINARY, _to_bytes, dry_type="BLOB"),
)
#: The rule of each kind.
RULES: dict[TypeKind, TypeRule] = {rule.kind: rule for rule in _RULES}
#: A TIME WITH TIME ZONE column: seedkit keeps the offset, which no reader does alike.
ZONED_TIME = TypeRule(TypeKind.TIME, _time_converter(zoned=True), dry_type="TIME")


def is_zoned_time(column: Column) -> bool:
    """A TIME WITH TIME ZONE column (seedkit accepts an offset there)."""
    upper = column.type.upper()
    return column.kind is TypeKind.TIME and ("TZ" in upper or "TIME ZONE" in upper)


def rule_for(column: Column) -> TypeRule:
    """The rule of `column`'s kind (a time with zone has its own)."""
    return ZONED_TIME if is_zoned_time(column) else RULES[column.kind]


def reader_for(column: Column, reader: str) -> Reader | None:
    """How `reader` takes `column`'s text, or None when seedkit's converter must."""
    return rule_for(column).readers.get(reader)


def reader_pattern(column: Column, reader: str) -> str | None:
    """The pattern of the fields `reader` may take for `column` (ANY_TEXT: all), or None."""
    found = reader_for(column, reader)
    return None if found is None else found.pattern
