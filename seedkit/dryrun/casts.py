"""The dry run's field patterns: for each column, the text DuckDB's cast reads exactly as
seedkit's converter (`seedkit.typerules`) does, so the dry run may leave that column's
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

from seedkit.schema import Column
from seedkit.typerules import reader_pattern


def dry_pattern(column: Column) -> str | None:
    """The field pattern (in Python's syntax, ANY_TEXT for any text) under which DuckDB
    reads `column`'s fields as seedkit does: the dry run's reader in the kind's rule
    (`seedkit.typerules`); None when seedkit's converter must read them all (binary, a
    time with zone)."""
    return reader_pattern(column, "dryrun")
