"""MySQL and MariaDB: DDL commits by itself, so each step is its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from seedkit.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa


def adapt_mysql(value: Any) -> Any:
    """Zoned datetimes become UTC without zone (the session runs in UTC)."""
    if type(value) is dt.datetime and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class MysqlDialect(Dialect):
    """MySQL and MariaDB via PyMySQL."""

    name = "mysql"
    sqlglot_name = "mysql"
    SUPPORTS_TRANSACTIONAL_DDL = False
    SUPPORTS_ON_CONFLICT = False

    def configure_engine(self, engine: sa.Engine) -> None:
        """Run every session in UTC so TIMESTAMP values do not shift with the server's zone."""
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET time_zone = '+00:00'")
            cursor.close()

    def value_adapter(self) -> Callable[[Any], Any]:
        """Zoned datetimes to UTC."""
        return adapt_mysql

    def upsert_sql(
        self, conn: sa.Connection, table: str, columns: Sequence[str], key: Sequence[str]
    ) -> str:
        """`ON DUPLICATE KEY UPDATE c = VALUES(c)` for the non-key columns."""
        base = self.insert_sql(conn, table, columns)
        rest = [c for c in columns if c not in key] or list(key)[:1]
        sets = ", ".join(f"{self.quote(conn, c)} = VALUES({self.quote(conn, c)})" for c in rest)
        return base + self._escape_percent(conn, f" ON DUPLICATE KEY UPDATE {sets}")
