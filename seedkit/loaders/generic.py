"""GenericLoader: the driver's executemany, batch by batch, on every database.

A batch that fails is narrowed down to its bad row inside savepoints, so the error
names the row's file and line; on databases without savepoints (DuckDB) it names
the batch's lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.errors import ApplyError, Location
from seedkit.loaders.base import Loader
from seedkit.manifest.models import Mode
from seedkit.sources.base import RowBatch

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.target import Target


class GenericLoader(Loader):
    """insert, upsert, replace and mirror through parameterised statements."""

    name: ClassVar[str] = "generic"

    def accepts(self, target: Target, step: LoadStep) -> bool:
        """Every target, every step."""
        return True

    def load(self, conn: sa.Connection, target: Target, step: LoadStep, reporter: Reporter) -> int:
        """Write the step's rows by its mode."""
        self.target = target
        self.reporter = reporter
        return self._write_rows(conn, step)

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        dialect = self.target.dialect
        table = dialect.table_for_insert(load.table, load.table_name)
        names = load.source.columns(load.table)
        columns = [column_name(load, n) for n in names]
        if load.mode == Mode.REPLACE:
            self.target.run(conn, dialect.delete_all_sql(conn, table), load.source.context.locate())
        if load.mode in (Mode.UPSERT, Mode.MIRROR):
            key = [column_name(load, k) for k in load.key]
            sql = dialect.upsert_sql(conn, table, columns, key)
        else:
            sql = dialect.insert_sql(conn, table, columns)
        adapt = dialect.value_adapter()
        written = 0
        seen_keys: set[tuple[Any, ...]] = set()
        key_index = [
            columns.index(column_name(load, k)) for k in load.key if column_name(load, k) in columns
        ]
        for batch in load.source.batches(load.table):
            rows = batch.rows
            if adapt is not None:
                rows = [tuple(adapt(v) for v in row) for row in rows]
            if load.mode == Mode.MIRROR:
                seen_keys.update(tuple(row[i] for i in key_index) for row in rows)
            self._write_batch(conn, sql, rows, batch)
            written += len(rows)
            self.reporter.step_progress(load.name, len(rows))
        if load.mode == Mode.MIRROR:
            self._delete_missing(conn, load, table, seen_keys)
        return written

    def _write_batch(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        from sqlalchemy.exc import DBAPIError

        if not rows:
            return
        if not self.target.dialect.SUPPORTS_SAVEPOINTS:
            try:
                self.target.run_many(conn, sql, rows)
            except DBAPIError as exc:
                first, last = batch.location(0), batch.location(len(rows) - 1)
                span = f"lines {first.line}-{last.line}" if first.line != last.line else ""
                raise ApplyError(
                    self.target.scrub(_message(exc))
                    + (f" (in the rows at {span})" if span else ""),
                    location=first,
                    hint="fix the row; nothing was applied",
                ) from None
            return
        savepoint = conn.begin_nested()
        try:
            self.target.run_many(conn, sql, rows)
        except DBAPIError:
            savepoint.rollback()
            self._locate_bad_row(conn, sql, rows, batch)
            raise
        savepoint.commit()

    def _locate_bad_row(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        """Insert row by row in savepoints to find the row the database refuses, and raise."""
        from sqlalchemy.exc import DBAPIError

        for index, row in enumerate(rows):
            savepoint = conn.begin_nested()
            try:
                self.target.run_many(conn, sql, [row])
            except DBAPIError as exc:
                savepoint.rollback()
                raise ApplyError(
                    self.target.scrub(_message(exc)),
                    location=batch.location(index),
                    hint="fix this row; nothing was applied",
                ) from None
            savepoint.rollback()

    def _delete_missing(
        self, conn: sa.Connection, load: LoadStep, table: str, keep: set[tuple[Any, ...]]
    ) -> None:
        dialect = self.target.dialect
        key = [column_name(load, k) for k in load.key]
        cols = ", ".join(dialect.quote(conn, k) for k in key)
        existing = self.target.run(
            conn, f"SELECT {cols} FROM {dialect.quote_table(conn, table)}", Location(key=load.name)
        ).fetchall()
        adapt = dialect.value_adapter()
        gone = []
        for row in existing:
            values = tuple(row)
            probe = tuple(adapt(v) for v in values) if adapt else values
            if probe not in keep and values not in keep:
                gone.append(values)
        if gone:
            where = " AND ".join(
                f"{dialect.quote(conn, k)} = {mark}"
                for k, mark in zip(
                    key, dialect.placeholders(conn, len(key)).split(", "), strict=True
                )
            )
            self.target.run_many(
                conn, f"DELETE FROM {dialect.quote_table(conn, table)} WHERE {where}", gone
            )


def column_name(load: LoadStep, name: str) -> str:
    """The column's name as the schema spells it (CSV headers may differ in case)."""
    if load.table is not None:
        column = load.table.column(name)
        if column is not None:
            return column.name
    return name


def _message(exc: Exception) -> str:
    from seedkit.target import _db_message

    return _db_message(exc)
