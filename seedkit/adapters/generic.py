"""GenericLoader: the driver's executemany, batch by batch, on every database.

A batch that fails is narrowed down to its bad row inside savepoints, so the error
names the row's file and line; on databases without savepoints (DuckDB) it names
the batch's lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.keys import check_keys, key_positions, keyed
from seedkit.adapters.loader import Loader
from seedkit.adapters.mirror import delete_unkept
from seedkit.errors import ApplyError, DataError
from seedkit.manifest.models import Mode
from seedkit.sources.base import RowBatch

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep


class GenericLoader(Loader):
    """insert, upsert, replace and mirror through parameterised statements."""

    name: ClassVar[str] = "generic"

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """Every target, every step."""
        return True

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Write the step's rows by its mode."""
        self.target = target
        self.reporter = reporter
        self.step = step
        return self._write_rows(conn, step)

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        table = self.target.table_for_insert(load.table, load.table_name)
        columns = [column_name(load, n) for n in load.source.columns(load.table)]
        sql = row_statement(conn, self.target, load, table, columns)
        mirror = before_rows(conn, self.target, load, table, columns)
        adapt = self.target.value_adapter()
        keys = key_positions(load, columns) if keyed(load) else []
        self.columns = columns
        written = 0
        every = tuple(range(len(columns)))
        statements = {every: sql}
        for whole in load.source.batches(load.table):
            check_keys(load, columns, whole, whole.rows, keys)
            # Rows leaving columns out (inline rows) go in with those columns left out
            # of their statement, so the database's defaults apply.
            for kept, batch in whole.by_given_columns():
                given = [columns[i] for i in kept]
                if kept not in statements:
                    statements[kept] = row_statement(conn, self.target, load, table, given)
                self.columns = given
                rows = batch.rows
                if adapt is not None:
                    rows = [tuple(adapt(v) for v in row) for row in rows]
                self._write_batch(conn, statements[kept], rows, batch)
                if mirror is not None:
                    mirror.add(conn, rows, given)
                written += len(rows)
                self.reporter.step_progress(load.name, len(rows))
        after_rows(conn, self.target, mirror)
        return written

    def _write_batch(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        from sqlalchemy.exc import DBAPIError

        if not rows:
            return
        if not self.target.SUPPORTS_SAVEPOINTS:
            try:
                self.target.executemany(conn, sql, rows)
            except OverflowError:
                raise self._too_large(rows, batch) from None
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
            self.target.executemany(conn, sql, rows)
        except OverflowError:  # the driver cannot bind an integer (SQLite: beyond 64 bits)
            savepoint.rollback()
            raise self._too_large(rows, batch) from None
        except DBAPIError as exc:
            self._undo(savepoint, exc)
            self._locate_bad_row(conn, sql, rows, batch)
            # Every row went in alone: the batch failed for a reason no single row shows.
            first, last = batch.location(0), batch.location(len(rows) - 1)
            raise ApplyError(
                self.target.scrub(_message(exc))
                + f" (in the rows at lines {first.line}-{last.line})",
                location=first,
                hint="fix these rows; nothing was applied",
            ) from None
        savepoint.commit()

    def _undo(self, savepoint: Any, exc: Exception) -> None:
        """Roll back to the savepoint; when the database already lost the whole transaction
        (SQLite on a full disk, a dropped connection), raise the error that caused it."""
        from sqlalchemy.exc import DBAPIError

        from seedkit.errors import TargetError

        try:
            savepoint.rollback()
        except DBAPIError:
            if getattr(exc, "connection_invalidated", False):
                raise self.target.connection_lost(exc) from None
            raise TargetError(
                f"{self.target.display_url} gave up the transaction: "
                + self.target.scrub(_message(exc)),
                hint=storage_hint(_message(exc)),
            ) from None

    def _too_large(self, rows: list[tuple[Any, ...]], batch: RowBatch) -> DataError:
        """The error for the first integer of `rows` the driver could not bind."""
        for index, row in enumerate(rows):
            for position, value in enumerate(row):
                if isinstance(value, int) and not -(2**63) <= value < 2**63:
                    where = self.step.source.locate_field(batch.location(index), position)
                    return DataError(
                        f"{self.step.source.describe_row(index)}column `{self.columns[position]}`: {value} is beyond the 64-bit "
                        f"integer range {self.target.name} can store",
                        location=where,
                        hint="write a value between -9223372036854775808 and "
                        "9223372036854775807, or use a decimal column",
                    )
        return DataError(
            "an integer is beyond the range the database driver can bind",
            location=batch.location(0),
            hint="fix the value; nothing was applied",
        )

    def _locate_bad_row(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        """Insert row by row to find the row the database refuses, and raise.

        Rows that go in stay in (the caller's transaction is rolled back after the error),
        so a row clashing with an earlier row of the same batch is found too.
        """
        from sqlalchemy.exc import DBAPIError

        savepoint = conn.begin_nested()
        for index, row in enumerate(rows):
            try:
                self.target.executemany(conn, sql, [row])
            except DBAPIError as exc:
                self._undo(savepoint, exc)
                raise ApplyError(
                    self.target.scrub(_message(exc)),
                    location=batch.location(index),
                    hint="fix this row; nothing was applied",
                ) from None
        savepoint.rollback()


# -- mode semantics, shared with fast loaders -----------------------------------------
#
# A loader writes a row step in three moves: `before_rows` (replace empties the table;
# mirror opens a key table), the rows themselves with `row_statement` (insert, or
# upsert by key), feeding each written batch to `MirrorKeys.add`, then `after_rows`
# (mirror deletes the rows whose key the source did not have). A fast loader that
# writes rows its own way (COPY into a staging table, say) keeps these semantics by
# calling the same three functions.


def row_statement(
    conn: sa.Connection, target: Adapter, load: LoadStep, table: str, columns: list[str]
) -> str:
    """The parameterised statement for one row: a plain insert, or an upsert by key."""
    if load.mode in (Mode.UPSERT, Mode.MIRROR):
        key = [column_name(load, k) for k in load.key]
        return str(target.upsert_sql(conn, table, columns, key))
    return str(target.insert_sql(conn, table, columns))


def before_rows(
    conn: sa.Connection, target: Adapter, load: LoadStep, table: str, columns: list[str]
) -> MirrorKeys | None:
    """Before any row: replace empties the table; mirror starts collecting the source's keys."""
    if load.mode == Mode.REPLACE:
        target.execute(
            conn, target.delete_all_sql(conn, table), location=load.source.context.locate()
        )
    if load.mode == Mode.MIRROR:
        return MirrorKeys(conn, target, load, table, columns)
    return None


def after_rows(conn: sa.Connection, target: Adapter, mirror: MirrorKeys | None) -> int:
    """After every row: mirror deletes the table's rows whose key was not in the source.
    Returns the rows deleted."""
    return mirror.finish(conn) if mirror is not None else 0


class MirrorKeys:
    """The source's keys, kept in a temporary table of the target's own key types.

    The delete then compares keys in the database, by the database's own equality
    (types, collations, padding), and memory stays flat however large the source.
    """

    def __init__(
        self, conn: sa.Connection, target: Adapter, load: LoadStep, table: str, columns: list[str]
    ) -> None:
        import uuid

        self.target = target
        self.table = table
        self.load = load
        self.location = load.source.context.locate()
        self.key = [column_name(load, k) for k in load.key]
        lowered = [c.lower() for c in columns]
        missing = [k for k in self.key if k.lower() not in lowered]
        if missing:
            raise DataError(
                f"mode `mirror` needs the key column `{missing[0]}` in the source",
                location=self.location,
                hint="add the column to the source, or set `key` to columns it has",
            )
        self.index = self._positions(columns)
        self.name = f"seedkit_keys_{uuid.uuid4().hex[:12]}"
        cols = ", ".join(target.quote(conn, k) for k in self.key)
        select = f"SELECT {cols} FROM {target.quote_table(conn, table)} WHERE 1 = 0"
        target.execute(conn, target.temp_table_sql(conn, self.name, select), location=self.location)
        self.insert = target.insert_sql(conn, self.name, self.key)

    def _positions(self, columns: list[str]) -> list[int]:
        lowered = [c.lower() for c in columns]
        missing = [k for k in self.key if k.lower() not in lowered]
        if missing:
            raise DataError(
                f"mode `mirror` needs the key column `{missing[0]}` in every row",
                location=self.location,
                hint="give the key column in each row, or set `key` to columns they have",
            )
        return [lowered.index(k.lower()) for k in self.key]

    def add(
        self, conn: sa.Connection, rows: list[tuple[Any, ...]], columns: list[str] | None = None
    ) -> None:
        """Remember the keys of rows written (already adapted for the driver); `columns`
        names the rows' columns when they are not all the source's."""
        index = self.index if columns is None else self._positions(columns)
        keys = [tuple(row[i] for i in index) for row in rows]
        if keys:
            self.target.executemany(conn, self.insert, keys)

    def finish(self, conn: sa.Connection) -> int:
        """Delete the rows whose key is not among the source's; drop the key table."""
        table = self.target.quote_table(conn, self.table)
        keys = self.target.quote_table(conn, self.name)
        match = " AND ".join(
            f"{keys}.{self.target.quote(conn, k)} = {table}.{self.target.quote(conn, k)}"
            for k in self.key
        )
        result = delete_unkept(
            conn,
            self.target,
            self.load,
            self.table,
            self.name,
            self.key,
            f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM {keys} WHERE {match})",
        )
        self.target.execute(
            conn, self.target.drop_temp_table_sql(conn, self.name), location=self.location
        )
        return max(getattr(result, "rowcount", 0) or 0, 0)


def storage_hint(message: str) -> str:
    """What to do about an error that ended the transaction; nothing was applied."""
    lowered = message.lower()
    if "full" in lowered or "no space" in lowered or "disk" in lowered:
        return "free space where the database lives (or give it more), then apply again; nothing was applied"
    return "check the database and apply again; nothing was applied"


def column_name(load: LoadStep, name: str) -> str:
    """The column's name as the schema spells it (CSV headers may differ in case)."""
    if load.table is not None:
        column = load.table.column(name)
        if column is not None:
            return column.name
    return name


def _message(exc: Exception) -> str:
    from seedkit.adapters.engine import db_message

    return db_message(exc)
