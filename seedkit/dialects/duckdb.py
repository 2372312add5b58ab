"""DuckDB via duckdb-engine: transactional DDL, but no SAVEPOINT."""

from __future__ import annotations

from seedkit.dialects.base import Dialect


class DuckdbDialect(Dialect):
    """DuckDB. A failed batch aborts the transaction, so errors name the batch's lines."""

    name = "duckdb"
    sqlglot_name = "duckdb"
    SUPPORTS_SAVEPOINTS = False
