"""The dry run's row loader: CSV files one by one by seedkit's rules, other sources in chunks.

A CSV step in insert or replace mode is loaded file by file by `seedkit.dryrun.csvload`
(DuckDB's reader where it is proven to read as seedkit's, seedkit's reader otherwise);
every other row step goes through its source's typed batches, so its rows are read by
seedkit's own rules too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.loader import Loader
from seedkit.dryrun.csvload import load_csv_file
from seedkit.dryrun.rows import insert_rows
from seedkit.errors import Location, SeedError
from seedkit.manifest.models import Mode
from seedkit.schema import Column

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.dryrun.session import Session
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep


class DryRunLoader(Loader):
    """Loads row steps into the dry run's DuckDB; listed only by the dry-run adapter."""

    priority: ClassVar[int] = 100
    name: ClassVar[str] = "dry-run"

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """Every step: only the dry run's adapter lists this loader."""
        return True

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Load the step's rows by its mode; problems are recorded, never raised."""
        from seedkit.dryrun.adapter import DryRunAdapter

        assert isinstance(target, DryRunAdapter)
        session = target.session
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
            if _csv_file_by_file(step):
                rows = sum(load_csv_file(session, step, table, p) for p in step.source.files())
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


def _csv_file_by_file(step: LoadStep) -> bool:
    """True for a CSV step the dry run loads file by file (`seedkit.dryrun.csvload`)."""
    from seedkit.sources.csv import CsvSource

    return (
        isinstance(step.source, CsvSource)
        and step.table is not None
        and step.mode in (Mode.INSERT, Mode.REPLACE, None)
    )


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
    for whole in step.source.batches(step.table):
        # columns a row leaves out (inline rows) stay out of its INSERT: defaults apply
        for kept, batch in whole.by_given_columns():
            for i in range(len(batch.rows)):
                locations.append(batch.location(i))
            rows = [tuple(_bindable(v) for v in row) for row in batch.rows]
            given = [names[i] for i in kept]
            if step.mode in (Mode.UPSERT, Mode.MIRROR) and step.key:
                rows = _upsert_prepare(session, table, given, step, rows)
            cols = [quoted[i] for i in kept]
            written += insert_rows(session, table, cols, rows, locations.__getitem__, base)
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
