"""The built-in source kinds, registered through the same hook as any plugin."""

from __future__ import annotations

from typing import Any

from seedkit.hookspecs import hookimpl


@hookimpl
def register_sources() -> list[type[Any]]:
    """sql, csv and rows."""
    from seedkit.sources.csv import CsvSource
    from seedkit.sources.rows import RowsSource
    from seedkit.sources.sql import SqlSource

    return [SqlSource, CsvSource, RowsSource]
