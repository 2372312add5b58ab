"""Helpers of the portable-SQL tests: a PostgreSQL load's rows beside a ported apply's,
each value normalised by its PostgreSQL type, so equal means equal value by value."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa


def pg_tables(url: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every ordinary table of `schema` (partitions included, materialized views not)
    with its rows, as PostgreSQL gives them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = %s ORDER BY 1",
                (schema,),
            ).scalars()
            return {
                name: [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{schema}"."{name}"')]
                for name in list(names)
            }
    finally:
        engine.dispose()


def target_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """The rows of `table` on a ported target."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table}")]
    finally:
        engine.dispose()


def _value(sample: Any, value: Any) -> Any:
    """`value` in one comparable form, led by the PostgreSQL column's type (`sample`)."""
    if value is None:
        return None
    if isinstance(sample, bool):
        return int(value)
    if isinstance(sample, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(sample, list | dict):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(sample, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def normalised(pg: list[tuple[Any, ...]], other: list[tuple[Any, ...]]) -> tuple[Any, Any]:
    """Both row lists with each value normalised by its PostgreSQL column's type, sorted,
    ready for ==."""
    width = len(pg[0]) if pg else 0
    samples = [next((r[i] for r in pg if r[i] is not None), None) for i in range(width)]

    def rows(found: list[tuple[Any, ...]]) -> list[str]:
        return sorted(repr([_value(s, v) for s, v in zip(samples, r, strict=True)]) for r in found)

    return rows(pg), rows(other)
