"""The dry run's row loader: CSVs through DuckDB's own reader, other sources in chunks.

A CSV is read by `read_csv` with every column as text and seedkit's NULL and quoting
rules (an unquoted null token is NULL, a quoted `""` is an empty string), and each
field converted by its column's type with the same rules as seedkit's converters,
inside DuckDB, in one statement. When that statement fails, the file is read again
into a text table whose rowids are the records' order, bad values are found by query
and reported with their line and column, and the rest goes in by halves until each
row DuckDB refuses is alone and reported.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.dryrun.casts import convert_sql, valid_sql
from seedkit.dryrun.rows import insert_rows
from seedkit.errors import Location, SeedError, display_path
from seedkit.loaders.base import Loader
from seedkit.manifest.models import Mode
from seedkit.schema import Column, TypeKind

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.dryrun.session import Session
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.target import Target


class DryRunLoader(Loader):
    """Loads row steps into the dry run's DuckDB; chosen only for the dry-run dialect."""

    priority: ClassVar[int] = 100
    name: ClassVar[str] = "dry-run"

    def accepts(self, target: Target, step: LoadStep) -> bool:
        """Only the dry run's target."""
        from seedkit.dryrun.dialect import DryRunDialect

        return isinstance(target.dialect, DryRunDialect)

    def load(self, conn: sa.Connection, target: Target, step: LoadStep, reporter: Reporter) -> int:
        """Load the step's rows by its mode; problems are recorded, never raised."""
        from seedkit.dryrun.dialect import DryRunDialect

        assert isinstance(target.dialect, DryRunDialect)
        session = target.dialect.session
        session.flush()
        if step.name in session.invalid_steps:
            return 0
        table = _duck_table(step.table_name)
        if step.mode == Mode.REPLACE:
            session.execute(f"DELETE FROM {table}")
            session.dirty.add(step.table_name.lower())
        from seedkit.dryrun.reader import DryRunReader

        # The executor's reader, with the dry run's located errors and empty-parent notes.
        outer, reader = step.source.reader, DryRunReader(conn, target, step.source.context.locate())
        step.source.reader = reader
        try:
            if _csv_fast(step):
                rows = sum(_load_csv(session, step, table, path) for path in step.source.files())
            else:
                rows = _load_python(session, step, table)
        except SeedError as exc:
            loc = exc.location or Location()
            kind = "data" if "column" not in exc.message else "type"
            session.problem("foreign_key" if reader.empty else kind, exc.message, loc, exc.hint)
            return 0
        finally:
            step.source.reader = outer
        reporter.step_progress(step.name, rows)
        return rows


