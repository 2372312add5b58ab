"""The built-in sources and loaders, registered through the same hooks as any plugin."""

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


@hookimpl
def register_loaders() -> list[Any]:
    """The generic executemany loader, for every database."""
    from seedkit.loaders.generic import GenericLoader

    return [GenericLoader]
