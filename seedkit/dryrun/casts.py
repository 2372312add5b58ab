"""The dry run's field patterns: for each column, the text DuckDB's cast reads exactly as
seedkit's converter (`seedkit.types`) does, so the dry run may leave that column's
fields to DuckDB.

A pattern accepts only text seedkit's converter accepts, and only in forms DuckDB casts
to the same value: the scanner's exact patterns (`seedkit.adapters.csvscan`: no year 0,
no February 29 outside leap years, no 24:00, no zone beyond ±23:59; a UUID in the forms
every database reads). What a pattern leaves out is not refused by it: the dry run's
CSV loader (`seedkit.dryrun.csvload`) hands those fields to seedkit's own converters,
which refuse them or take them exactly as `apply` would. JSON fields are read as text
here and checked by seedkit's converter, since no pattern can say what JSON is.
"""

from __future__ import annotations

from seedkit.adapters.csvscan import (
    ANY_TEXT,
    BOOLEAN,
    DATE,
    DECIMAL,
    INT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    is_zoned_time,
)
from seedkit.schema import Column, TypeKind
from seedkit.types import UUID_PATTERN

_PATTERNS: dict[TypeKind, str] = {
    TypeKind.INTEGER: INT,  # beyond the column's range DuckDB's cast fails: see csvload
    TypeKind.DECIMAL: DECIMAL,
    TypeKind.FLOAT: DECIMAL,  # NaN and the infinities go through seedkit's reader
    TypeKind.BOOLEAN: BOOLEAN,
    TypeKind.DATE: DATE,
    TypeKind.TIMESTAMP: TIMESTAMP,
    TypeKind.TIMESTAMPTZ: TIMESTAMPTZ,
    TypeKind.UUID: UUID_PATTERN,  # every form of it DuckDB's cast reads too
    TypeKind.JSON: ANY_TEXT,  # checked by seedkit's converter after the read
    TypeKind.TEXT: ANY_TEXT,
    TypeKind.OTHER: ANY_TEXT,
}


def dry_pattern(column: Column) -> str | None:
    """The field pattern (in Python's syntax, ANY_TEXT for any text) under which DuckDB
    reads `column`'s fields as seedkit does; None when seedkit's converter must read
    them all (binary, a time with zone)."""
    if column.kind is TypeKind.TIME:
        return None if is_zoned_time(column) else TIME
    return _PATTERNS.get(column.kind)