def _duck_table(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _duck_col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(step: LoadStep, names: list[str]) -> list[Column | None]:
    table = step.table
    return [table.column(n) if table is not None else None for n in names]


def _csv_fast(step: LoadStep) -> bool:
    """True when DuckDB's reader can read this step's CSV with seedkit's rules."""
    from seedkit.sources.csv import CsvSource

    if not isinstance(step.source, CsvSource) or step.table is None:
        return False
    if step.mode not in (Mode.INSERT, Mode.REPLACE, None):
        return False
    options = step.source.reader_options()
    encoding = codecs.lookup(options.encoding).name
    if encoding not in ("utf-8", "utf-8-sig") or not options.header:
        return False
    names = step.source.columns(step.table)
    return all(c is not None and c.kind is not TypeKind.BINARY for c in _columns(step, names))


def _read_csv_sql(path: Path, width: int, options: Any) -> tuple[str, list[Any]]:
    from seedkit.loaders.duckdb import read_csv_text

    sql, params = read_csv_text(width, options)
    return sql, [str(path), *params]


def _load_csv(session: Session, step: LoadStep, table: str, path: Path) -> int:
    from seedkit.sources.csvreader import CsvFile

    options = step.source.reader_options()  # type: ignore[attr-defined]
    with CsvFile(path, options) as csv_file:
        names = list(csv_file.header)
    columns = _columns(step, names)
    reader, params = _read_csv_sql(path, len(names), options)
    targets = ", ".join(_duck_col(c.name) for c in columns if c is not None)
    converted = ", ".join(convert_sql(c, f"c{i}") for i, c in enumerate(columns) if c is not None)
    locator = _CsvLocator(path, options, names)
    before = session.max_rowid(table)
    try:
        done = session.execute(
            f"INSERT INTO {table} ({targets}) SELECT {converted} FROM {reader}", params
        ).fetchone()
        count = int(done[0]) if done else 0
    except Exception:
        return _diagnose_csv(session, step, table, path, names, columns, locator)
    session.add_segment(table, before + 1, count, locator, range(count))
    return count


def _diagnose_csv(
    session: Session,
    step: LoadStep,
    table: str,
    path: Path,
    names: list[str],
    columns: list[Column | None],
    locator: _CsvLocator,
) -> int:
    """The fast load failed: find each bad value or refused row, and load the rest."""
    from seedkit.sources.csvreader import CsvFile
    from seedkit.types import converter_for

    options = step.source.reader_options()  # type: ignore[attr-defined]
    reader, params = _read_csv_sql(path, len(names), options)
    raw = "seedkit_raw"
    session.execute(f"DROP TABLE IF EXISTS {raw}")
    try:
        session.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {reader}", params)
    except Exception:
        # DuckDB cannot read it: seedkit's own reader names the line (ragged row, quoting…).
        try:
            with CsvFile(path, options) as csv_file:
                for _ in csv_file.records():
                    pass
        except SeedError as exc:
            loc = exc.location or Location.in_file(path)
            session.problem("data", exc.message, loc, exc.hint)
            return 0
        session.problem("data", "DuckDB cannot read this CSV file", Location.in_file(path))
        return 0
    bad: set[int] = set()
    for index, column in enumerate(columns):
        if column is None or session.saturated:
            continue
        valid = valid_sql(column, f"c{index}")
        if valid is None:
            continue
        found = session.execute(
            f"SELECT rowid, c{index} FROM {raw} WHERE c{index} IS NOT NULL AND NOT ({valid}) "
            "ORDER BY rowid LIMIT 20"
        ).fetchall()
        if not found:
            continue
        convert = converter_for(column)
        locations = locator([r for r, _ in found], column.name)
        for (rowid, value), loc in zip(found, locations, strict=True):
            bad.add(int(rowid))
            try:
                convert(value)
                message = f"column `{names[index]}`: {value!r} is not a valid {column.type}"
            except ValueError as exc:
                message = f"column `{names[index]}`: {exc}"
            session.problem(
                "type",
                message,
                loc,
                f"write a value of type {column.type}, or leave the field empty for NULL",
            )
    if bad:
        session.execute(f"DELETE FROM {raw} WHERE rowid IN ({', '.join(map(str, sorted(bad)))})")
    targets = ", ".join(_duck_col(c.name) for c in columns if c is not None)
    converted = ", ".join(convert_sql(c, f"c{i}") for i, c in enumerate(columns) if c is not None)
    total = session.scalar(f"SELECT max(rowid) FROM {raw}")
    if total is None:
        return 0

    def insert_range(lo: int, hi: int) -> int:
        before = session.max_rowid(table)
        try:
            row = session.execute(
                f"INSERT INTO {table} ({targets}) SELECT {converted} FROM {raw} "
                f"WHERE rowid BETWEEN {lo} AND {hi} ORDER BY rowid"
            ).fetchone()
        except Exception as exc:
            if lo == hi:
                loc = locator([lo], None)[0]
                _record_row_problem(session, exc, loc, locator, lo, names)
                return 0
            middle = (lo + hi) // 2
            done = insert_range(lo, middle)
            return done + (0 if session.saturated else insert_range(middle + 1, hi))
        count = int(row[0]) if row else 0
        if count:
            ordinals = [
                int(r[0])
                for r in session.execute(
                    f"SELECT rowid FROM {raw} WHERE rowid BETWEEN {lo} AND {hi} ORDER BY rowid"
                ).fetchall()
            ]
            session.add_segment(table, before + 1, count, locator, ordinals)
        return count

    loaded = insert_range(0, int(total))
    session.execute(f"DROP TABLE {raw}")
    return loaded


def _record_row_problem(
    session: Session,
    exc: Exception,
    loc: Location,
    locator: _CsvLocator,
    ordinal: int,
    names: list[str],
) -> None:
    """Report a row DuckDB refused, at its line and, when the error names one, its column."""
    import re

    from seedkit.dryrun.diagnose import classify

    kind, message, word = classify(exc)
    if word is None and kind == "check":
        mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b", message, re.I)]
        word = mentioned[0] if mentioned else None
    if word is not None:
        loc = locator([ordinal], word)[0]
    hint = {
        "not_null": "give the column a value",
        "unique": 'remove the duplicate, or use mode = "upsert"',
        "check": "fix the value so the CHECK holds",
    }.get(kind, "fix the row")
    session.problem(kind, message, loc, hint)


class _CsvLocator:
    """Maps record ordinals of a CSV file to their line (and a column's field) by reading it."""

    def __init__(self, path: Path, options: Any, names: list[str]) -> None:
        self.path = path
        self.options = options
        self.names = [n.lower() for n in names]

    def __call__(self, ordinals: list[int], column: str | None) -> list[Location]:
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
                self.names.index(column.lower())
                if column and column.lower() in self.names
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


def _load_python(session: Session, step: LoadStep, table: str) -> int:
    """Row sources other than plain CSV: typed batches from the source, in chunks."""
    names = step.source.columns(step.table)
    columns = _columns(step, names)
    quoted = [
        _duck_col(c.name if c is not None else n) for n, c in zip(names, columns, strict=True)
    ]
    written = 0
    base = 0
    locations: list[Location] = []
    for batch in step.source.batches(step.table):
        for i in range(len(batch.rows)):
            locations.append(batch.location(i))
        rows = [tuple(_bindable(v) for v in row) for row in batch.rows]
        if step.mode in (Mode.UPSERT, Mode.MIRROR) and step.key:
            rows = _upsert_prepare(session, table, names, step, rows)
        written += insert_rows(session, table, quoted, rows, locations.__getitem__, base)
        base += len(batch.rows)
        if session.saturated:
            break
    return written


def _bindable(value: Any) -> Any:
    return value


def _upsert_prepare(
    session: Session, table: str, names: list[str], step: LoadStep, rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Upsert and mirror: delete the rows whose key the batch holds, so the batch replaces them."""
    lower = [n.lower() for n in names]
    idx = [lower.index(k.lower()) for k in step.key if k.lower() in lower]
    if len(idx) != len(step.key):
        return rows
    cond = " AND ".join(f"{_duck_col(step.key[j])} = ?" for j in range(len(idx)))
    for row in rows:
        session.execute(f"DELETE FROM {table} WHERE {cond}", [row[i] for i in idx])
    return rows
