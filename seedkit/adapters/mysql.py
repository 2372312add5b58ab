"""MySQL and MariaDB: DDL commits by itself, so each step is its own transaction.

The apply's lock is `GET_LOCK`, a named lock of the session: it outlives the per-step
transactions, is released at the end of the apply, and dies with the session.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from seedkit.adapters.base import Adapter
from seedkit.errors import ApplyError, Location, TargetError
from seedkit.locks import DEFAULT_LOCK_TIMEOUT, LockTimeoutError, lock_name, waited
from seedkit.schema import TypeKind

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.batches import Batcher
    from seedkit.adapters.loader import Loader
    from seedkit.plan.latekeys import LateKey


def adapt_mysql(value: Any) -> Any:
    """Zoned datetimes become UTC without zone (the session runs in UTC)."""
    if type(value) is dt.datetime and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# The session variables a dump sets (mariadb-dump's header and footer) or a hand-kept
# script may leave changed.
_VARIABLES = (
    "sql_mode",
    "time_zone",
    "foreign_key_checks",
    "unique_checks",
    "sql_notes",
    "character_set_client",
    "character_set_results",
    "collation_connection",
    "autocommit",
)


_TABLE_LOCKS = re.compile(r"\s*(?:un)?lock\s+tables?\b", re.IGNORECASE)


class MysqlAdapter(Adapter):
    """MySQL and MariaDB via PyMySQL."""

    name = "mysql"
    BACKENDS = ("mysql", "mariadb")
    sqlglot_name = "mysql"
    SUPPORTS_TRANSACTIONAL_DDL = False
    SUPPORTS_ON_CONFLICT = False
    BACKSLASH_ESCAPES = True
    SCHEMA_IS_DATABASE = True

    def check_url(self) -> None:
        """A MySQL URL must name its database (seedkit keeps its history there)."""
        if not self.engine.url.database:
            raise TargetError(
                f"{self.display_url} names no database",
                hint="add the database to the URL: mysql+pymysql://user@host:3306/DATABASE",
            )

    def json_columns(self, conn: sa.Connection, schema: str | None, name: str) -> set[str]:
        """MariaDB columns declared JSON, which it reports as LONGTEXT with a json_valid check."""
        if not getattr(conn.dialect, "is_mariadb", False):
            return set()
        rows = self.execute(
            conn,
            "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
            " WHERE CONSTRAINT_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
            (schema, name),
        )
        found = (re.fullmatch(r"\s*json_valid\(`([^`]+)`\)\s*", row[0] or "") for row in rows)
        return {m[1] for m in found if m}

    def reflected_kind(self, type_: Any, type_text: str) -> TypeKind | None:
        """TINYINT(1) is MySQL's BOOLEAN; any other TINYINT an integer."""
        if type(type_).__name__ == "TINYINT":
            return (
                TypeKind.BOOLEAN if getattr(type_, "display_width", None) == 1 else TypeKind.INTEGER
            )
        return None

    def batcher(self, conn: sa.Connection, merge: bool = True) -> Batcher:
        """Data statements in batches (seedkit.adapters.batches)."""
        from seedkit.adapters.mysql_batches import MysqlBatcher

        return MysqlBatcher(self, conn)

    def loaders(self) -> list[type[Loader]]:
        """LOAD DATA LOCAL INFILE through PyMySQL."""
        from seedkit.adapters.mysql_load_data import MysqlLoadDataLoader

        return [MysqlLoadDataLoader]

    def _run_bytes(self, conn: sa.Connection, sql: str, location: Location | None) -> Any:
        """A statement holding bytes that are not UTF-8 (a MySQL dump's BLOB values, read as
        surrogates): sent as those bytes, where the driver takes bytes (PyMySQL)."""
        import types

        data = sql.encode("utf-8", "surrogateescape")
        driver = self.raw(conn)
        if self.engine.dialect.driver != "pymysql" or driver is None:
            raise ApplyError(
                "this statement holds bytes that are not UTF-8 text",
                location=location,
                hint="save the file as UTF-8 (binary values as hex literals: X'00ff')",
            )
        cursor = driver.cursor()
        try:
            cursor.execute(data)
            return types.SimpleNamespace(rowcount=cursor.rowcount)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] != "pymysql":
                raise
            raise self.statement_error(exc, sql, location) from None
        finally:
            cursor.close()

    def _lock_name(self, conn: sa.Connection, project: str) -> str:
        # Remembered: a SQL file's `USE` must not make the release name another lock.
        key = ("seedkit_lock", project)
        if key not in conn.info:
            conn.info[key] = lock_name(self.execute(conn, "SELECT DATABASE()").scalar(), project)
        return str(conn.info[key])

    def acquire_lock(self, conn: sa.Connection, project: str, timeout: float | None) -> None:
        """`GET_LOCK(name, timeout)`; on timeout, name the connection holding it."""
        wait = DEFAULT_LOCK_TIMEOUT if timeout is None else max(timeout, 0.0)
        name = self._lock_name(conn, project)
        got = self.execute(conn, "SELECT GET_LOCK(%s, %s)", (name, wait)).scalar()
        holder = None
        if got != 1:
            holder = self.execute(
                conn,
                "SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE, INFO "
                "FROM information_schema.PROCESSLIST WHERE ID = IS_USED_LOCK(%s)",
                (name,),
            ).first()
        conn.commit()
        if got == 1:
            return
        text = ""
        if holder is not None:
            pid, user, host, db, command, secs, state, info = holder
            text = f": held by connection {pid} ({user}@{host}"
            text += f", database {db}" if db else ""
            text += f", {command} for {secs}s" + (f", {state}" if state else "")
            text += f", running: {str(info)[:80]}" if info else ""
            text += ")"
        hint = "another seedkit apply of this project is running: let it finish, or give more "
        hint += "time with --lock-timeout"
        if holder is not None:
            hint += f"; to end it: KILL {holder[0]}"
        raise LockTimeoutError(
            f"the lock `{name}` on {self.display_url} is taken{waited(wait)}{text}", hint=hint
        )

    @contextmanager
    def history_guard(
        self, conn: sa.Connection, table: str, exists: Callable[[], bool]
    ) -> Iterator[bool]:
        """Look for the history table and create it under a named lock of its own: reading
        a table's definition while another session creates it fails (MariaDB 1684), and
        two projects would both create it. The lock is released as soon as the table is
        there and its format row committed (CREATE TABLE commits by itself; the row is
        committed with it, so that the next project never finds the table without it)."""
        name = lock_name(self.execute(conn, "SELECT DATABASE()").scalar(), f"\0history:{table}")
        self.execute(conn, "SELECT GET_LOCK(%s, %s)", (name, DEFAULT_LOCK_TIMEOUT))
        try:
            found = exists()
            yield found
            if not found:
                self.execute(conn, "COMMIT")
        finally:
            self.execute(conn, "SELECT RELEASE_LOCK(%s)", (name,))

    def release_lock(self, conn: sa.Connection, project: str) -> None:
        """`RELEASE_LOCK(name)`, committed at once."""
        self.execute(conn, "SELECT RELEASE_LOCK(%s)", (self._lock_name(conn, project),))
        conn.info.pop(("seedkit_lock", project), None)
        conn.commit()

    def transaction_control(self, sql: str) -> bool:
        """Also `LOCK TABLES` and `UNLOCK TABLES` (mariadb-dump writes them around each
        table's rows): LOCK TABLES would commit the step's transaction, and seedkit holds
        its own lock."""
        return super().transaction_control(sql) or _TABLE_LOCKS.match(sql) is not None

    DEFERS_KEYS = (
        "the group's steps run in one transaction with foreign_key_checks = 0 for seedkit's "
        "session; seedkit's own query checks every key before the commit"
    )

    def defer_keys(self, conn: sa.Connection, keys: Sequence[LateKey]) -> Any:
        """`SET SESSION foreign_key_checks = 0`; returns the value before."""
        before = self.execute(conn, "SELECT @@SESSION.foreign_key_checks").scalar()
        self.execute(conn, "SET SESSION foreign_key_checks = 0")
        return before

    def restore_keys(self, conn: sa.Connection, keys: Sequence[LateKey], state: Any) -> None:
        """`foreign_key_checks` back as it was."""
        self.execute(conn, "SET SESSION foreign_key_checks = %s", (1 if state is None else state,))

    def session_state(self, conn: sa.Connection) -> tuple[Any, ...]:
        """The current database and the session variables a SQL file may change."""
        sql = "SELECT DATABASE(), " + ", ".join(f"@@SESSION.{v}" for v in _VARIABLES)
        return tuple(self.execute(conn, sql).one())

    def restore_session(self, conn: sa.Connection, state: Any) -> None:
        """`USE` the apply's database again and `SET SESSION` back what a file changed."""
        if not state:
            return
        now = self.session_state(conn)
        if now[0] != state[0] and state[0] is not None:
            self.execute(conn, f"USE {self.quote(conn, state[0])}")
        for name, before, after in zip(_VARIABLES, state[1:], now[1:], strict=True):
            if before != after:
                self.execute(conn, f"SET SESSION {name} = %s", (before,))

    def configure_engine(self, engine: sa.Engine) -> None:
        """Run every session in UTC so TIMESTAMP values do not shift with the server's zone."""
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET time_zone = '+00:00'")
            cursor.close()
            if getattr(dbapi_connection, "_local_infile", False):
                # The LOAD DATA loader (seedkit.adapters.mysql_load_data) switches this on only
                # around its own statement: a server cannot ask for any other file.
                dbapi_connection._local_infile = False
                dbapi_connection._seedkit_local_infile = True

        if engine.dialect.driver == "pymysql":

            @event.listens_for(engine, "do_connect")
            def _do_connect(_dialect: Any, _record: Any, _args: Any, params: Any) -> None:
                params.setdefault("local_infile", True)
                # Several statements in one query, as the mysql client allows: SQL steps
                # send their INSERTs in batches (seedkit.adapters.batches).
                from pymysql.constants import CLIENT

                params["client_flag"] = params.get("client_flag", 0) | CLIENT.MULTI_STATEMENTS

    def value_adapter(self) -> Callable[[Any], Any]:
        """Zoned datetimes to UTC."""
        return adapt_mysql

    def drop_temp_table_sql(self, conn: sa.Connection, name: str) -> str:
        """`DROP TEMPORARY TABLE`: plain DROP TABLE would commit the step's transaction."""
        return f"DROP TEMPORARY TABLE {self.quote(conn, name)}"

    def upsert_sql(
        self, conn: sa.Connection, table: str, columns: Sequence[str], key: Sequence[str]
    ) -> str:
        """`ON DUPLICATE KEY UPDATE c = VALUES(c)` for the non-key columns."""
        base = self.insert_sql(conn, table, columns)
        rest = [c for c in columns if c not in key] or list(key)[:1]
        sets = ", ".join(f"{self.quote(conn, c)} = VALUES({self.quote(conn, c)})" for c in rest)
        return base + self._escape_percent(conn, f" ON DUPLICATE KEY UPDATE {sets}")
