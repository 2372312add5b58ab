"""`seedkit snapshot`: tables of a live database become a seed that recreates them exactly."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import _fresh_database
from example import EXPECTED, ROOT, read_table
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app

MANIFEST = ROOT / "manifests" / "market" / "seed.toml"


def _snapshot(*args: str) -> Any:
    result = CliRunner().invoke(app, ["snapshot", *args])
    return result


def test_example_from_postgres_recreated_on_sqlite_mariadb_duckdb(
    pg_url: str, mysql_url: str, tmp_path: Path
) -> None:
    api.apply(MANIFEST, url=pg_url)
    out = tmp_path / "snap"
    result = _snapshot("--url", pg_url, "--tables", "rules", "--with-parents", "--out", str(out))
    assert result.exit_code == 0, result.output
    manifest = api.validate(out / "seed.toml")
    assert manifest.source_dialect == "postgres"
    assert manifest.selected_levels() == [["exchanges", "sectors"], ["tickers"], ["rules"]]
    targets = [
        f"sqlite:///{tmp_path / 'copy.db'}",
        mysql_url,
        f"duckdb:///{tmp_path / 'copy.duckdb'}",
    ]
    for url in targets:
        applied = CliRunner().invoke(app, ["apply", "-m", str(out / "seed.toml"), "--url", url])
        assert applied.exit_code == 0, (url, applied.output)
        for table, rows in EXPECTED.items():
            assert read_table(url, MANIFEST, table) == rows, (url, table)

    # MariaDB as the source: its copy snapshotted again, into SQLite.
    again = tmp_path / "again"
    result = _snapshot(
        "--url", mysql_url, "--tables", "rules", "--with-parents", "--out", str(again)
    )
    assert result.exit_code == 0, result.output
    copy2 = f"sqlite:///{tmp_path / 'copy2.db'}"
    applied = CliRunner().invoke(app, ["apply", "-m", str(again / "seed.toml"), "--url", copy2])
    assert applied.exit_code == 0, applied.output
    for table, rows in EXPECTED.items():
        assert read_table(copy2, MANIFEST, table) == rows, table


TYPES_DDL = """
CREATE TABLE kinds (
    id      INTEGER PRIMARY KEY,
    label   TEXT,
    code    VARCHAR(10),
    amount  NUMERIC(12, 4),
    ratio   DOUBLE PRECISION,
    flag    BOOLEAN,
    day     DATE,
    at_time TIME,
    stamp   TIMESTAMP,
    zoned   TIMESTAMPTZ,
    doc     JSON,
    blob    BYTEA
)
"""
TYPES_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "label": 'comma, "quote"\nnew line\r\nand CRLF',
        "code": "00123",
        "amount": Decimal("-1234.5600"),
        "ratio": 0.1,
        "flag": True,
        "day": dt.date(2024, 2, 29),
        "at_time": dt.time(23, 59, 59, 123456),
        "stamp": dt.datetime(2025, 1, 2, 3, 4, 5, 6),
        "zoned": dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "doc": {"a": [1, 2.5, None], "b": "é"},
        "blob": b"\x00\xff\x10binary\n",
    },
    {
        "id": 2,
        "label": "",
        "code": "",
        "amount": Decimal("0.0001"),
        "ratio": -1e-300,
        "flag": False,
        "day": dt.date(1, 1, 1),
        "at_time": dt.time(0, 0),
        "stamp": dt.datetime(1970, 1, 1),
        "zoned": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "doc": "just a string",
        "blob": b"",
    },
    {"id": 3, **dict.fromkeys(["label", "code", "amount", "ratio", "flag", "day"], None)},
]
for _row in TYPES_ROWS[2:]:
    _row.update(dict.fromkeys(["at_time", "stamp", "zoned", "doc", "blob"], None))


def _norm(name: str, value: Any, parsed_json: bool = True) -> Any:
    """One Python value per column, whatever each driver returned."""
    if value is None:
        return None
    if name == "amount":
        return Decimal(str(value)).quantize(Decimal("0.0001"))
    if name == "ratio":
        return float(value)
    if name == "flag":
        return value if isinstance(value, bool) else bool(int(value))
    if name == "day" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if name == "at_time" and isinstance(value, str):
        return dt.time.fromisoformat(value)
    if name in ("stamp", "zoned") and isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if name == "zoned":
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if name == "doc":
        return value if parsed_json else json.loads(value)
    if name == "blob":
        return bytes(value)
    return value


def _rows(url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            columns = "*"
            if conn.dialect.name == "duckdb":  # its Python client needs pytz for TIMESTAMPTZ
                columns = "* REPLACE (CAST(zoned AS VARCHAR) AS zoned)"
            result = conn.exec_driver_sql(f"SELECT {columns} FROM kinds ORDER BY id")
            parsed = conn.dialect.name in ("postgresql", "duckdb")  # they parse JSON; SQLite: text
            return [{k: _norm(k, v, parsed) for k, v in row._mapping.items()} for row in result]
    finally:
        engine.dispose()


def test_every_type_round_trips_value_by_value(pg_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(TYPES_DDL)
        table = sa.Table("kinds", sa.MetaData(), autoload_with=conn)
        conn.execute(table.insert(), TYPES_ROWS)
        conn.exec_driver_sql("UPDATE kinds SET doc = NULL WHERE id = 3")  # not JSON's null
    engine.dispose()
    expected = [{k: _norm(k, v) for k, v in row.items()} for row in TYPES_ROWS]
    assert _rows(pg_url) == expected

    out = tmp_path / "snap"
    result = _snapshot("--url", pg_url, "--tables", "kinds", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "data" / "kinds.csv").read_text(encoding="utf-8")
    assert ',"",' in text  # the empty string, quoted
    assert "\n3,,,,,,,,,,,\n" in text  # NULLs, unquoted and empty
    assert base64.b64encode(b"\x00\xff\x10binary\n").decode() in text
    assert "binary columns (blob) are base64" in (out / "seed.toml").read_text()

    with contextlib.contextmanager(_fresh_database)("SEEDKIT_TEST_POSTGRES_URL") as other_pg:
        targets = [
            other_pg,
            f"sqlite:///{tmp_path / 'copy.db'}",
            f"duckdb:///{tmp_path / 'copy.duckdb'}",
        ]
        for url in targets:
            applied = CliRunner().invoke(app, ["apply", "-m", str(out / "seed.toml"), "--url", url])
            assert applied.exit_code == 0, (url, applied.output)
            assert _rows(url) == expected, url

    # DuckDB as the source: its copy snapshotted again, into SQLite.
    again = tmp_path / "again"
    duck = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    result = _snapshot("--url", duck, "--tables", "kinds", "--out", str(again))
    assert result.exit_code == 0, result.output
    copy2 = f"sqlite:///{tmp_path / 'copy2.db'}"
    applied = CliRunner().invoke(app, ["apply", "-m", str(again / "seed.toml"), "--url", copy2])
    assert applied.exit_code == 0, applied.output
    assert _rows(copy2) == expected


def _sqlite_source(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'src.db'}"
    api.apply(MANIFEST, url=url)
    return url


def test_sqlite_csv_text_keeps_null_apart_from_empty(tmp_path: Path) -> None:
    url = _sqlite_source(tmp_path)
    out = tmp_path / "snap"
    result = _snapshot("--url", url, "--tables", "sectors", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(t["table"], t["rows"], t["file"]) for t in data["tables"]] == [
        ("sectors", 4, "data/sectors.csv")
    ]
    assert (out / "data" / "sectors.csv").read_text(encoding="utf-8") == (
        "sector_id,code,name,description\n"
        '10,"0010","Information Technology","Software; hardware; semiconductors"\n'
        '20,"0020","Consumer Staples",""\n'
        '30,"0030","Consumer Discretionary",\n'
        '40,"0040","Financials","Banks, insurers\nand exchanges"\n'
    )


def test_without_parents_a_foreign_key_outside_is_left_out(tmp_path: Path) -> None:
    url = _sqlite_source(tmp_path)
    out = tmp_path / "snap"
    result = _snapshot("--url", url, "--tables", "tickers", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "left out foreign key tickers (exchange_id) -> exchanges" in result.output
    ddl = (out / "schema.sql").read_text()
    assert "REFERENCES" not in ddl
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    applied = CliRunner().invoke(app, ["apply", "-m", str(out / "seed.toml"), "--url", copy])
    assert applied.exit_code == 0, applied.output
    assert read_table(copy, MANIFEST, "tickers") == EXPECTED["tickers"]


def test_unknown_table_and_existing_output_exit_2(tmp_path: Path) -> None:
    url = _sqlite_source(tmp_path)
    result = _snapshot("--url", url, "--tables", "nope", "--out", str(tmp_path / "a"))
    assert result.exit_code == 2
    assert "no table nope in the source database" in result.output
    assert "exchanges" in result.output  # the hint lists the tables there
    out = tmp_path / "b"
    assert _snapshot("--url", url, "--tables", "sectors", "--out", str(out)).exit_code == 0
    again = _snapshot("--url", url, "--tables", "sectors", "--out", str(out))
    assert again.exit_code == 2
    assert "--force" in again.output
    forced = _snapshot("--url", url, "--tables", "sectors", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
