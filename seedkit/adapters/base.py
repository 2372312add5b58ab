"""The Adapter: one open target database, what seedkit knows of it, and where its SQL runs.

SQLMesh's EngineAdapter is the model: the adapter owns the engine and its connections,
the SUPPORTS_* capability flags, locking, session state and the insert/upsert SQL; each
database's subclass (seedkit.adapters.postgres, …) overrides only what differs and lists
its own fast loaders. Every statement seedkit sends goes through `run` or `run_many`, so
a trace (`-v`, the `seedkit.sql` logger) and the tests see all of it, and every database
error becomes an ApplyError carrying the source location.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.engine import (
    AS_WRITTEN,
    create_engine,
    db_message,
    mask_url,
    no_such_database,
    normalize_url,
)
from seedkit.adapters.trace import OWN, listen, trace
from seedkit.adapters.writing import RowSql
from seedkit.errors import ApplyError, Location, TargetError

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from seedkit.adapters.batches import Batcher
    from seedkit.adapters.loader import Loader
    from seedkit.adapters.scratch import ScratchReset
    from seedkit.plan.executor import StepResult
    from seedkit.plan.latekeys import LateKey
    from seedkit.plan.steps import LoadStep, Plan
    from seedkit.schema import Column, Schema, TypeKind
    from seedkit.sources.base import LocatedStatement

log = logging.getLogger("seedkit.sql")


class Adapter(RowSql):
    """An open target database: engine, masked URL, capabilities, statement execution,
    and how rows are written there. This class is the generic database's adapter."""

    name: ClassVar[str] = "generic"
    #: The SQLAlchemy backend names this adapter serves (its keys in the registry).
    BACKENDS: ClassVar[tuple[str, ...]] = ()
    sqlglot_name: ClassVar[str | None] = None
    #: DDL runs inside a transaction and rolls back with it.
    SUPPORTS_TRANSACTIONAL_DDL: ClassVar[bool] = True
    #: The executor opens transactions (the apply's, or each step's) and rolls back on error;
    #: False where each statement stands alone and nothing is undone (the dry run).
    SUPPORTS_TRANSACTIONS: ClassVar[bool] = True
    #: SAVEPOINT works, so a failed batch can be narrowed down to its bad row.
    SUPPORTS_SAVEPOINTS: ClassVar[bool] = True
    #: `INSERT … ON CONFLICT (key) DO UPDATE` (else MySQL's ON DUPLICATE KEY UPDATE).
    SUPPORTS_ON_CONFLICT: ClassVar[bool] = True
    #: seedkit keeps its history table here (a dry-run target sets False: it records nothing).
    SUPPORTS_HISTORY: ClassVar[bool] = True
    #: String literals take backslash escapes (MySQL), which row locating must follow.
    BACKSLASH_ESCAPES: ClassVar[bool] = False
    #: Serial or identity columns whose sequence must be moved past explicit ids.
    SUPPORTS_SEQUENCES: ClassVar[bool] = False
    #: CREATE UNIQUE INDEX over rows of the open transaction finds a key given twice
    #: only at COMMIT (DuckDB), so seedkit looks for one itself before (seedkit.plan.deferred).
    CHECKS_NEW_UNIQUE_INDEX_AT_COMMIT: ClassVar[bool] = False
    #: A constraint can be dropped and added back inside the apply's transaction, so the
    #: DDL's inline keys are built after the data (seedkit.plan.heldkeys).
    HOLDS_INLINE_KEYS: ClassVar[bool] = False

    def __init__(self, url: str) -> None:
        url = normalize_url(url)
        self.url = url
        from seedkit.secrets import remember, url_secrets

        remember(url)
        self.display_url = mask_url(url)
        self._secrets = url_secrets(url)
        self.engine = self._create_engine(url)
        listen(self.engine)
        self.check_url()
        self.configure_engine(self.engine)

    def check_url(self) -> None:
        """Refuse a URL this database cannot work with (a TargetError saying what to add)."""

    def _create_engine(self, url: str) -> sa.Engine:
        return create_engine(url, self.display_url, self.scrub)

    def scrub(self, text: str) -> str:
        """Remove the URL's password and secret options from any text before it is shown."""
        from seedkit.secrets import scrub

        return scrub(text, self._secrets)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection; an unreachable database becomes a TargetError with the URL masked."""
        from sqlalchemy.exc import DBAPIError, OperationalError

        try:
            conn = self.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            if no_such_database(exc):
                name = self.engine.url.database
                raise TargetError(
                    f"cannot connect to {self.display_url}: the database `{name}` does not exist",
                    hint=f"create it first (CREATE DATABASE {name}), or correct the URL "
                    "(--url, SEEDKIT_URL); seedkit creates tables, not databases",
                ) from None
            reason = self.scrub(db_message(exc))
            raise TargetError(
                f"cannot connect to {self.display_url}: {reason}",
                hint="check that the server is running and the URL (or --url / SEEDKIT_URL)",
            ) from None
        except TypeError as exc:  # a query option the driver does not take
            raise TargetError(
                f"cannot connect to {self.display_url}: the driver refused an option of the "
                f"URL ({self.scrub(str(exc))})",
                hint="remove the option from the URL's query (after `?`)",
            ) from None
        try:
            yield conn
        finally:
            conn.close()

    # -- the one place SQL runs ----------------------------------------------------------

    def execute(
        self,
        conn: sa.Connection,
        sql: str,
        params: Sequence[Any] | None = None,
        location: Location | None = None,
    ) -> Any:
        """Run one statement on `conn`, traced (seedkit.adapters.trace); returns the result.

        Without `params` the text is sent exactly as written, with no placeholder
        processing (`%`, `%(x)s`, `?`, `:name` in a user's SQL are text), and a database
        error becomes an ApplyError at `location` (at its row, where one can be named).
        With `params` (seedkit's own statements, markers from `placeholders`) the driver
        binds them, and a database error stays the driver's, for the caller to read."""
        from sqlalchemy.exc import DBAPIError

        trace("execute", sql, location, params or None)
        info = conn.info  # kept: a connection that dies mid-statement refuses to give it
        info[OWN] = True
        try:
            if params:
                return conn.exec_driver_sql(sql, tuple(params))
            if not sql.isascii():
                try:
                    sql.encode("utf-8")
                except UnicodeEncodeError:
                    return self._run_bytes(conn, sql, location)
            return conn.exec_driver_sql(sql, execution_options=AS_WRITTEN)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise self.connection_lost(exc, location) from None
            if params:
                raise
            raise self.statement_error(exc, sql, location) from None
        finally:
            info[OWN] = False

    def executemany(self, conn: sa.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows (the driver's executemany), traced once; a
        database error stays the driver's (the loader names the row)."""
        trace("executemany", sql, rows=len(rows))
        info = conn.info
        info[OWN] = True
        try:
            conn.exec_driver_sql(sql, list(rows))
        finally:
            info[OWN] = False

    def copy(self, conn: sa.Connection, sql: str, data: Iterable[Any], rows: bool = False) -> int:
        """Run a `COPY … FROM STDIN` with `data` (PostgreSQL's adapter); no other database
        takes one."""
        raise NotImplementedError(f"COPY FROM STDIN on {self.name}")

    def raw(
        self,
        conn: sa.Connection,
        sql: str | None = None,
        location: Location | None = None,
        rows: int | None = None,
    ) -> Any:
        """The driver's own connection under `conn`, the one escape for what only its API
        does (SQLite's executemany without SQLAlchemy's per-row work, LOAD DATA's file,
        psycopg's COPY, a batch of statements in one call). `sql`, what will be sent, is
        traced; a caller sending more traces each further statement with
        `seedkit.adapters.trace.trace("raw", …)`."""
        if sql is not None:
            trace("raw", sql, location, rows=rows)
        return conn.connection.driver_connection

    def statement_error(self, exc: Exception, sql: str, location: Location | None) -> ApplyError:
        """The database's error for one statement, as seedkit shows it: at the statement's
        place, or at its row's own line where a multi-row INSERT (or DuckDB's COPY from a
        CSV file) lets the message's key or values name it (seedkit.sqltext.rowlocate)."""
        from seedkit.sqltext.rowlocate import locate_file_row, locate_row

        message = self.scrub(db_message(exc))
        row = None
        if location is not None:
            row = locate_row(sql, location, message, self.BACKSLASH_ESCAPES)
        return ApplyError(
            message,
            location=row or locate_file_row(sql, message) or location,
            hint="fix the statement; nothing was applied",
        )

    def connection_lost(self, exc: Exception, location: Location | None = None) -> TargetError:
        """The error for a connection the server closed (or that broke) mid-apply."""
        transactional = self.SUPPORTS_TRANSACTIONAL_DDL
        return TargetError(
            f"the connection to {self.display_url} was lost: {self.scrub(db_message(exc))}",
            location=location,
            hint=(
                "nothing was applied (the transaction died with the connection); "
                if transactional
                else "the steps recorded in history before this one stay applied; "
            )
            + "check the server, then apply again",
        )

    def _run_bytes(self, conn: sa.Connection, sql: str, location: Location | None) -> Any:
        """A statement holding bytes that are not UTF-8 (a MySQL dump's BLOB values, read as
        surrogates): refused, unless the adapter's driver takes bytes (MysqlAdapter)."""
        raise ApplyError(
            "this statement holds bytes that are not UTF-8 text",
            location=location,
            hint="save the file as UTF-8 (binary values as hex literals: X'00ff')",
        )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def loaders(self) -> list[type[Loader]]:
        """This database's own fast loaders (COPY, its CSV reader…), tried before plugins'
        loaders and the generic executemany loader; the generic database has none."""
        return []

    # -- what the rest of seedkit asks instead of the database's name ----------------------

    #: A schema is a database of its own (MySQL): reset never drops one whole.
    SCHEMA_IS_DATABASE: ClassVar[bool] = False

    def database_missing(self) -> bool:
        """True when the database does not exist yet and opening it would create it (a
        SQLite or DuckDB file); servers' databases are never created by connecting."""
        return False

    @classmethod
    def file_url(cls, stem: Path) -> str | None:
        """A URL for a database file at `stem` (plus this database's suffix), for a scratch
        database; None for a server (seedkit.pytest_plugin.fresh_database makes one)."""
        return None

    @classmethod
    def drop_database_sql(cls, quoted: str) -> str:
        """`DROP DATABASE` of a scratch database on a server."""
        return f"DROP DATABASE IF EXISTS {quoted}"

    @classmethod
    def scratch_reset(cls) -> ScratchReset | None:
        """How a used scratch database is emptied in place for its next use, where that
        costs less than dropping it (seedkit.pytest_plugin.ScratchDatabases); None: drop it."""
        return None

    def existing_tables(self, conn: sa.Connection) -> list[tuple[str | None, str]]:
        """(schema, table) of every table in every schema (reset's catalog read)."""
        import sqlalchemy as sa

        inspector = sa.inspect(conn)
        return [
            (schema, name)
            for schema in inspector.get_schema_names()
            for name in inspector.get_table_names(schema=schema)
        ]

    def snapshot_column(self, conn: sa.Connection, column: Column) -> str:
        """The select-list item `seedkit snapshot` reads `column` with: the column, or its
        text where the driver's Python value would lose what is stored."""
        return self.quote(conn, column.name)

    # -- reflection (seedkit.adapters.reflect) ---------------------------------------------

    #: An INTEGER PRIMARY KEY column is the rowid, assigned when left out (SQLite).
    INTEGER_KEY_IS_ROWID: ClassVar[bool] = False
    #: Options for the inspector's get_indexes (SQLite: its autoindexes hold inline UNIQUEs).
    INDEX_REFLECTION: ClassVar[dict[str, Any]] = {}

    def reflect_schema(self, conn: sa.Connection, tables: Iterable[str] | None = None) -> Schema:
        """The tables of the database, read through `conn`: `tables=None` reads every table
        of the default schema, else the named ones (`name`, or `schema.name` elsewhere;
        names not found are left out). Tables of the default schema get `schema=None`."""
        from seedkit.adapters.reflect import reflect_inspector, wanted_tables

        return reflect_inspector(self, conn, wanted_tables(tables))

    def declared_types(self, conn: sa.Connection, schema: str | None, name: str) -> dict[str, str]:
        """Columns whose declared type the inspector does not know, with that type."""
        return {}

    def json_columns(self, conn: sa.Connection, schema: str | None, name: str) -> set[str]:
        """Columns declared JSON that the inspector reports as something else."""
        return set()

    def reflected_kind(self, type_: Any, type_text: str) -> TypeKind | None:
        """The TypeKind of a reflected type where this database's differs from the rule."""
        return None

    def batcher(self, conn: sa.Connection, merge: bool = True) -> Batcher | None:
        """How a SQL step's data statements go in batches (seedkit.adapters.batches), or
        None to send each alone (the generic database)."""
        return None

    def configure_engine(self, engine: sa.Engine) -> None:
        """Hook for connection settings (foreign keys on, explicit BEGIN, time zone…)."""

    def takes_runs(self) -> bool:
        """Whether runs of literal INSERTs (seedkit.sqltext.runs) may go to the batcher
        whole: not where an adapter prepares each statement its own way (the dry run's
        records each one)."""
        return type(self).prepare_statement is Adapter.prepare_statement

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

    def sending(self, conn: sa.Connection, stmt: LocatedStatement, sql: str) -> Any:
        """A context around one SQL a source statement sends alone (the dry run notes which
        rows it added there); the default does nothing."""
        return nullcontext()

    def after_step(self, conn: sa.Connection, step: LoadStep, result: StepResult) -> None:
        """Hook run inside the step's transaction once its rows or statements are in."""

    # -- foreign keys after the data (seedkit.plan.latekeys) ---------------------------

    #: How keys wait for the data, said by `plan`; "" when they cannot (DuckDB).
    DEFERS_KEYS = ""

    def defer_keys(self, conn: sa.Connection, keys: Sequence[LateKey]) -> Any:
        """Stop enforcing `keys` row by row until `restore_keys`, inside the current
        transaction; returns what `restore_keys` needs. The default does nothing."""
        return None

    def refuse_key_cycles(self, plan: Plan) -> None:
        """Stop before anything runs when this database cannot load a group of steps (a
        cycle of foreign keys); the default can."""

    def restore_keys(self, conn: sa.Connection, keys: Sequence[LateKey], state: Any) -> None:
        """Enforce `keys` again as the DDL declared them, once seedkit's own query found
        every row's parent."""

    # -- sessions, locks and reads (DESIGN §4: Locks) -------------------------------

    @contextmanager
    def connect_to_write(self, lock_timeout: float | None = None) -> Iterator[sa.Connection]:
        """A connection for an apply or reset; databases whose lock is the connection itself
        (DuckDB's file lock) wait up to `lock_timeout` seconds for it here."""
        with self.connect() as conn:
            yield conn

    @contextmanager
    def apply_scope(
        self, conn: sa.Connection, project: str, lock_timeout: float | None
    ) -> Iterator[None]:
        """Hold the project's lock for the whole block; where DDL is transactional, the block
        is also the apply's one transaction (committed at its end, rolled back on error)."""
        if self.SUPPORTS_TRANSACTIONAL_DDL:
            with conn.begin():
                self.acquire_lock(conn, project, lock_timeout)
                yield
            return
        self.acquire_lock(conn, project, lock_timeout)
        try:
            yield
        finally:
            if self.SUPPORTS_TRANSACTIONS and conn.in_transaction():
                conn.rollback()
            self.release_lock(conn, project)

    def acquire_lock(self, conn: sa.Connection, project: str, timeout: float | None) -> None:
        """Take the project's lock, waiting at most `timeout` seconds (LockTimeoutError after).
        The default relies on the transaction's own write lock."""

    def release_lock(self, conn: sa.Connection, project: str) -> None:
        """Give back a lock that outlives transactions (GET_LOCK); transaction locks need nothing."""

    @contextmanager
    def history_guard(
        self, conn: sa.Connection, table: str, exists: Callable[[], bool]
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

    def transaction_control(self, sql: str) -> bool:
        """Whether a SQL file's statement only opens or ends a transaction (`BEGIN`,
        `COMMIT`, …, as sqlite3 .dump writes): seedkit runs the file inside its own
        transaction, so it is not sent. A `ROLLBACK` is an error: seedkit cannot undo part
        of an apply."""
        from seedkit.adapters.txcontrol import transaction_control

        return transaction_control(sql)

    def copy_from_stdin(self, conn: sa.Connection, stmt: LocatedStatement) -> int:
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

    def sync_sequences(self, conn: sa.Connection, table: str) -> None:
        """Move the sequences of `table`'s serial or identity columns past its largest values
        (databases whose auto-increment follows explicit ids by itself need nothing)."""

    def value_adapter(self) -> Callable[[Any], Any] | None:
        """A function turning Python values into what the driver binds, or None if all bind."""
        return None
