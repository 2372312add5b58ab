"""Modes on re-runs, on all four databases: plan --url counts, upsert, mirror and replace."""

from __future__ import annotations

import json
from pathlib import Path

from example import EXPECTED, copy_example, read_table
from typer.testing import CliRunner

from seedkit.cli import app


def _example(tmp_path: Path, step: str, extra: str) -> Path:
    """The example seed in tmp_path, with `extra` lines added to `[steps.<step>]`."""
    manifest = copy_example(tmp_path)
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace(f"[steps.{step}]\n", f"[steps.{step}]\n{extra}\n"), encoding="utf-8"
    )
    return manifest


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _apply(manifest: Path, url: str) -> dict:
    return json.loads(_cli("apply", "-m", str(manifest), "--url", url, "--format", "json"))


def _edit_csv(manifest: Path, old: str, new: str) -> None:
    csv = manifest.parent.parent.parent / "data" / "market" / "tickers.csv"
    text = csv.read_text(encoding="utf-8")
    assert old in text
    csv.write_text(text.replace(old, new), encoding="utf-8")


def test_upsert_plan_reports_one_update_and_apply_changes_that_row(
    url: str, tmp_path: Path
) -> None:
    manifest = _example(tmp_path, "tickers", 'mode = "upsert"')
    _apply(manifest, url)
    _edit_csv(manifest, "Microsoft Corporation", "Microsoft Corp.")

    plan = json.loads(_cli("plan", "-m", str(manifest), "--url", url, "--format", "json", "-v"))
    changes = {c["name"]: c for c in plan["changes"]["steps"]}
    tickers = changes["tickers"]
    assert (tickers["state"], tickers["insert"], tickers["update"], tickers["delete"]) == (
        "changed",
        0,
        1,
        0,
    )
    assert tickers["samples"]["update"] == ["MSFT"]
    states = {n: c["state"] for n, c in changes.items() if c["kind"] != "ddl"}
    assert states == {
        "exchanges": "unchanged",
        "sectors": "unchanged",
        "tickers": "changed",
        "rules": "unchanged",
    }
    assert [c["state"] for c in changes.values() if c["kind"] == "ddl"] == ["unchanged"]

    result = _apply(manifest, url)
    assert [(s["name"], s["status"]) for s in result["steps"][1:]] == [
        ("exchanges", "skipped"),
        ("sectors", "skipped"),
        ("tickers", "applied"),
        ("rules", "skipped"),
    ]
    expected = [
        row[:4] + ("Microsoft Corp.",) + row[5:] if row[0] == "MSFT" else row
        for row in EXPECTED["tickers"]
    ]
    assert read_table(url, manifest, "tickers") == expected
    assert read_table(url, manifest, "rules") == EXPECTED["rules"]


def test_mirror_deletes_the_row_removed_from_the_csv(url: str, tmp_path: Path) -> None:
    manifest = _example(tmp_path, "tickers", 'mode = "mirror"')
    _apply(manifest, url)
    _edit_csv(manifest, "OLDX;5;;00012345;Øld Cørp 🚀;10;0.0001;;false;delisted\n", "")

    plan = json.loads(_cli("plan", "-m", str(manifest), "--url", url, "--format", "json"))
    tickers = next(c for c in plan["changes"]["steps"] if c["name"] == "tickers")
    assert (tickers["insert"], tickers["update"], tickers["delete"]) == (0, 0, 1)
    assert tickers["samples"]["delete"] == ["OLDX"]

    _apply(manifest, url)
    expected = [row for row in EXPECTED["tickers"] if row[0] != "OLDX"]
    assert read_table(url, manifest, "tickers") == expected


def test_replace_makes_the_table_equal_the_source(url: str, tmp_path: Path) -> None:
    manifest = _example(tmp_path, "rules", 'mode = "replace"')
    _apply(manifest, url)
    text = manifest.read_text(encoding="utf-8")
    text = text.replace(
        '    { rule_id = 2, ticker_sym = "0700", kind = "lot_only", '
        "effective_at = 2025-01-02T01:30:00 },\n",
        "",
    ).replace('kind = "max_order", max_qty = "250.2500"', 'kind = "halt", max_qty = "7.5"')
    manifest.write_text(text, encoding="utf-8")

    plan = json.loads(_cli("plan", "-m", str(manifest), "--url", url, "--format", "json"))
    rules = next(c for c in plan["changes"]["steps"] if c["name"] == "rules")
    assert (rules["state"], rules["insert"], rules["delete"]) == ("changed", 2, 3)

    _apply(manifest, url)
    first, _, third = EXPECTED["rules"]
    halted = (3, "NESN", "halt", EXPECTED["rules"][0][3].__class__("7.5000"), third[4])
    assert read_table(url, manifest, "rules") == [first, halted]


FX_DDL = """
CREATE TABLE fx_rates (
    day  DATE        NOT NULL,
    ccy  VARCHAR(3)  NOT NULL,
    fixed_at TIMESTAMP NOT NULL,
    rate NUMERIC(12, 6) NOT NULL,
    PRIMARY KEY (day, ccy, fixed_at)
);
"""
FX_ROWS = """day,ccy,fixed_at,rate
2025-01-02,EUR,2025-01-02 16:00:00.5,1.035
2025-01-02,CHF,2025-01-02 16:00:00.5,0.905
2025-01-03,EUR,2025-01-03 16:00:00,1.030
"""


def test_mirror_deletes_by_typed_composite_keys(url: str, tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(FX_DDL)
    (tmp_path / "fx.csv").write_text(FX_ROWS)
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "fx"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.fx_rates]\ncsv = "fx.csv"\nmode = "mirror"\n'
    )
    _apply(manifest, url)
    (tmp_path / "fx.csv").write_text(
        FX_ROWS.replace("2025-01-02,CHF,2025-01-02 16:00:00.5,0.905\n", "")
    )
    plan = json.loads(_cli("plan", "-m", str(manifest), "--url", url, "--format", "json"))
    fx = next(c for c in plan["changes"]["steps"] if c["name"] == "fx_rates")
    assert (fx["insert"], fx["update"], fx["delete"]) == (0, 0, 1)
    _apply(manifest, url)
    rows = read_table(url, manifest, "fx_rates")
    assert [(str(r[0]), r[1]) for r in rows] == [("2025-01-02", "EUR"), ("2025-01-03", "EUR")]
