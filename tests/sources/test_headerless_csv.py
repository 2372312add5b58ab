"""`header = false`: every record fills the table's columns in order (issue 19, item 8).

Before, the columns were named column1…N and then refused as unknown columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

DDL = "CREATE TABLE t (id integer PRIMARY KEY, v varchar(5), d date);\n"


def _seed(tmp_path: Path, csv: str, ddl: str | None = DDL) -> Path:
    if ddl is not None:
        (tmp_path / "schema.sql").write_text(ddl, encoding="utf-8")
    (tmp_path / "t.csv").write_text(csv, encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "hl"\n'
        + ('ddl = ["schema.sql"]\n' if ddl is not None else "")
        + '\n[steps.t]\ncsv = { path = "t.csv", header = false }\n',
        encoding="utf-8",
    )
    return manifest


def test_header_false_loads_fields_in_the_tables_column_order(url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, '1,a,2025-01-01\n2,,2025-01-02\n3,"",\n')
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, v, d FROM t ORDER BY id").fetchall()
    finally:
        engine.dispose()
    days = [
        r[2] if r[2] is None or isinstance(r[2], dt.date) else dt.date.fromisoformat(r[2])
        for r in rows
    ]
    assert [(r[0], r[1]) for r in rows] == [(1, "a"), (2, None), (3, "")]
    assert days == [dt.date(2025, 1, 1), dt.date(2025, 1, 2), None]


def test_header_false_checks_each_records_width_against_the_table(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "1,a\n")
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 1
    assert "t.csv:1: row has 2 fields, the table has 3 columns (header = false" in result.stderr


def test_header_false_without_a_known_table_says_why(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "1,a\n", ddl=None)
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
    assert "seed.toml:5:25 [steps.t.csv.header]: with header = false" in result.stderr
    assert "Traceback" not in result.output
