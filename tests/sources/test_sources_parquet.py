"""Parquet sources (read with DuckDB): the market example's exchanges and tickers from
Parquet files with their own types give the same rows as CSV on four databases; a bad
value is located by row group and row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from example import EXPECTED, copy_example, read_table
from test_sources_json import COLUMNS, assert_market, market_with
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app
from seedkit.errors import DataError

TYPES = {
    "exchanges": [
        "INTEGER",
        "VARCHAR",
        "VARCHAR",
        "VARCHAR",
        "TIME",
        "TIME",
        "VARCHAR",
    ],
    # lot_size as text: a text column feeding an integer column is read like CSV text.
    "tickers": [
        "VARCHAR",
        "BIGINT",
        "INTEGER",
        "VARCHAR",
        "VARCHAR",
        "VARCHAR",
        "DECIMAL(12, 4)",
        "DATE",
        "BOOLEAN",
        "VARCHAR",
    ],
}


def write_parquet(data: Path, table: str) -> None:
    """The expected rows in a Parquet file whose columns have the types above."""
    con = duckdb.connect()
    columns = ", ".join(
        f'"{name}" {kind}' for name, kind in zip(COLUMNS[table], TYPES[table], strict=True)
    )
    con.execute(f"CREATE TABLE t ({columns})")
    rows = [
        tuple(
            str(v) if kind == "VARCHAR" and isinstance(v, int) else v
            for v, kind in zip(row, TYPES[table], strict=True)
        )
        for row in EXPECTED[table]
    ]
    marks = ", ".join("?" for _ in COLUMNS[table])
    con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    con.execute(f"COPY t TO '{data / (table + '.parquet')}' (FORMAT parquet)")
    con.close()


def test_parquet_loads_the_same_rows_as_csv(url: str, tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "parquet", write_parquet)
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    assert_market(url, manifest)


def test_parquet_plan_counts_rows_from_metadata(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "parquet", write_parquet)
    plan = api.validate(manifest)
    assert plan.steps["tickers"].source.count_rows() == 6
    assert plan.steps["tickers"].source.columns(None) == COLUMNS["tickers"]


def many_tickers(tmp_path: Path, bad_row: int | None) -> Path:
    """The market example whose tickers are 5,000 generated rows in row groups of 2,048."""
    manifest = copy_example(tmp_path)
    path = tmp_path / "data" / "market" / "many.parquet"
    con = duckdb.connect()
    lot = f"CASE WHEN i = {bad_row} THEN 'ten' ELSE '1' END" if bad_row is not None else "'1'"
    con.execute(
        "COPY (SELECT 'T' || lpad(i::VARCHAR, 5, '0') AS ticker_sym, 1 AS exchange_id, "
        f"'n' || i AS name, {lot} AS lot_size, 0.01::DECIMAL(12, 4) AS tick_size, "
        "i % 2 = 0 AS is_active FROM range(5000) r(i)) "
        f"TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)"
    )
    groups = con.execute(
        "SELECT row_group_id, max(row_group_num_rows) FROM parquet_metadata(?) "
        "GROUP BY 1 ORDER BY 1",
        [str(path)],
    ).fetchall()
    con.close()
    assert groups == [(0, 2048), (1, 2048), (2, 904)]  # the precondition of the locations below
    text = manifest.read_text(encoding="utf-8").replace(
        'csv = { path = "../../data/market/tickers.csv", delimiter = ";" }',
        'source = { kind = "parquet", path = "../../data/market/many.parquet" }',
    )
    text = text.split("[steps.rules]")[0]
    manifest.write_text(text, encoding="utf-8")
    return manifest


@pytest.mark.slow
def test_parquet_streams_several_row_groups(tmp_path: Path) -> None:
    manifest = many_tickers(tmp_path, None)
    result = api.apply(manifest, url=f"duckdb:///{tmp_path / 'p.duckdb'}")
    assert [(s.name, s.rows) for s in result.steps][1:] == [
        ("exchanges", 5),
        ("sectors", 4),
        ("tickers", 5000),
    ]


def test_parquet_bad_value_is_located_by_row_group_and_row(tmp_path: Path) -> None:
    manifest = many_tickers(tmp_path, 4500)
    with pytest.raises(DataError) as caught:
        api.apply(manifest, url=f"sqlite:///{tmp_path / 'p.db'}")
    error = caught.value
    assert error.location is not None and error.location.file is not None
    assert error.location.file.endswith("many.parquet")
    assert error.location.key == "row group 2, row 404 (file row 4500)"
    assert error.message == "column `lot_size`: 'ten' is not an integer"
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'q.db'}"]
    )
    assert result.exit_code == 1
    assert "many.parquet [row group 2, row 404 (file row 4500)]" in " ".join(result.output.split())


def test_parquet_column_that_is_no_column_of_the_table(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    path = tmp_path / "data" / "market" / "x.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS exchange_id, 'XNAS' AS mic_code) TO '{path}' (FORMAT parquet)")
    con.close()
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            'csv = "../../data/market/exchanges.csv"',
            'source = { kind = "parquet", path = "../../data/market/x.parquet" }',
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.location is not None and caught.value.location.key == "mic_code"
    assert caught.value.message == "the file's column `mic_code` names no column of table exchanges"


def test_not_a_parquet_file_is_a_located_error(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "parquet", write_parquet)
    (tmp_path / "data" / "market" / "tickers.parquet").write_text("ticker_sym\nAAPL\n")
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.location is not None and caught.value.location.file is not None
    assert caught.value.location.file.endswith("tickers.parquet")
    assert caught.value.message.startswith("cannot read Parquet: ")


def rules_from_parquet(tmp_path: Path, stamp_type: str, stamp: str) -> Path:
    """The market example whose rules come from a one-row Parquet file."""
    manifest = copy_example(tmp_path)
    path = tmp_path / "data" / "market" / "rules.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"COPY (SELECT 1 AS rule_id, 'AAPL' AS ticker_sym, 'max_order' AS kind, "
        f"'{stamp}'::{stamp_type} AS effective_at) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    text = manifest.read_text(encoding="utf-8").split("[steps.rules]")[0]
    text += (
        '[steps.rules]\ndepends_on = ["tickers"]\n'
        'source = { kind = "parquet", path = "../../data/market/rules.parquet" }\n'
    )
    manifest.write_text(text, encoding="utf-8")
    return manifest


def test_parquet_timestamps_keep_their_meaning(tmp_path: Path) -> None:
    manifest = rules_from_parquet(tmp_path / "a", "TIMESTAMP", "2025-01-02 09:30:00")
    target = f"sqlite:///{tmp_path / 'r.db'}"
    api.apply(manifest, url=target)
    assert [r[4] for r in read_table(target, manifest, "rules")] == [dt.datetime(2025, 1, 2, 9, 30)]
    # A zoned timestamp for a column without zone is an error, as it is in CSV.
    manifest = rules_from_parquet(tmp_path / "b", "TIMESTAMPTZ", "2025-01-02 09:30:00+02")
    with pytest.raises(DataError) as caught:
        api.apply(manifest, url=f"sqlite:///{tmp_path / 's.db'}")
    assert caught.value.message == (
        "column `effective_at`: 2025-01-02 07:30:00+00:00 has a time zone, "
        "but the column holds a timestamp without one"
    )
    assert caught.value.location is not None
    assert caught.value.location.key == "row group 0, row 0 (file row 0)"
