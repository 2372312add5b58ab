"""PostgreSQL via psycopg 3: transactional DDL, savepoints, ON CONFLICT; values bind natively.

The apply's lock is `pg_advisory_xact_lock` keyed by the project's name: it is held by
the apply's one transaction and released by its commit, its rollback, or the death of
its session (a killed seedkit leaves no lock behind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from seedkit.adapters.base import Adapter
from seedkit.adapters.engine import copy_location, copy_message
from seedkit.adapters.trace import trace
from seedkit.errors import ApplyError
from seedkit.locks import DEFAULT_LOCK_TIMEOUT, LockTimeoutError, lock_key, waited

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.batches import Batcher
    from seedkit.adapters.loader import Loader
    from seedkit.adapters.scratch import ScratchReset
    from seedkit.plan.latekeys import LateKey
    from seedkit.schema import Column
    from seedkit.sources.base import LocatedStatement

_HOLDER = """
SELECT a.pid, a.application_name, a.usename, a.client_addr, a.xact_start, a.state
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
        SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1
"""

_SERIAL_COLUMNS = """
SELECT a.attname, pg_get_serial_sequence(%s, a.attname)
FROM pg_attribute a
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
  AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL
"""


# The settings a SQL file may change with SET or set_config (a pg_dump header sets
# search_path to ''); the transaction's own are left to the transaction.
_SETTINGS = """
SELECT name, setting FROM pg_settings
WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction%'
"""


# Who the session runs as; the keys they are kept under in the session's state.
_WHO = "SELECT current_setting('session_authorization'), current_setting('role')"
_AUTHORIZATION, _ROLE = "\0session_authorization", "\0role"

_SEQUENCE_INFO = """
SELECT s.seqincrement, pg_has_role(c.relowner, 'USAGE')
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
WHERE s.seqrelid = %s::regclass
"""

# The foreign keys from one table to another: name, how deferred, table and schema.
_FOREIGN_KEYS = """
SELECT c.conname, c.condeferrable, c.condeferred, c.conrelid::regclass::text,
       c.connamespace::regnamespace::text
