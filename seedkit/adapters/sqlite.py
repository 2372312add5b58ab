"""SQLite: transactional DDL through an explicit BEGIN IMMEDIATE, foreign keys switched on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.base import Adapter
from seedkit.locks import DEFAULT_LOCK_TIMEOUT, LockTimeoutError, waited

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from seedkit.adapters.batches import Batcher
    from seedkit.adapters.loader import Loader
    from seedkit.plan.latekeys import LateKey


def _utc_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


_SQLITE_VALUES: dict[type, Callable[[Any], Any]] = {
    # SQLite has no exact decimal: NUMERIC affinity stores the text as a number.
    Decimal: str,
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    dt.datetime: lambda v: _utc_naive(v).isoformat(sep=" "),
    bool: int,
}


def adapt_sqlite(value: Any) -> Any:
    """Python value → what SQLite stores: ISO text for dates and times, UTC for zoned times."""
    convert = _SQLITE_VALUES.get(type(value))
    return convert(value) if convert else value


class SqliteAdapter(Adapter):
    """SQLite via the standard library driver."""

    name = "sqlite"
    BACKENDS = ("sqlite",)
    sqlglot_name = "sqlite"

    INTEGER_KEY_IS_ROWID = True
    INDEX_REFLECTION: ClassVar[dict[str, Any]] = {"include_auto_indexes": True}

    def declared_types(self, conn: sa.Connection, schema: str | None, name: str) -> dict[str, str]:
        """Declared types of columns whose type name SQLAlchemy does not know."""
        from sqlalchemy.dialects.sqlite.base import ischema_names

        def quote(part: str) -> str:
            return '"' + part.replace('"', '""') + '"'

        prefix = f"{quote(schema)}." if schema else ""
        rows = self.execute(conn, f"PRAGMA {prefix}table_info({quote(name)})")
        return {
            row[1]: row[2]
            for row in rows
            if row[2].split("(")[0].strip().upper() not in ischema_names
        }

    def database_missing(self) -> bool:
        """True when the file does not exist yet (opening it would create it)."""
        from seedkit.adapters.engine import file_missing

        return file_missing(self.engine.url)

    @classmethod
    def file_url(cls, stem: Path) -> str | None:
        """`sqlite:///STEM.db`."""
        return f"sqlite:///{stem}.db"

    def batcher(self, conn: sa.Connection, merge: bool = True) -> Batcher:
        """Data statements in batches (seedkit.adapters.batches)."""
        from seedkit.adapters.batches import Direct

        return Direct(self, conn, merge, sqlite=True)

    def loaders(self) -> list[type[Loader]]:
        """Rows converted by SQLite's own functions in one INSERT … SELECT."""
        from seedkit.adapters.sqlite_fast import SqliteFastLoader

        return [SqliteFastLoader]

    def configure_engine(self, engine: sa.Engine) -> None:
        """Let seedkit own BEGIN (pysqlite would run DDL outside the transaction) and enforce FKs."""
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # IMMEDIATE takes SQLite's write lock now: two applies never interleave.
            # Reads (plan, status) take no write lock, so they never wait for an apply.
            if conn.info.get("seedkit_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    @contextmanager
    def connect_to_write(self, lock_timeout: float | None = None) -> Iterator[sa.Connection]:
        """A connection whose BEGIN IMMEDIATE waits `lock_timeout` seconds for the write lock."""
        timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else max(lock_timeout, 0.0)
        with self.connect() as conn:
            sql = f"PRAGMA busy_timeout = {int(timeout * 1000)}"
            # On the driver's connection: through SQLAlchemy it would BEGIN first.
            self.raw(conn, sql).execute(sql)
            yield conn

    @contextmanager
    def apply_scope(
        self, conn: sa.Connection, project: str, lock_timeout: float | None
    ) -> Iterator[None]:
        """One BEGIN IMMEDIATE transaction: SQLite's write lock is the apply's lock."""
        from sqlalchemy.exc import OperationalError

        try:
            transaction = conn.begin()
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            raise LockTimeoutError(
                f"the SQLite database {conn.engine.url.database} is locked by another "
                f"connection{waited(DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout)}",
                hint="another seedkit apply or an application is writing to it: let it finish, "
                "or give more time with --lock-timeout",
            ) from None
        with transaction:
            yield

    DEFERS_KEYS = (
        "PRAGMA defer_foreign_keys = ON for the apply's transaction; keys checked by "
        "seedkit's own query after the data"
    )

    def defer_keys(self, conn: sa.Connection, keys: Sequence[LateKey]) -> Any:
        """`PRAGMA defer_foreign_keys = ON`: SQLite checks keys at commit (and resets the
        pragma then)."""
        if keys:
            self.execute(conn, "PRAGMA defer_foreign_keys = ON")
        return bool(keys)

    def restore_keys(self, conn: sa.Connection, keys: Sequence[LateKey], state: Any) -> None:
        """Back to checking each row as it is written."""
        if state:
            self.execute(conn, "PRAGMA defer_foreign_keys = OFF")

    def value_adapter(self) -> Callable[[Any], Any]:
        """Dates, times and decimals become text SQLite keeps exactly."""
        return adapt_sqlite
