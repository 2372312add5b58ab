"""History and re-run rules: skip what is unchanged, stop on a changed DDL, atomic failures."""

from __future__ import annotations

import json
from pathlib import Path

from example import EXPECTED, ROOT, copy_example, read_table
from typer.testing import CliRunner

from seedkit.adapters import open_adapter
from seedkit.cli import app
from seedkit.history import SCHEMA_VERSION, HistoryRow, read_history

MANIFEST = ROOT / "manifests" / "market" / "seed.toml"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _history(url: str, table: str = "seedkit_history") -> list[HistoryRow]:
    target = open_adapter(url)
    try:
        return read_history(target, table, "market")
    finally:
        target.dispose()


def _all_rows(url: str, manifest: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: read_table(url, manifest, table) for table in EXPECTED}


def test_second_apply_skips_every_step_and_says_so(url: str) -> None:
    code, _ = _invoke("apply", "-m", str(MANIFEST), "--url", url)
    assert code == 0
    first = _history(url)
    assert [(r.kind, r.name, r.rows) for r in first] == [
        ("ddl", "../../data/market/schema.sql", 0),
        ("step", "exchanges", 5),
        ("step", "sectors", 4),
        ("step", "tickers", 6),
        ("step", "rules", 3),
    ]
    code, out = _invoke("apply", "-m", str(MANIFEST), "--url", url)
    assert code == 0, out
    assert "nothing to do: every step is unchanged" in out
    assert out.count("skipped") >= 5
    code, out = _invoke("apply", "-m", str(MANIFEST), "--url", url, "--format", "json")
    data = json.loads(out[out.index("{") :])
    assert [(s["name"].split("/")[-1], s["status"], s["rows"]) for s in data["steps"]] == [
        ("schema.sql", "skipped", 0),
        ("exchanges", "skipped", 0),
        ("sectors", "skipped", 0),
        ("tickers", "skipped", 0),
        ("rules", "skipped", 0),
    ]
    assert _all_rows(url, MANIFEST) == EXPECTED
    assert _history(url) == first  # skipped steps are not re-recorded


def test_history_table_name_is_configurable_and_carries_its_version(tmp_path: Path) -> None:
    import sqlite3

    manifest = copy_example(tmp_path)
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace('name = "market"\n', 'name = "market"\nhistory_table = "seed_log"\n')
    )
    db = tmp_path / "m.db"
    code, out = _invoke("apply", "-m", str(manifest), "--url", f"sqlite:///{db}")
    assert code == 0, out
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute(
            "SELECT project, fingerprint FROM seed_log WHERE kind = 'schema'"
        ).fetchall()
    assert "seed_log" in tables and "seedkit_history" not in tables
    assert version == [("", str(SCHEMA_VERSION))]
    assert len(_history(f"sqlite:///{db}", "seed_log")) == 5


