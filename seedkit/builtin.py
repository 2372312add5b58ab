"""The built-in sources and loaders, registered through the same hooks as any plugin."""

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
    """The generic executemany loader, for every database; the dry run's DuckDB loader;
    each database's fast path (COPY, read_csv, LOAD DATA, SQLite's own conversions)."""
    from seedkit.dryrun.loader import DryRunLoader
    from seedkit.loaders.duckdb import DuckdbCsvLoader
    from seedkit.loaders.duckdb_upsert import DuckdbUpsertLoader
    from seedkit.loaders.generic import GenericLoader
    from seedkit.loaders.mysql import MysqlLoadDataLoader
    from seedkit.loaders.postgres import PostgresCopyLoader
    from seedkit.loaders.sqlite import SqliteFastLoader

    fast = [PostgresCopyLoader, SqliteFastLoader, DuckdbCsvLoader, MysqlLoadDataLoader]
    fast.append(DuckdbUpsertLoader)
    return [GenericLoader, DryRunLoader, *fast]
