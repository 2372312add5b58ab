"""Typing native values (JSON, Parquet, generated) by the target column, and keyed batches.

CSV gives text, which `seedkit.types.converter_for` reads. JSON, Parquet and plugins
give native values instead (numbers, booleans, dates, nested lists and objects).
`typed_value` turns one of those into the value the target column's type takes, as
strictly as the CSV path: a string still goes through the column's converter, so
`"00123"` stays `00123` in a text column; a number for a text column, or a boolean
for a date, is an error rather than a guess.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location
from seedkit.sources.base import RowBatch

if TYPE_CHECKING:
    from seedkit.schema import Column


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | bytes):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def typed_value(column: Column | None, value: Any) -> Any:
    """The value `column`'s type takes for a native value; ValueError when it does not fit.

    Beyond `seedkit.types.python_value` (strings read like CSV text; TOML-like numbers,
    booleans, dates and times): a `Decimal` is kept for a decimal column, becomes a float
    for a float column and an int for an integer column when it is whole; bytes go to a
    binary column; a UUID to a uuid column; a list or dict becomes JSON text for a JSON
    column. With no column (unknown schema) the value passes unchanged.
    """
    from seedkit.schema import TypeKind
    from seedkit.types import python_value

    if value is None or column is None:
        return value
    kind = column.kind
    if isinstance(value, Decimal):
        if kind is TypeKind.DECIMAL:
            if not value.is_finite():
                raise ValueError(f"{value} is not a decimal number (NaN and infinity are refused)")
            return value
        if kind is TypeKind.FLOAT:
            return float(value)
        if kind is TypeKind.INTEGER:
            if value != value.to_integral_value():
                raise ValueError(f"{value} is not an integer")
            return int(value)
        if kind is TypeKind.JSON:
            return str(value)
        value = float(value)  # python_value words the refusal (a text column…)
    if isinstance(value, bytes | bytearray | memoryview):
        if kind is TypeKind.BINARY:
            return bytes(value)
        raise ValueError(f"a {kind.value} column cannot take binary data")
    if isinstance(value, uuid.UUID):
        if kind in (TypeKind.UUID, TypeKind.TEXT, TypeKind.OTHER):
            return str(value)
        raise ValueError(f"a {kind.value} column cannot take the UUID {value}")
    if kind is TypeKind.JSON and isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if kind is TypeKind.TIME and isinstance(value, dt.time) and value.tzinfo is not None:
        return value
    return python_value(column, value)


def value_converter(column: Column | None) -> Callable[[Any], Any]:
    """`typed_value` for one column, with a fast path for values already of its type.

    A value whose exact Python type the column takes unchanged (an int for an integer
    column, a str for a text one, a Decimal for a decimal one…) is passed through as
    `typed_value` would pass it; anything else goes through `typed_value`. None is NULL.
    """
    if column is None:
        return _same
    exact = _PASS_THROUGH.get(column.kind.value, ())

    def convert(value: Any) -> Any:
        if value is None or type(value) in exact:
            return value
        return typed_value(column, value)

    return convert


def _same(value: Any) -> Any:
    return value


# Exact types each column kind takes unchanged (see typed_value and seedkit.types).
_PASS_THROUGH: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "decimal": (Decimal,),
    "float": (float,),
    "boolean": (bool,),
    "date": (dt.date,),
    "time": (dt.time,),
    "text": (str,),
    "other": (str,),
}


@dataclass
class KeyedRowBatch(RowBatch):
    """A RowBatch whose rows are located by a key (`[12]`, `row group 0, row 12`), not a line.

    `keys[i]` names row `i` inside `file`; `line` (optional) is a line shared by every
    row, for sources declared in the manifest itself.
    """

    keys: Sequence[str] = field(default_factory=list)
    line: int | None = None

    def location(self, index: int) -> Location:
        """Where row `index` of this batch came from: the file and the row's key."""
        key = self.keys[index] if index < len(self.keys) else None
        return Location(file=self.file, line=self.line, key=key)
