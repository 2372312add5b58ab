"""SQLite: transactional DDL through an explicit BEGIN IMMEDIATE, foreign keys switched on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from seedkit.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa


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


class SqliteDialect(Dialect):
    """SQLite via the standard library driver."""

    name = "sqlite"
    sqlglot_name = "sqlite"

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
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def value_adapter(self) -> Callable[[Any], Any]:
        """Dates, times and decimals become text SQLite keeps exactly."""
        return adapt_sqlite
