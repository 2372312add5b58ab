"""The generic dialect adapter; each database's adapter overrides only what differs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.plan.executor import StepResult
    from seedkit.plan.latekeys import LateKey
    from seedkit.plan.steps import LoadStep, Plan
    from seedkit.schema import Table
    from seedkit.sources.base import LocatedStatement
    from seedkit.target import Target

log = logging.getLogger("seedkit.sql")

_TRANSACTION = re.compile(
    r"\s*(?:begin|start\s+transaction|commit|end)"
    r"(?:\s+(?:work|transaction|deferred|immediate|exclusive))?\s*;?\s*\Z",
    re.IGNORECASE,
)
_PSQL_GUARD = re.compile(r"\\(?:un)?restrict\b")
_ROLLBACK = re.compile(r"\s*rollback(?:\s+(?:work|transaction))?\s*;?\s*\Z", re.IGNORECASE)


class Dialect:
    """What seedkit needs to know of a database, and how it writes rows there."""

    name: ClassVar[str] = "generic"
    sqlglot_name: ClassVar[str | None] = None
    #: DDL runs inside a transaction and rolls back with it.
    SUPPORTS_TRANSACTIONAL_DDL: ClassVar[bool] = True
    #: SAVEPOINT works, so a failed batch can be narrowed down to its bad row.
    SUPPORTS_SAVEPOINTS: ClassVar[bool] = True
    #: `INSERT … ON CONFLICT (key) DO UPDATE` (else MySQL's ON DUPLICATE KEY UPDATE).
    SUPPORTS_ON_CONFLICT: ClassVar[bool] = True
    #: seedkit keeps its history table here (a dry-run target sets False: it records nothing).
    SUPPORTS_HISTORY: ClassVar[bool] = True
    #: A named lock other sessions can see and wait for (advisory locks, GET_LOCK).
    SUPPORTS_ADVISORY_LOCK: ClassVar[bool] = False
    #: Serial or identity columns whose sequence must be moved past explicit ids.
    SUPPORTS_SEQUENCES: ClassVar[bool] = False
    #: CREATE UNIQUE INDEX over rows of the open transaction finds a key given twice
    #: only at COMMIT (DuckDB), so seedkit looks for one itself before (seedkit.plan.deferred).
    CHECKS_NEW_UNIQUE_INDEX_AT_COMMIT: ClassVar[bool] = False

    def configure_engine(self, engine: sa.Engine) -> None:
        """Hook for connection settings (foreign keys on, explicit BEGIN, time zone…)."""

    def prepare_statement(self, stmt: LocatedStatement, transpile_from: str | None) -> list[str]:
        """The SQL to send for one source statement: as written, or transpiled from the
        manifest's dialect. An empty list skips the statement. pg_dump's `\\restrict` lines
        (for psql only) are dropped."""
        if stmt.sql.startswith("\\"):
            from seedkit.sources.base import LocatedStatement
            from seedkit.sources.txguard import strip_dump_guards

            sql = strip_dump_guards(stmt.sql)
            if not sql:
                return []
            stmt = LocatedStatement(sql, stmt.file, stmt.line, stmt.column)
        if not transpile_from or not self.sqlglot_name:
            return [stmt.sql]
        from seedkit.errors import ApplyError
        from seedkit.transpile import transpile

        try:
            return transpile(stmt.sql, transpile_from, self.sqlglot_name)
        except Exception as exc:  # sqlglot's parse and unsupported errors
            raise ApplyError(
                f"cannot translate this statement from {transpile_from} to "
                f"{self.sqlglot_name}: {str(exc).splitlines()[0]}",
                location=stmt.location,
                hint="rewrite it portably, or apply with --no-transpile",
            ) from None

    def after_step(
        self, conn: sa.Connection, target: Target, step: LoadStep, result: StepResult
    ) -> None:
        """Hook run inside the step's transaction once its rows or statements are in."""

    # -- foreign keys after the data (seedkit.plan.latekeys) ---------------------------

    #: How keys wait for the data, said by `plan`; "" when they cannot (DuckDB).
    DEFERS_KEYS = ""

    def defer_keys(self, conn: sa.Connection, target: Target, keys: Sequence[LateKey]) -> Any:
        """Stop enforcing `keys` row by row until `restore_keys`, inside the current
        transaction; returns what `restore_keys` needs. The default does nothing."""
        return None

    def refuse_key_cycles(self, plan: Plan) -> None:
        """Stop before anything runs when this database cannot load a group of steps (a
        cycle of foreign keys); the default can."""

    def restore_keys(
        self, conn: sa.Connection, target: Target, keys: Sequence[LateKey], state: Any
    ) -> None:
        """Enforce `keys` again as the DDL declared them, once seedkit's own query found
        every row's parent."""

    # -- sessions, locks and reads (DESIGN §4: Locks) -------------------------------

    @contextmanager
    def connect(self, target: Target, lock_timeout: float | None = None) -> Iterator[sa.Connection]:
        """A connection for an apply or reset; databases whose lock is the connection itself
        (DuckDB's file lock) wait up to `lock_timeout` seconds for it here."""
        with target.connect() as conn:
            yield conn

    @contextmanager
    def apply_scope(
        self, conn: sa.Connection, target: Target, project: str, lock_timeout: float | None
    ) -> Iterator[None]:
        """Hold the project's lock for the whole block; where DDL is transactional, the block
        is also the apply's one transaction (committed at its end, rolled back on error)."""
        if self.SUPPORTS_TRANSACTIONAL_DDL:
            with conn.begin():
                self.acquire_lock(conn, target, project, lock_timeout)
                yield
            return
        self.acquire_lock(conn, target, project, lock_timeout)
        try:
            yield
        finally:
            if conn.in_transaction():
                conn.rollback()
            self.release_lock(conn, target, project)

    def acquire_lock(
        self, conn: sa.Connection, target: Target, project: str, timeout: float | None
    ) -> None:
        """Take the project's lock, waiting at most `timeout` seconds (LockTimeoutError after).
        The default relies on the transaction's own write lock."""

    def release_lock(self, conn: sa.Connection, target: Target, project: str) -> None:
        """Give back a lock that outlives transactions (GET_LOCK); transaction locks need nothing."""

    @contextmanager
    def history_guard(
        self, conn: sa.Connection, target: Target, table: str, exists: Callable[[], bool]
    ) -> Iterator[bool]:
        """Yield whether the history table `exists`, under a lock that keeps two projects
        from creating it at once (their project locks differ). The default needs none:
        SQLite and DuckDB let one writer in at a time."""
        yield exists()

    @contextmanager
    def read_scope(self, conn: sa.Connection) -> Iterator[None]:
        """A transaction that only reads (plan, status), rolled back at its end."""
        conn.info["seedkit_read_only"] = True
        try:
            with conn.begin() as tx:
                yield
                tx.rollback()
        finally:
            conn.info.pop("seedkit_read_only", None)

    def query(self, conn: sa.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run seedkit's own statement with bound parameters (`%s` or `?` as the driver
        wants); traced like every other statement."""
        log.debug("seedkit: %s %s", sql, list(params) if params else "")
        if params:
            return conn.exec_driver_sql(sql, tuple(params))
        return conn.exec_driver_sql(sql, execution_options={"no_parameters": True})

    def transaction_control(self, sql: str) -> bool:
        """Whether a SQL file's statement only opens or ends a transaction (`BEGIN`,
        `COMMIT`, …, as sqlite3 .dump writes): seedkit runs the file inside its own
        transaction, so it is not sent. A `ROLLBACK` is an error: seedkit cannot undo part
        of an apply."""
        if _PSQL_GUARD.match(sql):
            return True  # pg_dump's \restrict / \unrestrict: they only guard psql itself
        if sql.startswith("\\"):
            from seedkit.errors import ApplyError

            raise ApplyError(
                f"`{sql.split()[0]}` is a psql command, not SQL: seedkit sends SQL only",
                hint="remove the line (pg_dump writes none without --create or pg_dumpall)",
            )
        if _ROLLBACK.match(sql):
            from seedkit.errors import ApplyError

            raise ApplyError(
                "a SQL file may not ROLLBACK: seedkit runs it inside the apply's transaction",
                hint="remove the ROLLBACK (or the statements it was meant to undo)",
            )
        return _TRANSACTION.match(sql) is not None

    def copy_from_stdin(self, conn: sa.Connection, target: Target, stmt: LocatedStatement) -> int:
        """Run a SQL file's `COPY … FROM stdin` block (its data lines in `stmt.copy`); returns
        the rows written. Only PostgreSQL takes one: elsewhere it is an error at the block."""
        from seedkit.errors import ApplyError

        raise ApplyError(
            f"a COPY … FROM stdin block loads only on PostgreSQL, not on {self.name}",
            location=stmt.location,
            hint="apply this file to PostgreSQL, or dump the data with INSERT statements "
            "(pg_dump --inserts)",
        )

    def session_state(self, conn: sa.Connection) -> Any:
        """The session settings a SQL file may change (search path, current database, SET
        variables), read before any runs, for `restore_session`."""
        return None

    def restore_session(self, conn: sa.Connection, state: Any) -> None:
        """Put back what a SQL file changed of `state`, so seedkit's own statements after it
        (history, locks, sequences, reflection, later steps) run as the apply began."""

    def table_exists(self, conn: sa.Connection, name: str) -> bool:
        """True when `name` (`table` or `schema.table`) is a table of the target."""
        import sqlalchemy as sa

        schema, _, table = name.rpartition(".")
        return bool(sa.inspect(conn).has_table(table, schema=schema or None))

    def sync_sequences(self, conn: sa.Connection, target: Target, table: str) -> None:
        """Move the sequences of `table`'s serial or identity columns past its largest values
        (databases whose auto-increment follows explicit ids by itself need nothing)."""

    def value_adapter(self) -> Callable[[Any], Any] | None:
        """A function turning Python values into what the driver binds, or None if all bind."""
        return None

    def quote_table(self, conn: sa.Connection, name: str) -> str:
        """`schema.table` quoted by the database's own rules."""
        prep = conn.dialect.identifier_preparer
        return ".".join(prep.quote(part) for part in name.split("."))

    def quote(self, conn: sa.Connection, name: str) -> str:
        """One identifier quoted by the database's own rules."""
        return conn.dialect.identifier_preparer.quote(name)

    def placeholders(self, conn: sa.Connection, count: int) -> str:
        """`?, ?, …` or `%s, %s, …`: the driver's own parameter markers."""
        style = conn.dialect.paramstyle
        if style == "qmark":
            marks = ["?"] * count
        elif style in ("format", "pyformat"):
            marks = ["%s"] * count
        elif style == "numeric":
            marks = [f":{i + 1}" for i in range(count)]
        elif style == "numeric_dollar":
            marks = [f"${i + 1}" for i in range(count)]
        else:
            raise NotImplementedError(f"paramstyle {style}")
        return ", ".join(marks)

    def insert_sql(self, conn: sa.Connection, table: str, columns: Sequence[str]) -> str:
        """`INSERT INTO t (a, b) VALUES (?, ?)` with quoted names and driver markers."""
        cols = ", ".join(self.quote(conn, c) for c in columns)
        sql = f"INSERT INTO {self.quote_table(conn, table)} ({cols}) VALUES "
        sql = self._escape_percent(conn, sql)
        return sql + f"({self.placeholders(conn, len(columns))})"

    def upsert_sql(
        self, conn: sa.Connection, table: str, columns: Sequence[str], key: Sequence[str]
    ) -> str:
        """An insert that updates the non-key columns when the key already exists."""
        base = self.insert_sql(conn, table, columns)
        keys = ", ".join(self.quote(conn, k) for k in key)
        rest = [c for c in columns if c not in key]
        if not rest:
            return base + self._escape_percent(conn, f" ON CONFLICT ({keys}) DO NOTHING")
        sets = ", ".join(f"{self.quote(conn, c)} = excluded.{self.quote(conn, c)}" for c in rest)
        return base + self._escape_percent(conn, f" ON CONFLICT ({keys}) DO UPDATE SET {sets}")

    def temp_table_sql(self, conn: sa.Connection, name: str, select: str) -> str:
        """Create a session-local table `name` shaped by `select` (mirror's key table)."""
        return f"CREATE TEMPORARY TABLE {self.quote(conn, name)} AS {select}"

    def drop_temp_table_sql(self, conn: sa.Connection, name: str) -> str:
        """Drop a table made by `temp_table_sql`, without ending the transaction."""
        return f"DROP TABLE {self.quote(conn, name)}"

    def delete_all_sql(self, conn: sa.Connection, table: str) -> str:
        """`DELETE FROM t`: replace mode empties the table inside the same transaction."""
        return f"DELETE FROM {self.quote_table(conn, table)}"

    @staticmethod
    def _escape_percent(conn: sa.Connection, sql: str) -> str:
        if conn.dialect.paramstyle in ("format", "pyformat"):
            return sql.replace("%", "%%")
        return sql

    def table_for_insert(self, table: Table | None, name: str) -> str:
        """The table name to write to: the schema's spelling when known."""
        return table.qualified_name if table is not None else name
