"""DuckDB's upsert and mirror, set-based: each batch is staged, then merged in one statement.

The generic loader sends an upsert row by row (the driver's executemany), and DuckDB
runs every `INSERT … ON CONFLICT` as a statement of its own: 20,000 rows took about a
minute. Here each batch of typed rows goes into a TEMP table in one statement (one list
per column, bound at once and `unnest`ed, each cast to the target column's type), and
one `INSERT INTO t SELECT … FROM stage ON CONFLICT (key) DO UPDATE` merges it, touching
only rows whose values differ (as `DuckdbDialect.upsert_sql` does). A key given twice in
a batch keeps its last row, as the row-by-row upsert would. For mirror, each batch's keys
go into a key table, and one anti-join DELETE removes the rows the source lacks.

The values are those the generic loader binds (the source's typed rows, with NULL keys
refused by `seedkit.adapters.keys`), so the table ends up value by value the same.
DuckDB has no savepoints: a batch the database refuses fails the apply, named by the
batch's lines, as the generic loader names it on DuckDB.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.keys import check_keys, key_positions
from seedkit.adapters.loader import Loader
from seedkit.errors import ApplyError, DataError
from seedkit.manifest.models import Mode

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.base import RowBatch

#: Python values DuckDB would read with a type of its own choosing (a Decimal's width, an
#: integer beyond 64 bits): bound as text, then cast by the column's declared type.
_AS_TEXT = (Decimal,)


class DuckdbUpsertLoader(Loader):
    """upsert and mirror on DuckDB, one staged batch at a time."""

    name: ClassVar[str] = "duckdb-upsert"
    priority: ClassVar[int] = 10

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """DuckDB, upsert and mirror steps of any row source with a known key."""
        return (
            step.mode in (Mode.UPSERT, Mode.MIRROR)
            and bool(step.key)
            # rows leaving columns out keep those columns' values: the generic loader
            and not step.source.omits_columns()
        )

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Stage, merge and (mirror) delete, batch by batch; returns the rows written."""
        from seedkit.adapters.generic import column_name

        self.target, self.step = target, step
        table = target.table_for_insert(step.table, step.table_name)
        columns = [column_name(step, n) for n in step.source.columns(step.table)]
        keys = key_positions(step, columns)
        key = [columns[i] for i in keys]
        if len(key) != len(step.key):
            raise DataError(
                f"mode `{step.mode.value if step.mode else ''}` needs the key column "
                f"`{next(k for k in step.key if k.lower() not in map(str.lower, key))}` "
                "in the source",
                location=step.source.context.locate(),
                hint="add the column to the source, or set `key` to columns it has",
            )
        suffix = uuid.uuid4().hex[:12]
        self.stage, self.keys = f"seedkit_stage_{suffix}", f"seedkit_keys_{suffix}"
        self.quoted = target.quote_table(conn, table)
        self.types = self._declared_types(conn, table, columns)
        q = lambda name: target.quote(conn, name)  # noqa: E731
        cols = ", ".join(q(c) for c in columns)
        self._run(
            conn,
            f"CREATE TEMP TABLE {self.stage} AS SELECT {cols}, 0::BIGINT AS "
            f"seedkit_seq FROM {self.quoted} WHERE false",
        )
        if step.mode == Mode.MIRROR:
            key_cols = ", ".join(q(k) for k in key)
            self._run(
                conn,
                f"CREATE TEMP TABLE {self.keys} AS SELECT {key_cols} FROM {self.quoted} "
                "WHERE false",
            )
        merge = self._merge_sql(conn, columns, key)
        written = 0
        try:
            for batch in step.source.batches(step.table):
                rows = batch.rows
                if not rows:
                    continue
                check_keys(step, columns, batch, rows, keys)
                self._stage(conn, columns, rows, batch)
                self._run_batch(conn, merge, batch, len(rows))
                if step.mode == Mode.MIRROR:
                    key_cols = ", ".join(q(k) for k in key)
                    self._run(conn, f"INSERT INTO {self.keys} SELECT {key_cols} FROM {self.stage}")
                self._run(conn, f"DELETE FROM {self.stage}")
                written += len(rows)
                reporter.step_progress(step.name, len(rows))
            if step.mode == Mode.MIRROR:
                from seedkit.adapters.mirror import delete_unkept

                match = " AND ".join(f"k.{q(c)} = t.{q(c)}" for c in key)
                delete_unkept(
                    conn,
                    target,
                    step,
                    table,
                    self.keys,
                    key,
                    f"DELETE FROM {self.quoted} AS t WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {self.keys} AS k WHERE {match})",
                )
        finally:
            self._drop(conn)
        return written

    # -- statements ----------------------------------------------------------------

    def _merge_sql(self, conn: sa.Connection, columns: list[str], key: list[str]) -> str:
        """The one statement merging the stage into the table: the last row of each key."""
        q = lambda name: self.target.quote(conn, name)  # noqa: E731
        cols = ", ".join(q(c) for c in columns)
        keys = ", ".join(q(k) for k in key)
        rest = [c for c in columns if c not in key]
        latest = (
            f"SELECT {cols} FROM {self.stage} QUALIFY row_number() OVER "
            f"(PARTITION BY {keys} ORDER BY seedkit_seq DESC) = 1"
        )
        sql = f"INSERT INTO {self.quoted} ({cols}) {latest} ON CONFLICT ({keys}) DO "
        if not rest:
            return sql + "NOTHING"
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in rest)
        differs = " OR ".join(
            f"{self.quoted}.{q(c)} IS DISTINCT FROM excluded.{q(c)}" for c in rest
        )
        return sql + f"UPDATE SET {sets} WHERE {differs}"

    def _stage(
        self, conn: sa.Connection, columns: list[str], rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        """Insert the batch into the stage: one list per column, unnested and cast."""
        lists: list[list[Any]] = [[] for _ in columns]
        for row in rows:
            for values, value in zip(lists, row, strict=True):
                values.append(value)
        params: list[list[Any]] = []
        exprs = []
        for index, (name, values) in enumerate(zip(columns, lists, strict=True)):
            declared = self.types[name]
            if any(isinstance(v, _AS_TEXT) or _big(v) for v in values):
                values = [None if v is None else str(v) for v in values]
            params.append(values)
            exprs.append(f"CAST(unnest(${index + 1}) AS {declared})")
        params.append(list(range(len(rows))))
        exprs.append(f"unnest(${len(columns) + 1})")
        self._run_batch(
            conn, f"INSERT INTO {self.stage} SELECT {', '.join(exprs)}", batch, len(rows), params
        )

    def _declared_types(
        self, conn: sa.Connection, table: str, columns: list[str]
    ) -> dict[str, str]:
        """Each column's DuckDB type, as its catalog spells it."""
        schema, _, name = table.rpartition(".")
        sql = (
            "SELECT column_name, data_type FROM duckdb_columns() WHERE "
            "database_name = current_database() AND table_name = ? AND schema_name = "
            + ("?" if schema else "current_schema()")
        )
        found = self.target.execute(conn, sql, [name, schema] if schema else [name])
        types = {str(c).lower(): str(t) for c, t in found.fetchall()}
        return {c: types.get(c.lower(), "VARCHAR") for c in columns}

    def _run(self, conn: sa.Connection, sql: str) -> None:
        self.target.execute(conn, sql, location=self.step.source.context.locate())

    def _run_batch(
        self,
        conn: sa.Connection,
        sql: str,
        batch: RowBatch,
        count: int,
        params: list[Any] | None = None,
    ) -> None:
        """Run `sql` for a batch; a refusal names the batch's lines, as the generic loader
        does on DuckDB."""
        from sqlalchemy.exc import DBAPIError

        from seedkit.adapters.engine import db_message

        try:
            self.target.execute(conn, sql, params or None)
        except (DBAPIError, ApplyError) as exc:
            first, last = batch.location(0), batch.location(count - 1)
            span = f"lines {first.line}-{last.line}" if first.line != last.line else ""
            said = (
                exc.message if isinstance(exc, ApplyError) else self.target.scrub(db_message(exc))
            )
            raise ApplyError(
                said + (f" (in the rows at {span})" if span else ""),
                location=first,
                hint="fix the row; nothing was applied",
            ) from None

    def _drop(self, conn: sa.Connection) -> None:
        from sqlalchemy.exc import DBAPIError

        for name in (self.stage, self.keys):
            try:
                self.target.execute(conn, f"DROP TABLE IF EXISTS {name}")
            except (
                DBAPIError,
                ApplyError,
            ):  # the transaction is lost already: the error above says why
                return


def _big(value: Any) -> bool:
    """An integer DuckDB would not read as BIGINT."""
    return type(value) is int and not -(2**63) <= value < 2**63
