"""The dry run's CSV loader: every file read by seedkit's rules, by DuckDB only where proven.

`check` must accept and refuse exactly the files `apply` does, at the same place. So a
file goes through DuckDB's reader only under the real DuckDB loader's conditions
(`csv_layout`, UTF-8, and a field pattern for every column, `seedkit.dryrun.casts`),
and only counts as read when that read is proven to be seedkit's: one `INSERT … SELECT
… FROM read_csv(…)` keeps just the rows whose typed fields are NULL or match their
column's pattern, while a helper thread checks the file's quoting byte by byte and
counts its records (`seedkit.adapters.csvshape`) and has seedkit's own converter read
every JSON field. When the quoting is sound, every JSON field valid and the insert took
every record, DuckDB read what seedkit reads, and the file is loaded.

Otherwise the rows are deleted again. If the quoting is sound, the file is read into a
text table (whose rowids are the records' order, its record count checked again): the
rows with a field outside its pattern (or a JSON field seedkit refuses) go through
seedkit's converters, which report each value they refuse with the message, file, line
and column `apply` gives, and convert the rest; the other rows go in by halves until
each row DuckDB refuses (a constraint, a value beyond the column's range) is alone and
reported. If the quoting is not seedkit's, or DuckDB cannot read the file, it is read by
seedkit's own reader and converters (`CsvSource.file_batches`), which stop where `apply`
stops, at the same place.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedkit.dryrun.casts import dry_pattern
from seedkit.errors import DataError, Location, display_path
from seedkit.schema import TypeKind

if TYPE_CHECKING:
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.dryrun.session import Session
    from seedkit.plan.steps import LoadStep

#: The text table a refused file is read into, to find the rows DuckDB refuses.
_RAW = "seedkit_raw"
#: Rows fetched (or rowids listed) at a time.
_BATCH = 10_000


def load_csv_file(session: Session, step: LoadStep, table: str, path: Path) -> int:
    """Load one CSV file of an insert or replace step into the dry run's `table` (a
    DuckDB name); return the rows loaded. A problem DuckDB finds is recorded; seedkit's
    reader raises its first (a SeedError, as in `apply`), which the caller records."""
    layout = _layout(step, path)
    if layout is not None:
        rows = _through_duckdb(session, table, layout)
        if rows is not None:
            return rows
    return _through_seedkit(session, step, table, path)


def _duck_col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _layout(step: LoadStep, path: Path) -> CsvLayout | None:
    """The file's layout when DuckDB's reader may be tried on it, else None."""
    from seedkit.adapters.csvscan import csv_layout

    layout = csv_layout(step)
    if layout is None or any(dry_pattern(c) is None for c in layout.columns):
        return None
    if codecs.lookup(layout.options.encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    return dataclasses.replace(layout, files=(path,))


def _read_sql(layout: CsvLayout) -> tuple[str, list[Any]]:
    from seedkit.adapters.duckdb_csv import read_csv_text

    sql, params = read_csv_text(len(layout.columns), layout.options)
    return sql, [str(layout.files[0]), *params]


def _through_duckdb(session: Session, table: str, layout: CsvLayout) -> int | None:
    """Load the file through DuckDB's reader; None (and nothing loaded) when its quoting
    is not seedkit's or DuckDB cannot read it."""
    from seedkit.adapters.duckdb_csv import filtered_select
    from seedkit.background import helper_pool

    reader, params = _read_sql(layout)
    cols = ", ".join(_duck_col(c.name) for c in layout.columns)
    sql = f"INSERT INTO {table} ({cols}) " + filtered_select(layout, reader, dry_pattern)
    before = session.max_rowid(table)
    count: int | None = None
    with helper_pool("seedkit-shape") as pool:
        vouched = pool.submit(_vouch, layout)
        try:
            done = session.execute(sql, params).fetchone()
            count = int(done[0]) if done else 0
        except Exception:  # a row DuckDB refuses: found below
            pass
        records, json_ok = vouched.result()
    if count is not None and count == records and json_ok:
        session.add_segment(table, before + 1, count, CsvLocator(layout), range(count))
        return count
    if count:
        session.execute(f"DELETE FROM {table} WHERE rowid > {before}")
    if records is None:
        return None
    return _row_by_row(session, table, layout, records)


def _vouch(layout: CsvLayout) -> tuple[int | None, bool]:
    """(the file's records when its quoting is as seedkit reads it, else None; whether
    seedkit's converter takes every JSON field). Runs in a helper thread beside the insert."""
    from seedkit.adapters.duckdb_csv import count_layout_records

    records = count_layout_records(layout)
    fields = [i for i, c in enumerate(layout.columns) if c.kind is TypeKind.JSON]
    return records, records is not None and (not fields or _json_valid(layout, fields))


