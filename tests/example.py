"""The market example's expected contents, and a reader that normalises values by type.

Each database returns its own Python types (SQLite: text dates and 1/0 booleans;
MariaDB: timedelta times and Decimal; DuckDB and PostgreSQL: native types), so the
reader turns each value into the one Python value the column's type means, and the
tests compare those with the expected rows below, value by value.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from seedkit.schema import Column, TypeKind

ROOT = Path(__file__).resolve().parent.parent
D = Decimal
T = dt.time
EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    "exchanges": [
        (1, "XNYS", "New York Stock Exchange", "New York", T(9, 30), T(16), "America/New_York"),
        (2, "XSWX", "SIX Swiss Exchange", "Zürich", T(9), T(17, 30), "Europe/Zurich"),
        (3, "XTKS", "Tokyo Stock Exchange", "東京", T(9), T(15, 30), "Asia/Tokyo"),
        (
            4,
            "XHKG",
            "Hong Kong Exchanges and Clearing, Ltd",
            "Hong Kong",
            T(9, 30),
            T(16),
            "Asia/Hong_Kong",
        ),
        (5, "XLON", "London Stock Exchange", None, T(8), T(16, 30), "Europe/London"),
    ],
    "sectors": [
        (10, "0010", "Information Technology", "Software; hardware; semiconductors"),
        (20, "0020", "Consumer Staples", ""),
        (30, "0030", "Consumer Discretionary", None),
        (40, "0040", "Financials", "Banks, insurers\nand exchanges"),
    ],
    "tickers": [
        (
            "0700",
            4,
            10,
            "KYG875721634",
            "騰訊控股",
            100,
            D("0.2000"),
            dt.date(2004, 6, 16),
            True,
            "Board lot of 100; quoted in HKD",
        ),
        (
            "7203",
            3,
            30,
            "JP3633400001",
            "トヨタ自動車",
            100,
            D("1.0000"),
            dt.date(1949, 5, 16),
            True,
            None,
        ),
        (
            "AAPL",
            1,
            10,
            "US0378331005",
            "Apple Inc.",
            1,
            D("0.0100"),
            dt.date(1980, 12, 12),
            True,
            None,
        ),
        (
            "MSFT",
            1,
            10,
            "US5949181045",
            "Microsoft Corporation",
            1,
            D("0.0100"),
            dt.date(1986, 3, 13),
            True,
            "",
        ),
        (
            "NESN",
            2,
            20,
            "CH0038863350",
            "Nestlé S.A.",
            1,
            D("0.0500"),
            dt.date(2001, 1, 1),
            True,
            'Registered shares\nlisted on SIX "Swiss Market Index"',
        ),
        ("OLDX", 5, None, "00012345", "Øld Cørp 🚀", 10, D("0.0001"), None, False, "delisted"),
    ],
    "rules": [
        (1, "AAPL", "max_order", D("10000.5000"), dt.datetime(2025, 1, 2, 9, 30)),
        (2, "0700", "lot_only", None, dt.datetime(2025, 1, 2, 1, 30)),
        (3, "NESN", "max_order", D("250.2500"), dt.datetime(2025, 3, 31, 8, 0, 0, 250000)),
    ],
}


def copy_example(dest: Path) -> Path:
    """Copy the example seed into `dest` (same layout) and return its manifest path."""
    shutil.copytree(ROOT / "manifests" / "market", dest / "manifests" / "market")
    shutil.copytree(ROOT / "data" / "market", dest / "data" / "market")
    return dest / "manifests" / "market" / "seed.toml"


def normalise(column: Column, value: Any) -> Any:
    """One Python value per type, whatever the driver returned."""
    if value is None:
        return None
    kind = column.kind
    if kind == TypeKind.INTEGER:
        return int(value)
    if kind == TypeKind.DECIMAL:
        scale = re.search(r",\s*(\d+)\)", column.type)
        number = Decimal(str(value))
        return number.quantize(Decimal(1).scaleb(-int(scale.group(1)))) if scale else number
    if kind == TypeKind.BOOLEAN:
        return bool(int(value)) if not isinstance(value, str) else value.lower() in ("1", "true")
    if kind == TypeKind.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    if kind == TypeKind.TIME:
        if isinstance(value, dt.timedelta):
            return (dt.datetime.min + value).time()
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)
    if kind == TypeKind.TIMESTAMP:
        if isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromisoformat(value)
    return value


def read_table(url: str, manifest: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table`, ordered by its primary key, normalised by the DDL's types."""
    from seedkit.manifest import load_manifest
    from seedkit.plan.builder import build_plan

    plan = build_plan(load_manifest(manifest))
    spec = plan.schema.get(table)
    assert spec is not None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            prep = conn.dialect.identifier_preparer
            cols = ", ".join(prep.quote(c.name) for c in spec.columns)
            order = ", ".join(prep.quote(c) for c in spec.primary_key)
            rows = conn.exec_driver_sql(
                f"SELECT {cols} FROM {prep.quote(spec.name)} ORDER BY {order}"
            ).fetchall()
    finally:
        engine.dispose()
    return [tuple(normalise(c, v) for c, v in zip(spec.columns, row, strict=True)) for row in rows]


def table_names(url: str) -> set[str]:
    """The tables a database has (DuckDB read from its own catalog)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "duckdb":
                rows = conn.exec_driver_sql("SELECT table_name FROM duckdb_tables()").fetchall()
                return {r[0] for r in rows}
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
