"""One adapter per database: capabilities as SUPPORTS_* flags, and only what differs overridden."""

from __future__ import annotations

from seedkit.dialects.base import Dialect


def dialect_for(name: str) -> Dialect:
    """The adapter for a SQLAlchemy dialect name (`sqlite`, `postgresql`, …); generic otherwise."""
    if name == "sqlite":
        from seedkit.dialects.sqlite import SqliteDialect

        return SqliteDialect()
    if name == "postgresql":
        from seedkit.dialects.postgres import PostgresDialect

        return PostgresDialect()
    if name in ("mysql", "mariadb"):
        from seedkit.dialects.mysql import MysqlDialect

        return MysqlDialect()
    if name == "duckdb":
        from seedkit.dialects.duckdb import DuckdbDialect

        return DuckdbDialect()
    return Dialect()


__all__ = ["Dialect", "dialect_for"]