def _json_valid(layout: CsvLayout, fields: list[int]) -> bool:
    """True when seedkit's converter takes every JSON field of the file (read by a DuckDB
    of the thread's own)."""
    import duckdb

    from seedkit.types import converter_for

    convert = converter_for(layout.columns[fields[0]])
    reader, params = _read_sql(layout)
    wanted = ", ".join(f"c{i}" for i in fields)
    try:
        with duckdb.connect(":memory:") as own:
            result = own.execute(f"SELECT {wanted} FROM {reader}", params)
            while rows := result.fetchmany(_BATCH):
                for row in rows:
                    for value in row:
                        if value is not None:
                            convert(value)
    except (duckdb.Error, ValueError):
        return False
    return True


def _row_by_row(session: Session, table: str, layout: CsvLayout, records: int) -> int | None:
    """The file's quoting is seedkit's, but a field is not in its pattern or DuckDB
    refused a row: read it into a text table (whose rowids are the records' order), have
    seedkit's converters read the rows the patterns leave out, report each value they
    refuse as `apply` would and insert the rest, then load the other rows by halves,
    reporting each row DuckDB refuses. None when DuckDB reads other records than seedkit."""
    reader, params = _read_sql(layout)
    session.execute(f"DROP TABLE IF EXISTS {_RAW}")
    try:
        session.execute(f"CREATE TEMP TABLE {_RAW} AS SELECT * FROM {reader}", params)
    except Exception:
        return None
    try:
        if session.scalar(f"SELECT count(*) FROM {_RAW}") != records:
            return None
        locator = CsvLocator(layout)
        odd = _odd_rows(session, layout)
        taken: list[int] = []
        rows: list[tuple[Any, ...]] = []
        for ordinal, fields in odd:
            row = _convert(session, layout, locator, ordinal, fields)
            if row is not None:
                taken.append(ordinal)
                rows.append(row)
        ordinals = [o for o, _ in odd]
        for start in range(0, len(ordinals), _BATCH):
            listed = ", ".join(map(str, ordinals[start : start + _BATCH]))
            session.execute(f"DELETE FROM {_RAW} WHERE rowid IN ({listed})")
        loaded = _by_halves(session, table, layout, locator, records) if records else 0
        if rows and not session.saturated:
            from seedkit.dryrun.rows import insert_rows

            def locate_row(index: int) -> Location:
                return locator([taken[index]], None)[0]

            cols = [_duck_col(c.name) for c in layout.columns]
            loaded += insert_rows(session, table, cols, rows, locate_row)
        return loaded
    finally:
        session.execute(f"DROP TABLE IF EXISTS {_RAW}")


def _odd_rows(session: Session, layout: CsvLayout) -> list[tuple[int, tuple[Any, ...]]]:
    """(ordinal, fields) of each row of the text table with a field outside its pattern
    or a JSON field seedkit's converter refuses, in file order."""
    from seedkit.adapters.duckdb_csv import field_checks
    from seedkit.types import converter_for

    checks = field_checks(layout, dry_pattern)
    found: dict[int, tuple[Any, ...]] = {}
    if checks:
        result = session.execute(
            f"SELECT rowid, * FROM {_RAW} WHERE NOT ({' AND '.join(checks)}) ORDER BY rowid"
        )
        while batch := result.fetchmany(_BATCH):
            found.update((int(r[0]), tuple(r[1:])) for r in batch)
    for index, column in enumerate(layout.columns):
        if column.kind is not TypeKind.JSON:
            continue
        convert, bad = converter_for(column), []
        result = session.execute(f"SELECT rowid, c{index} FROM {_RAW} WHERE c{index} IS NOT NULL")
        while batch := result.fetchmany(_BATCH):
            for rowid, value in batch:
                try:
                    convert(value)
                except ValueError:
                    bad.append(int(rowid))
        for start in range(0, len(bad), _BATCH):
            listed = ", ".join(map(str, bad[start : start + _BATCH]))
            for r in session.execute(
                f"SELECT rowid, * FROM {_RAW} WHERE rowid IN ({listed})"
            ).fetchall():
                found[int(r[0])] = tuple(r[1:])
    return sorted(found.items())


def _convert(
    session: Session, layout: CsvLayout, locator: CsvLocator, ordinal: int, fields: tuple[Any, ...]
) -> tuple[Any, ...] | None:
    """The row's values by seedkit's converters, or None after reporting the first value
    they refuse, at its line and column, as `apply` reports it."""
    from seedkit.types import converter_for

    values: list[Any] = []
    for index, (column, value) in enumerate(zip(layout.columns, fields, strict=True)):
        if value is None:
            values.append(None)
            continue
        try:
            values.append(converter_for(column)(value))
        except ValueError as bad:
            if not session.saturated:
                name = locator.header[index]
                session.problem(
                    "type",
                    f"column `{name}`: {bad}",
                    locator([ordinal], name)[0],
                    f"write a value of type {column.type}, or leave the field empty for NULL",
                )
            return None
    return tuple(values)


