"""The CSV line of a row DuckDB refused in its fast path, found after the fact.

DuckDB has no savepoints: once its `INSERT … SELECT … FROM read_csv(…)` fails, the
apply's transaction is lost and the step cannot be replayed row by row to name the
culprit. The apply fails either way; this module only finds the line to report, for the
two refusals whose message says what to look for:

- `NOT NULL constraint failed: items.code`: the first record whose `code` is NULL;
- `PRIMARY KEY or UNIQUE constraint violation: duplicate key "A001"`: the second record
  whose key, as DuckDB spells it (the key's fields joined by ", "), is that text, for a
  primary key or unique set of the table; or the only one, when the row it clashes with
  was in the table before.

It reads the files again with seedkit's own reader, holding one record at a time. A
refusal it cannot place (a key DuckDB spells differently from the file, such as `+5`
for 5, a foreign key, a CHECK) gives None, and the error keeps the file alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.schema import Table
    from seedkit.sources.csvreader import CsvRecord

Place = tuple[Path, int]


def refused_line(layout: CsvLayout, table: Table | None, message: str) -> Place | None:
    """The file and line of the record DuckDB's `message` refuses, or None."""
    from seedkit.adapters.duckdb import duplicate_key, null_column

    index = {name.lower(): i for i, name in enumerate(layout.names)}
    if (name := null_column(message)) is not None:
        column = index.get(name.lower())
        if column is None:
            return None
        return next(
            ((path, r.line) for path, r in _records(layout) if r.fields[column] is None), None
        )
    if (spelled := duplicate_key(message)) is None or table is None:
        return None
    twice: list[Place] = []
    once: list[Place] = []
    for key in (table.primary_key, *table.unique):
        positions = [index.get(name.lower()) for name in key]
        if key and None not in positions:
            first, second = _key_places(layout, [p for p in positions if p is not None], spelled)
            if second is not None:
                twice.append(second)
            elif first is not None:
                once.append(first)
    # A key twice in the files is certain; a key once is the row that met one already there.
    found_places = twice or once
    return min(found_places, key=lambda p: (layout.files.index(p[0]), p[1]), default=None)


def _key_places(
    layout: CsvLayout, positions: list[int], spelled: str
) -> tuple[Place | None, Place | None]:
    """The first and second records whose key, as DuckDB spells it, is `spelled`."""
    first: Place | None = None
    for path, record in _records(layout):
        fields = record.fields
        if ", ".join("NULL" if fields[p] is None else str(fields[p]) for p in positions) == spelled:
            if first is not None:
                return first, (path, record.line)
            first = path, record.line
    return first, None


def _records(layout: CsvLayout) -> Iterator[tuple[Path, CsvRecord]]:
    """Every record of every file, read by seedkit's own reader, one at a time."""
    from seedkit.sources.csvreader import CsvFile

    for path in layout.files:
        with CsvFile(path, layout.options) as csv_file:
            for record in csv_file.records():
                yield path, record
