"""The built-in sources, loaders and adapters, registered through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from seedkit.hookspecs import hookimpl


@hookimpl
def register_sources() -> list[type[Any]]:
    """sql, csv, rows, json, ndjson and parquet."""
    from seedkit.sources.csv import CsvSource
    from seedkit.sources.json import JsonSource
    from seedkit.sources.ndjson import NdjsonSource
    from seedkit.sources.parquet import ParquetSource
    from seedkit.sources.rows import RowsSource
    from seedkit.sources.sql import SqlSource

    return [SqlSource, CsvSource, RowsSource, JsonSource, NdjsonSource, ParquetSource]


@hookimpl
def register_loaders() -> list[Any]:
    """The generic executemany loader, for every database (each adapter lists its own fast
    loaders: seedkit.adapters.base.Adapter.loaders)."""
    from seedkit.adapters.generic import GenericLoader

    return [GenericLoader]


@hookimpl
def register_adapters() -> list[type[Any]]:
    """PostgreSQL, MySQL/MariaDB, SQLite and DuckDB."""
    from seedkit.adapters.duckdb import DuckdbAdapter
    from seedkit.adapters.mysql import MysqlAdapter
    from seedkit.adapters.postgres import PostgresAdapter
    from seedkit.adapters.sqlite import SqliteAdapter

    return [PostgresAdapter, MysqlAdapter, SqliteAdapter, DuckdbAdapter]
