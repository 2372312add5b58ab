"""The example seed applied to SQLite, DuckDB, PostgreSQL and MariaDB gives the same rows."""

from __future__ import annotations

from pathlib import Path

from example import EXPECTED, ROOT, read_table, table_names
from typer.testing import CliRunner

from seedkit.cli import app

MANIFEST = ROOT / "manifests" / "market" / "seed.toml"


def test_example_applies_with_identical_contents(url: str) -> None:
    result = CliRunner().invoke(app, ["apply", "-m", str(MANIFEST), "--url", url])
    assert result.exit_code == 0, result.output
    assert {"exchanges", "sectors", "tickers", "rules"} <= table_names(url)
    for table, rows in EXPECTED.items():
        assert read_table(url, MANIFEST, table) == rows, table


def test_apply_json_summary_counts_rows(tmp_path: Path) -> None:
    import json

    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = CliRunner().invoke(
        app, ["apply", "-m", str(MANIFEST), "--url", url, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["atomic"] == "apply"
    assert [(s["name"], s["rows"]) for s in data["steps"]] == [
        ("data/market/schema.sql", 0),
        ("exchanges", 5),
        ("sectors", 4),
        ("tickers", 6),
        ("rules", 3),
    ]


def test_select_runs_ancestors_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = CliRunner().invoke(
        app, ["apply", "-m", str(MANIFEST), "--url", url, "--select", "+tickers"]
    )
    assert result.exit_code == 0, result.output
    assert read_table(url, MANIFEST, "tickers") == EXPECTED["tickers"]
    assert read_table(url, MANIFEST, "rules") == []


def test_plan_json_marks_declared_and_inferred_edges() -> None:
    import json

    result = CliRunner().invoke(
        app, ["plan", "-m", str(MANIFEST), "--url", "sqlite://", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [[s["name"] for s in level["steps"]] for level in data["levels"]] == [
        ["exchanges", "sectors"],
        ["tickers"],
        ["rules"],
    ]
    assert sorted((e["step"], e["depends_on"], e["kind"]) for e in data["edges"]) == [
        ("rules", "tickers", "declared"),
        ("tickers", "exchanges", "inferred"),
        ("tickers", "sectors", "inferred"),
    ]
    assert data["target"]["transpile"] == "postgres -> sqlite"
    tickers = data["levels"][1]["steps"][0]
    assert (tickers["mode"], tickers["rows"], tickers["kind"]) == ("insert", 6, "csv")


def test_plan_says_mysql_commits_per_step(mysql_url: str) -> None:
    result = CliRunner().invoke(app, ["plan", "-m", str(MANIFEST), "--url", mysql_url])
    assert result.exit_code == 0, result.output
    assert "each step is its own" in result.output
    assert "transaction" in result.output
