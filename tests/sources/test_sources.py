"""Built-in sources: fingerprints, globs, CSV options over defaults, inline rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from example import copy_example

from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan


def fingerprints(manifest: Path) -> dict[str, str]:
    plan = build_plan(load_manifest(manifest))
    return {name: step.source.fingerprint() for name, step in plan.steps.items()}


def test_fingerprint_is_the_same_in_another_checkout(tmp_path: Path) -> None:
    first = fingerprints(copy_example(tmp_path / "a"))
    second = fingerprints(copy_example(tmp_path / "b"))
    assert first == second
    assert len(set(first.values())) == 4


def test_fingerprint_changes_with_one_byte_and_with_settings(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    before = fingerprints(manifest)
    csv = tmp_path / "data" / "market" / "exchanges.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("09:30:00", "09:31:00", 1), "utf-8")
    after = fingerprints(manifest)
    assert after["exchanges"] != before["exchanges"]
    assert {k: v for k, v in after.items() if k != "exchanges"} == {
        k: v for k, v in before.items() if k != "exchanges"
    }
    text = manifest.read_text(encoding="utf-8").replace(
        'delimiter = ";"', 'delimiter = ";", quote = "\'"'
    )
    manifest.write_text(text, encoding="utf-8")
    assert fingerprints(manifest)["tickers"] != after["tickers"]


def test_glob_loads_files_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);")
    (tmp_path / "parts" / "b.csv").write_text("id,name\n3,c\n")
    (tmp_path / "parts" / "a.csv").write_text("id,name\n1,a\n2,\n")
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "g"\nddl = ["schema.sql"]\n\n[steps.t]\ncsv = "parts/*.csv"\n'
    )
    plan = build_plan(load_manifest(tmp_path / "seed.toml"))
    step = plan.steps["t"]
    batches = list(step.source.batches(step.table))
    assert [(b.file, b.rows, b.lines) for b in batches] == [
        (str(tmp_path / "parts" / "a.csv"), [(1, "a"), (2, None)], [2, 3]),
        (str(tmp_path / "parts" / "b.csv"), [(3, "c")], [2]),
    ]
    assert step.source.count_rows() == 3


def test_csv_defaults_and_step_options_merge(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);")
    (tmp_path / "t.csv").write_text("id|name\n1|NULL\n2|'NULL'\n3|\n")
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "g"\nddl = ["schema.sql"]\n\n[defaults]\n'
        'csv = { delimiter = "|", null = ["NULL"] }\n\n'
        '[steps.t]\ncsv = { path = "t.csv", quote = "\'" }\n'
    )
    plan = build_plan(load_manifest(tmp_path / "seed.toml"))
    step = plan.steps["t"]
    rows = [row for batch in step.source.batches(step.table) for row in batch.rows]
    assert rows == [(1, None), (2, "NULL"), (3, "")]


def test_inline_rows_keep_toml_dates(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE h (day DATE PRIMARY KEY, name TEXT, at TIMESTAMP, n NUMERIC(5,2));"
    )
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "h"\nddl = ["schema.sql"]\n\n[steps.h]\n'
        'rows = [ { day = 2025-01-01, name = "New Year", at = 2025-01-01T00:00:01, n = 3 } ]\n'
    )
    plan = build_plan(load_manifest(tmp_path / "seed.toml"))
    step = plan.steps["h"]
    (batch,) = list(step.source.batches(step.table))
    from decimal import Decimal

    assert batch.columns == ("day", "name", "at", "n")
    assert batch.rows == [
        (dt.date(2025, 1, 1), "New Year", dt.datetime(2025, 1, 1, 0, 0, 1), Decimal(3))
    ]
