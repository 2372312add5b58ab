"""Turn CSV text and TOML values into the Python values a column's type takes.

The converters themselves are part of each kind's rule in `seedkit.typerules`.

Types come from the schema, never from guessing: `00123` stays `00123` in a text
column and becomes 123 in an integer one. Converters are strict, so that a bad value
is reported with its file, line and column instead of being loaded wrong, and fast,
since they run once per field of every row.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from decimal import Decimal

from seedkit.schema import Column, TypeKind
from seedkit.typerules import rule_for


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
    return rule_for(column).convert


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
