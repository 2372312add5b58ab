"""PostgreSQL via psycopg 3: transactional DDL, savepoints, ON CONFLICT; values bind natively."""

from __future__ import annotations

from seedkit.dialects.base import Dialect


class PostgresDialect(Dialect):
    """PostgreSQL."""

    name = "postgresql"
    sqlglot_name = "postgres"