def test_a_newer_history_format_is_refused(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "m.db"
    assert _invoke("apply", "-m", str(MANIFEST), "--url", f"sqlite:///{db}")[0] == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE seedkit_history SET fingerprint = '99' WHERE kind = 'schema'")
    code, out = _invoke("apply", "-m", str(MANIFEST), "--url", f"sqlite:///{db}")
    assert code == 2
    assert "has format 99, newer than this seedkit" in out


def test_changed_ddl_stops_the_apply_naming_the_file(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert _invoke("apply", "-m", str(manifest), "--url", url)[0] == 0
    schema = tmp_path / "data" / "market" / "schema.sql"
    schema.write_text(schema.read_text() + "\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n")
    csv = tmp_path / "data" / "market" / "exchanges.csv"
    csv.write_text(csv.read_text() + "6,XPAR,Euronext Paris,Paris,09:00:00,17:30:00,Europe/Paris\n")
    code, out = _invoke("apply", "-m", str(manifest), "--url", url)
    assert code == 1
    assert "schema.sql" in out and "this DDL file changed since it was applied" in out
    assert "seedkit reset" in out and "apply --fresh" in out
    assert read_table(url, manifest, "exchanges") == EXPECTED["exchanges"]  # nothing ran
    code, out = _invoke("apply", "-m", str(manifest), "--url", url, "--fresh", "--yes")
    assert code == 0, out
    assert len(read_table(url, manifest, "exchanges")) == 6


def test_changed_insert_step_says_how_to_rerun_it(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert _invoke("apply", "-m", str(manifest), "--url", url)[0] == 0
    csv = tmp_path / "data" / "market" / "exchanges.csv"
    csv.write_text(csv.read_text().replace("New York Stock Exchange", "NYSE"))
    code, out = _invoke("apply", "-m", str(manifest), "--url", url)
    assert code == 1
    assert "exchanges.csv:2" in out
    assert "changed since it was applied, and runs again in insert mode" in out


def test_force_runs_unchanged_steps_again(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("[steps.tickers]\n", '[steps.tickers]\nmode = "upsert"\n'))
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert _invoke("apply", "-m", str(manifest), "--url", url)[0] == 0
    code, out = _invoke(
        "apply", "-m", str(manifest), "--url", url, "--force", "-s", "tickers", "--format", "json"
    )
    assert code == 0, out
    data = json.loads(out[out.index("{") :])
    assert [(s["name"], s["status"], s["rows"]) for s in data["steps"][1:]] == [
        ("tickers", "applied", 6)
    ]
    assert read_table(url, manifest, "tickers") == EXPECTED["tickers"]


def test_postgres_failure_in_last_step_leaves_tables_and_history_as_before(
    pg_url: str, tmp_path: Path
) -> None:
    manifest = copy_example(tmp_path)
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("[steps.tickers]\n", '[steps.tickers]\nmode = "upsert"\n')
    manifest.write_text(text.replace("[steps.rules]\n", '[steps.rules]\nmode = "upsert"\n'))
    assert _invoke("apply", "-m", str(manifest), "--url", pg_url)[0] == 0
    before = _history(pg_url)
    csv = tmp_path / "data" / "market" / "tickers.csv"
    csv.write_text(csv.read_text().replace("Apple Inc.", "Apple"))  # tickers would change
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('ticker_sym = "NESN"', 'ticker_sym = "ZZZZ"'))  # rules fail
    code, out = _invoke("apply", "-m", str(manifest), "--url", pg_url)
    assert code == 1
    assert "rules_ticker_fk" in out
    assert _all_rows(pg_url, manifest) == EXPECTED
    assert _history(pg_url) == before


def test_mariadb_failure_in_third_step_keeps_the_first_two_and_resumes(
    mysql_url: str, tmp_path: Path
) -> None:
    manifest = copy_example(tmp_path)
    csv = tmp_path / "data" / "market" / "tickers.csv"
    good = csv.read_text()
    csv.write_text(good.replace("AAPL;1;10;", "AAPL;99;10;"))  # no exchange 99
    code, out = _invoke("apply", "-m", str(manifest), "--url", mysql_url)
    assert code == 1
    assert "tickers.csv:2" in out
    assert [(r.kind, r.name) for r in _history(mysql_url)] == [
        ("ddl", "../../data/market/schema.sql"),
        ("step", "exchanges"),
        ("step", "sectors"),
    ]
    assert read_table(mysql_url, manifest, "tickers") == []
    csv.write_text(good)
    code, out = _invoke("apply", "-m", str(manifest), "--url", mysql_url, "--format", "json")
    assert code == 0, out
    data = json.loads(out[out.index("{") :])
    assert [(s["name"].split("/")[-1], s["status"]) for s in data["steps"]] == [
        ("schema.sql", "skipped"),
        ("exchanges", "skipped"),
        ("sectors", "skipped"),
        ("tickers", "applied"),
        ("rules", "applied"),
    ]
    assert _all_rows(mysql_url, manifest) == EXPECTED


def test_a_history_table_left_empty_by_a_killed_apply_is_taken_up(url: str) -> None:
    # MariaDB's CREATE TABLE commits by itself: an apply killed before the format row
    # committed leaves seedkit's table empty (the kill test met it). The next apply must
    # take the table up, not call it someone else's.
    import sqlalchemy as sa

    code, out = _invoke("apply", "-m", str(MANIFEST), "--url", url)
    assert code == 0, out
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for table in ("rules", "tickers", "sectors", "exchanges"):
                conn.exec_driver_sql(f"DROP TABLE {table}")
            conn.exec_driver_sql("DELETE FROM seedkit_history")
    finally:
        engine.dispose()
    code, out = _invoke("apply", "-m", str(MANIFEST), "--url", url)
    assert code == 0, out
    assert _all_rows(url, MANIFEST) == EXPECTED
    assert [(r.kind, r.name) for r in _history(url)][1:] == [
        ("step", "exchanges"),
        ("step", "sectors"),
        ("step", "tickers"),
        ("step", "rules"),
    ]
    target = open_adapter(url)
    try:
        with target.engine.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT fingerprint FROM seedkit_history WHERE kind = 'schema'"
            ).scalar()
    finally:
        target.dispose()
    assert version == str(SCHEMA_VERSION)