FROM pg_catalog.pg_constraint c
WHERE c.contype = 'f' AND c.conrelid = to_regclass(%s) AND c.confrelid = to_regclass(%s)
ORDER BY c.conname
"""


class PostgresAdapter(Adapter):
    """PostgreSQL."""

    name = "postgresql"
    BACKENDS = ("postgresql",)
    sqlglot_name = "postgres"
    SUPPORTS_SEQUENCES = True

    @classmethod
    def drop_database_sql(cls, quoted: str) -> str:
        """WITH (FORCE): PostgreSQL refuses to drop a database a leftover connection uses."""
        return f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"

    @classmethod
    def scratch_reset(cls) -> ScratchReset:
        """Emptied in place: DROP DATABASE forces a checkpoint of the whole server."""
        from seedkit.adapters.scratch import PostgresScratchReset

        return PostgresScratchReset()

    def snapshot_column(self, conn: sa.Connection, column: Column) -> str:
        """JSON as stored, not the driver's parse."""
        from seedkit.schema import TypeKind

        name = self.quote(conn, column.name)
        return f"CAST({name} AS VARCHAR)" if column.kind is TypeKind.JSON else name

    def batcher(self, conn: sa.Connection, merge: bool = True) -> Batcher:
        """Data statements in batches (seedkit.adapters.batches)."""
        from seedkit.adapters.batches import PostgresBatcher

        return PostgresBatcher(self, conn)

    def loaders(self) -> list[type[Loader]]:
        """COPY through psycopg 3."""
        from seedkit.adapters.postgres_copy import PostgresCopyLoader

        return [PostgresCopyLoader]

    def acquire_lock(self, conn: sa.Connection, project: str, timeout: float | None) -> None:
        """`pg_advisory_xact_lock`, waiting `timeout` seconds (lock_timeout), then naming the
        session that holds it."""
        from sqlalchemy.exc import DBAPIError

        wait = DEFAULT_LOCK_TIMEOUT if timeout is None else max(timeout, 0.0)
        key = lock_key(project)
        previous = self.execute(conn, "SELECT current_setting('lock_timeout')").scalar()
        if not self.execute(conn, "SELECT current_setting('application_name')").scalar():
            # Name this session while it holds the lock, so a waiting apply can say who it is.
            self.execute(
                conn,
                "SELECT set_config('application_name', %s, true)",
                (f"seedkit apply {project}"[:63],),
            )
        if wait == 0:
            got = self.execute(conn, "SELECT pg_try_advisory_xact_lock(%s)", (key,)).scalar()
            if not got:
                raise self._lock_error(project, key, wait)
            return
        self.execute(
            conn, "SELECT set_config('lock_timeout', %s, true)", (f"{max(int(wait * 1000), 1)}ms",)
        )
        try:
            self.execute(conn, "SELECT pg_advisory_xact_lock(%s)", (key,))
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise self._lock_error(project, key, wait) from None
            raise
        self.execute(conn, "SELECT set_config('lock_timeout', %s, true)", (previous,))

    @contextmanager
    def history_guard(
        self, conn: sa.Connection, table: str, exists: Callable[[], bool]
    ) -> Iterator[bool]:
        """When the history table is missing, take a transaction lock on its name and look
        again: a second project creating it at once waits for the first to commit (or roll
        back), then finds it, instead of failing on pg_type's unique index."""
        if exists():
            yield True
            return
        self.execute(conn, "SELECT pg_advisory_xact_lock(%s)", (lock_key(f"\0history:{table}"),))
        yield exists()

    def _lock_error(self, project: str, key: int, wait: float) -> LockTimeoutError:
        unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
        holder = ""
        pid: Any = None
        try:
            with self.engine.connect() as other:
                row = self.execute(other, _HOLDER, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).first()
            if row is not None:
                pid, app, user, client, since, state = row
                holder = (
                    f": held by pid {pid}"
                    + (f" (application '{app}')" if app else "")
                    + f", user {user}"
                    + (f" from {client}" if client else "")
                    + (f", in a transaction since {since:%Y-%m-%d %H:%M:%S}" if since else "")
                    + (f", {state}" if state else "")
                )
        except Exception:  # the holder is a courtesy; the timeout is the error
            holder = ""
        hint = "another seedkit apply of this project is running: let it finish, or give more "
        hint += "time with --lock-timeout"
        if pid is not None:
            hint += f"; to end it: SELECT pg_terminate_backend({pid})"
        return LockTimeoutError(
            f"the lock of project `{project}` on {self.display_url} is taken{waited(wait)}"
            + holder,
            hint=hint,
        )

    def copy(self, conn: sa.Connection, sql: str, data: Iterable[Any], rows: bool = False) -> int:
        """Run a PostgreSQL `COPY … FROM STDIN` on the connection, inside its transaction.

        `data` yields text chunks (or, with `rows`, tuples of Python values for
        psycopg's `write_row`); returns the rows the server copied. Database errors
        are psycopg's own, for the loader to map back to the source's lines.
        """
        trace("copy", sql)
        driver = self.raw(conn)
        with driver.cursor() as cursor:
            with cursor.copy(sql) as copy:
                write = copy.write_row if rows else copy.write
                for item in data:
                    write(item)
            return int(cursor.rowcount)

    def copy_block(self, conn: sa.Connection, stmt: LocatedStatement) -> int:
        """Stream a SQL file's `COPY … FROM stdin` block through psycopg's COPY (PostgreSQL),
        its data lines as written; returns the rows copied. A database error becomes an
        ApplyError at the data line the server names (else at the statement)."""
        import psycopg

        assert stmt.copy is not None
        trace("copy", stmt.sql, stmt.location)
        driver = self.raw(conn)
        try:
            with driver.cursor() as cursor:
                with cursor.copy(stmt.sql) as copy:
                    for chunk in stmt.copy.chunks():
                        copy.write(chunk)
                return int(cursor.rowcount)
        except psycopg.Error as exc:
            raise ApplyError(
                self.scrub(copy_message(exc)),
                location=copy_location(exc, stmt),
                hint="fix the row; nothing was applied",
            ) from None

    def copy_from_stdin(self, conn: sa.Connection, stmt: LocatedStatement) -> int:
        """Stream the block's data lines through psycopg's COPY, as psql does."""
        return self.copy_block(conn, stmt)

    DEFERS_KEYS = (
        "foreign keys made DEFERRABLE INITIALLY DEFERRED for the apply's transaction, checked "
        "by seedkit's own query after the data, then put back as declared"
    )

    def defer_keys(self, conn: sa.Connection, keys: Sequence[LateKey]) -> Any:
        """Make each foreign key of `keys` deferred (`ALTER CONSTRAINT … DEFERRABLE
        INITIALLY DEFERRED`), keeping how it was declared for `restore_keys`."""
        changed: list[tuple[str, str, str, bool, bool]] = []
        seen: set[tuple[str, str]] = set()
        for key in keys:
            child = self.quote_table(conn, key.child.qualified_name)
            parent = self.quote_table(conn, key.parent.qualified_name)
            for name, deferrable, deferred, table, schema in self.execute(
                conn, _FOREIGN_KEYS, (child, parent)
            ).fetchall():
                if deferred or (table, name) in seen:
                    continue
                seen.add((table, name))
                self.execute(
                    conn,
                    f"ALTER TABLE {table} ALTER CONSTRAINT {self.quote(conn, name)} "
                    "DEFERRABLE INITIALLY DEFERRED",
                )
                changed.append((table, name, schema, deferrable, deferred))
        return changed

    def restore_keys(self, conn: sa.Connection, keys: Sequence[LateKey], state: Any) -> None:
        """Check the deferred keys now (`SET CONSTRAINTS … IMMEDIATE`), then put each back
        as declared."""
        if not state:
            return
        names = ", ".join(
            f"{self.quote(conn, schema)}.{self.quote(conn, name)}"
            for _, name, schema, _, _ in state
        )
        self.execute(conn, f"SET CONSTRAINTS {names} IMMEDIATE")
        for table, name, _, deferrable, _ in state:
            how = "DEFERRABLE INITIALLY IMMEDIATE" if deferrable else "NOT DEFERRABLE"
            self.execute(
                conn, f"ALTER TABLE {table} ALTER CONSTRAINT {self.quote(conn, name)} {how}"
            )

    HOLDS_INLINE_KEYS = True

    def session_state(self, conn: sa.Connection) -> dict[str, str]:
        """Every setting a session may change (183 on PostgreSQL 15, read in about 1 ms),
        and who it runs as (`SET ROLE`, `SET SESSION AUTHORIZATION`: not in pg_settings)."""
        state = dict(self.execute(conn, _SETTINGS).fetchall())
        state[_AUTHORIZATION], state[_ROLE] = self.execute(conn, _WHO).one()
        return state

    def restore_session(self, conn: sa.Connection, state: Any) -> None:
        """`set_config` back each setting a SQL file changed (search_path, SET …), and the
        role (pg_dump --role writes `SET ROLE`)."""
        if not state:
            return
        authorization, role = self.execute(conn, _WHO).one()
        if authorization != state[_AUTHORIZATION]:  # this resets the role too
            self.execute(
                conn,
                "SELECT set_config('session_authorization', %s, false)",
                (state[_AUTHORIZATION],),
            )
        if role != state[_ROLE] or authorization != state[_AUTHORIZATION]:
            self.execute(conn, "SELECT set_config('role', %s, false)", (state[_ROLE],))
        for name, setting in self.execute(conn, _SETTINGS).fetchall():
            before = state.get(name)
            if before is not None and before != setting:
                self.execute(conn, "SELECT set_config(%s, %s, false)", (name, before))

    def sync_sequences(self, conn: sa.Connection, table: str) -> None:
        """After explicit ids, move each serial or identity sequence of `table` past the
        column's largest value (never backwards), so the next default id does not collide.

        `ALTER SEQUENCE … RESTART` is transactional in PostgreSQL: a failed apply rolls the
        move back with everything else. It needs the sequence's owner; a session that is
        not falls back to `setval`, which PostgreSQL never rolls back (the sequence then
        stays moved after a failed apply, which costs unused ids and nothing else).
        """
        quoted = self.quote_table(conn, table)
        columns = self.execute(conn, _SERIAL_COLUMNS, (quoted, quoted, quoted)).fetchall()
        for column, sequence in columns:
            col = self.quote(conn, column)
            largest = self.execute(conn, f"SELECT MAX({col}) FROM {quoted}").scalar()
            if largest is None:
                continue
            # `sequence` is pg_get_serial_sequence's text: a name already quoted as needed.
            last, called = self.execute(conn, f"SELECT last_value, is_called FROM {sequence}").one()
            step, owner = self.execute(conn, _SEQUENCE_INFO, (sequence,)).one()
            following = last + step if called else last
            if step <= 0 or following > largest:
                continue
            if owner:
                self.execute(conn, f"ALTER SEQUENCE {sequence} RESTART WITH {int(largest) + step}")
            else:
                self.execute(conn, "SELECT setval(%s::regclass, %s)", (sequence, int(largest)))