def _by_halves(
    session: Session, table: str, layout: CsvLayout, locator: CsvLocator, records: int
) -> int:
    """Insert the rows left in the text table, halving a range DuckDB refuses until each
    refused row is alone and reported."""
    from seedkit.adapters.duckdb_csv import field_exprs

    cols = ", ".join(_duck_col(c.name) for c in layout.columns)
    exprs = ", ".join(field_exprs(layout))

    def insert_range(lo: int, hi: int) -> int:
        before = session.max_rowid(table)
        where = f"WHERE rowid BETWEEN {lo} AND {hi}"
        try:
            row = session.execute(
                f"INSERT INTO {table} ({cols}) SELECT {exprs} FROM {_RAW} {where} ORDER BY rowid"
            ).fetchone()
        except Exception as exc:
            if lo == hi:  # a refused range holds a row: this one
                _row_problem(session, exc, layout, locator, lo)
                return 0
            middle = (lo + hi) // 2  # a half without rows goes in at once, with none
            done = insert_range(lo, middle)
            return done + (0 if session.saturated else insert_range(middle + 1, hi))
        count = int(row[0]) if row else 0
        if count:
            # Rows taken out (a bad value) leave gaps: then ask which rowids went in.
            full = count == hi - lo + 1
            ordinals = range(lo, hi + 1) if full else _ordinals(session, where)
            session.add_segment(table, before + 1, count, locator, ordinals)
        return count

    return insert_range(0, records - 1)


def _ordinals(session: Session, where: str) -> list[int]:
    rows = session.execute(f"SELECT rowid FROM {_RAW} {where} ORDER BY rowid").fetchall()
    return [int(r[0]) for r in rows]


def _row_problem(
    session: Session, exc: Exception, layout: CsvLayout, locator: CsvLocator, ordinal: int
) -> None:
    """Report a row DuckDB refused: a value seedkit's converter refuses (an integer beyond
    64 bits) as `apply` reports it, else DuckDB's error at the row's line, and the column
    the error names."""
    from seedkit.dryrun.diagnose import classify

    fields = session.execute(f"SELECT * FROM {_RAW} WHERE rowid = {ordinal}").fetchone()
    if fields is not None and _convert(session, layout, locator, ordinal, tuple(fields)) is None:
        return

    kind, message, word = classify(exc)
    if word is None and kind == "check":
        names = locator.header
        mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b", message, re.I)]
        word = mentioned[0] if mentioned else None
    hint = {
        "not_null": "give the column a value",
        "unique": 'remove the duplicate, or use mode = "upsert"',
        "check": "fix the value so the CHECK holds",
    }.get(kind, "fix the row")
    session.problem(kind, message, locator([ordinal], word)[0], hint)


def _through_seedkit(session: Session, step: LoadStep, table: str, path: Path) -> int:
    """Load the file through seedkit's own reader and converters, as `apply` reads it:
    each value they refuse is reported and its row left out; a record the reader cannot
    read stops the file (raised, as in `apply`)."""
    from seedkit.dryrun.rows import insert_rows
    from seedkit.sources.csv import CsvSource

    source = step.source
    assert isinstance(source, CsvSource)
    shown = display_path(path)
    lines: list[int] = []

    def locate_row(ordinal: int) -> Location:
        return Location(shown, lines[ordinal])

    def bad_value(exc: DataError) -> None:
        if not session.saturated:
            session.problem("type", exc.message, exc.location, exc.hint)

    written = 0
    for batch in source.file_batches(path, step.table, on_bad_value=bad_value):
        quoted = [_duck_col(c.name if (c := _column(step, n)) else n) for n in batch.columns]
        base = len(lines)
        lines.extend(batch.lines)
        written += insert_rows(session, table, quoted, batch.rows, locate_row, base)
        if session.saturated:
            break
    return written


def _column(step: LoadStep, name: str) -> Any:
    return step.table.column(name) if step.table is not None else None


class CsvLocator:
    """Maps record ordinals of a CSV file to their line (and a column's field) by reading
    it with seedkit's reader; the dry run's checks locate rows after the load so."""

    def __init__(self, layout: CsvLayout) -> None:
        from seedkit.sources.csvreader import CsvFile

        self.path = layout.files[0]
        self.options = layout.options
        with CsvFile(self.path, self.options) as csv_file:
            #: The file's header, as written.
            self.header = list(csv_file.header)
        self._lower = [n.lower() for n in self.header]

    def __call__(self, ordinals: list[int], column: str | None) -> list[Location]:
        """The location of each record (its field of `column`, when given and known)."""
        from seedkit.sources.csvreader import CsvFile

        wanted = set(ordinals)
        lines: dict[int, int] = {}
        with CsvFile(self.path, self.options) as csv_file:
            if wanted:
                last = max(wanted)
                for index, record in enumerate(csv_file.records()):
                    if index in wanted:
                        lines[index] = record.line
                    if index >= last:
                        break
            field = (
                self._lower.index(column.lower())
                if column and column.lower() in self._lower
                else None
            )
            out = []
            for ordinal in ordinals:
                line = lines.get(ordinal)
                col = (
                    csv_file.field_column(line, field)
                    if line is not None and field is not None
                    else None
                )
                out.append(Location(display_path(self.path), line, col))
        return out
