"""DuckDB via duckdb-engine: transactional DDL, but no SAVEPOINT; one writing process per file."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from seedkit.adapters.base import Adapter
from seedkit.adapters.trace import OWN, trace
from seedkit.errors import TargetError
from seedkit.locks import DEFAULT_LOCK_TIMEOUT, LockTimeoutError, waited

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from seedkit.adapters.batches import Batcher
    from seedkit.adapters.loader import Loader
    from seedkit.plan.steps import Plan
    from seedkit.schema import Column, Schema

_FILE_LOCKED = "Could not set lock on file"
_NOT_NULL = re.compile(r'NOT NULL constraint failed: (?:.*\.)?"?([^."]+)"?\s*$', re.M)
_DUPLICATE = re.compile(r'[Dd]uplicate key "(.*)"')


#: A multi-row INSERT's rows and parameters at most (the dry run's sizes, seedkit.dryrun.rows).
_CHUNK_ROWS = 1000
_MAX_PARAMS = 20_000
#: `INSERT INTO t (…) VALUES (?, …)` (or `($1, …)`) as `insert_sql` writes it.
_VALUES_INSERT = re.compile(
    r"(INSERT INTO .* VALUES )\((?:\?|\$1)((?:, (?:\?|\$\d+))*)\)", re.DOTALL
)


def _beyond_bigint(rows: Sequence[Sequence[Any]]) -> bool:
    """Whether a row holds an integer DuckDB cannot bind as BIGINT (the driver's
    executemany raises OverflowError for it, which the generic loader names)."""
    return any(type(v) is int and not -(2**63) <= v < 2**63 for row in rows for v in row)


def null_column(message: str) -> str | None:
    """The column a DuckDB `NOT NULL constraint failed: t.col` error names, or None."""
    found = _NOT_NULL.search(message)
    return found[1] if found else None


def duplicate_key(message: str) -> str | None:
    """The key a DuckDB duplicate-key error spells (its fields joined by ", "), or None."""
    found = _DUPLICATE.search(message)
    return found[1] if found else None


class DuckdbAdapter(Adapter):
    """DuckDB. A failed batch aborts the transaction, so errors name the batch's lines.

    Its lock is the database file's: while one process has it open for writing, another
    cannot open it at all, so `connect` is where a second apply waits.
    """

    name = "duckdb"
    BACKENDS = ("duckdb",)
    sqlglot_name = "duckdb"

    def reflect_schema(self, conn: sa.Connection, tables: Iterable[str] | None = None) -> Schema:
        """DuckDB's own catalog functions (duckdb-engine's inspector queries catalog tables
        DuckDB 2 lacks)."""
        from seedkit.adapters.reflect import reflect_duckdb, wanted_tables

        return reflect_duckdb(self, conn, wanted_tables(tables))

    def database_missing(self) -> bool:
        """True when the file does not exist yet (opening it would create it)."""
        from seedkit.adapters.engine import file_missing

        return file_missing(self.engine.url)

    @classmethod
    def file_url(cls, stem: Path) -> str | None:
        """`duckdb:///STEM.duckdb`."""
        return f"duckdb:///{stem}.duckdb"

    def existing_tables(self, conn: sa.Connection) -> list[tuple[str | None, str]]:
        """DuckDB's own catalog (its inspector reads tables DuckDB 2 lacks)."""
        sql = "SELECT schema_name, table_name FROM duckdb_tables()"
        return [(r[0], r[1]) for r in self.execute(conn, sql).fetchall()]

    def snapshot_column(self, conn: sa.Connection, column: Column) -> str:
        """TIMESTAMPTZ as text (DuckDB's Python client needs pytz for its values), JSON as
        stored (not the driver's parse)."""
        from seedkit.schema import TypeKind

        name = self.quote(conn, column.name)
        if column.kind in (TypeKind.TIMESTAMPTZ, TypeKind.JSON):
            return f"CAST({name} AS VARCHAR)"
        return name

    def batcher(self, conn: sa.Connection, merge: bool = True) -> Batcher:
        """Data statements in batches (seedkit.adapters.batches), runs of literal INSERTs
        as INSERTs of bound column lists (seedkit.adapters.duckdb_runs)."""
        from seedkit.adapters.duckdb_runs import DuckdbDirect

        return DuckdbDirect(self, conn, merge)

    def loaders(self) -> list[type[Loader]]:
        """DuckDB's own CSV reader, and its set-based upsert."""
        from seedkit.adapters.duckdb_csv import DuckdbCsvLoader
        from seedkit.adapters.duckdb_upsert import DuckdbUpsertLoader

        return [DuckdbCsvLoader, DuckdbUpsertLoader]

    def executemany(self, conn: sa.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """A plain `INSERT … VALUES (?, …)` as multi-row INSERTs of up to 1,000 rows, as the
        dry run sends rows: DuckDB runs the driver's executemany one row at a time (10,000
        rows took 14 s that way). Anything else (an upsert), or a row with an integer
        beyond BIGINT, goes through the driver's executemany."""
        found = _VALUES_INSERT.fullmatch(sql)
        if found is None or not rows or _beyond_bigint(rows):
            super().executemany(conn, sql, rows)
            return
        head, width = found[1], max(len(rows[0]), 1)
        marks = "(" + ", ".join(["?"] * width) + ")"  # DuckDB reads ? in any paramstyle
        size = max(1, min(_CHUNK_ROWS, _MAX_PARAMS // width))
        trace("executemany", sql, rows=len(rows))
        info = conn.info
        info[OWN] = True
        try:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                params = tuple(v for row in chunk for v in row)
                conn.exec_driver_sql(head + ", ".join([marks] * len(chunk)), params)
        finally:
            info[OWN] = False

    def refuse_key_cycles(self, plan: Plan) -> None:
        """DuckDB checks each row's foreign key as it is written and has no ALTER TABLE …
        ADD FOREIGN KEY: a cycle of foreign keys cannot exist there. Said before anything
        runs, naming the cycle."""
        from seedkit.graph import CycleError

        for group in plan.groups:
            if any(name in plan.selected for name in group):
                raise CycleError(
                    [*group, group[0]],
                    location=plan.manifest.locate("steps", group[0]),
                    hint="DuckDB checks each foreign key as its row is written and cannot add "
                    "one to an existing table, so it cannot hold this cycle of foreign keys: "
                    "seed PostgreSQL, SQLite or MariaDB, or leave one of these keys out of "
                    "the DDL for DuckDB",
                )

    SUPPORTS_SAVEPOINTS = False
    CHECKS_NEW_UNIQUE_INDEX_AT_COMMIT = True

    @contextmanager
    def connect_to_write(self, lock_timeout: float | None = None) -> Iterator[sa.Connection]:
        """Open the file, retrying while another process holds its lock, up to `lock_timeout`."""
        timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else max(lock_timeout, 0.0)
        deadline = time.monotonic() + timeout
        while True:
            stack = ExitStack()
            try:
                conn = stack.enter_context(self.connect())
                break
            except TargetError as exc:
                if _FILE_LOCKED not in exc.message:
                    raise
                if time.monotonic() >= deadline:
                    holder = exc.message[exc.message.find(_FILE_LOCKED) :]
                    raise LockTimeoutError(
                        f"the DuckDB database {self.engine.url.database} is in use by another "
                        f"process{waited(timeout)}: {holder}",
                        hint="DuckDB lets one process write a file at a time: let it finish, "
                        "or give more time with --lock-timeout",
                    ) from None
                time.sleep(0.1)
        with stack:
            yield conn

    def quote(self, conn: sa.Connection, name: str) -> str:
        """Always quoted: DuckDB reserves words (`at`, …) SQLAlchemy's list does not know;
        quoted names stay case-insensitive in DuckDB, so nothing else changes."""
        return str(conn.dialect.identifier_preparer.quote_identifier(name))

    def quote_table(self, conn: sa.Connection, name: str) -> str:
        """`schema.table`, each part always quoted."""
        return ".".join(self.quote(conn, part) for part in name.split("."))

    def upsert_sql(
        self, conn: sa.Connection, table: str, columns: Sequence[str], key: Sequence[str]
    ) -> str:
        """ON CONFLICT DO UPDATE, touching only rows whose values differ.

        DuckDB updates a row with an indexed column (a foreign key's, say) as delete plus
        insert, which a row referenced from another table refuses, even when nothing
        changes; so unchanged rows are left alone. A changed row that other rows reference
        can still be refused: that is DuckDB's own limit.
        """
        base = super().upsert_sql(conn, table, columns, key)
        rest = [c for c in columns if c not in key]
        if not rest:
            return base
        name = self.quote_table(conn, table)
        differs = " OR ".join(
            f"{name}.{self.quote(conn, c)} IS DISTINCT FROM excluded.{self.quote(conn, c)}"
            for c in rest
        )
        return f"{base} WHERE {differs}"

    def table_exists(self, conn: sa.Connection, name: str) -> bool:
        """Read DuckDB's own catalog (its inspector queries tables DuckDB 2 lacks)."""
        schema, _, table = name.rpartition(".")
        marks = self.placeholders(conn, 2).split(", ")
        sql = "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database()"
        sql += f" AND table_name = {marks[0]}"
        params: list[str] = [table]
        if schema:
            sql += f" AND schema_name = {marks[1]}"
            params.append(schema)
        else:
            sql += " AND schema_name = current_schema()"
        return self.execute(conn, sql, params).first() is not None
