"""The CLI boundary: URL precedence, --debug, python -m seedkit, JSON output, no-DDL seeds."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from example import ROOT, copy_example
from typer.testing import CliRunner

from seedkit.cli import app

MANIFEST = ROOT / "manifests" / "market" / "seed.toml"


def test_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MARKET_DATABASE_URL", f"sqlite:///{tmp_path / 'from_manifest.db'}")
    monkeypatch.setenv("SEEDKIT_URL", f"sqlite:///{tmp_path / 'from_env.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["apply", "-m", str(manifest)]).exit_code == 0
    assert (tmp_path / "from_env.db").exists()
    assert not (tmp_path / "from_manifest.db").exists()
    flag = f"sqlite:///{tmp_path / 'from_flag.db'}"
    assert runner.invoke(app, ["apply", "-m", str(manifest), "--url", flag]).exit_code == 0
    assert (tmp_path / "from_flag.db").exists()
    monkeypatch.delenv("SEEDKIT_URL")
    assert runner.invoke(app, ["apply", "-m", str(manifest)]).exit_code == 0
    assert (tmp_path / "from_manifest.db").exists()


def test_default_url_is_project_name_in_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "tiny"\nddl = ["s.sql"]\n\n[steps.t]\nrows = [{ id = 1 }]\n'
    )
    (tmp_path / "s.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEEDKIT_URL", raising=False)
    result = CliRunner().invoke(app, ["apply"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "tiny.db") as conn:
        assert conn.execute("SELECT id FROM t").fetchall() == [(1,)]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "seed.toml"
    bad.write_text("[project\n")
    quiet = subprocess.run(
        [sys.executable, "-m", "seedkit", "validate", "-m", str(bad)],
        capture_output=True,
        text=True,
    )
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    assert f"error: {bad}:1:9: invalid TOML" in quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-m", "seedkit", "validate", "-m", str(bad), "--debug"],
        capture_output=True,
        text=True,
    )
    assert loud.returncode != 0
    assert "Traceback" in loud.stderr and "ManifestError" in loud.stderr


def test_validate_json() -> None:
    result = CliRunner().invoke(app, ["validate", "-m", str(MANIFEST), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "steps": 4, "levels": 3}


def test_plan_text_masks_password(pg_url: str) -> None:
    import sqlalchemy as sa

    # The test server trusts local connections, so any password is accepted.
    url = sa.make_url(pg_url).set(password="hunter2").render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["plan", "-m", str(MANIFEST), "--url", url])
    assert result.exit_code == 0, result.output
    assert ":***@127.0.0.1" in result.output
    assert "hunter2" not in result.output
    assert "needs exchanges (inferred)" in result.output
    assert "needs tickers (declared)" in result.output


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgres"])
def test_without_ddl_types_come_from_the_target(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """No DDL in the manifest: the target's tables are reflected and CSV text typed by them."""
    import sqlalchemy as sa

    url = {
        "sqlite": f"sqlite:///{tmp_path / 't.db'}",
        "duckdb": f"duckdb:///{tmp_path / 't.duckdb'}",
    }.get(kind) or request.getfixturevalue("pg_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE parts (code VARCHAR(10) PRIMARY KEY, qty INTEGER, ok BOOLEAN, note TEXT)"
        )
    (tmp_path / "parts.csv").write_text('code,qty,ok,note\n00123,7,true,""\n00124,,false,\n')
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "p"\n\n[steps.parts]\ncsv = "parts.csv"\n'
    )
    result = CliRunner().invoke(app, ["apply", "-m", str(tmp_path / "seed.toml"), "--url", url])
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT code, qty, ok, note FROM parts ORDER BY code").all()
    engine.dispose()
    assert [(r[0], r[1], bool(r[2]), r[3]) for r in rows] == [
        ("00123", 7, True, ""),
        ("00124", None, False, None),
    ]


def test_upsert_without_ddl_takes_the_key_from_the_target(tmp_path: Path) -> None:
    """No DDL: the primary key reflected from the target is the upsert key."""
    db = tmp_path / "u.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE parts (code VARCHAR(10) PRIMARY KEY, qty INTEGER)")
        conn.execute("INSERT INTO parts VALUES ('a', 1), ('b', 2)")
    conn.close()
    (tmp_path / "parts.csv").write_text("code,qty\nb,20\nc,3\n")
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "u"\n\n[steps.parts]\ncsv = "parts.csv"\nmode = "upsert"\n'
    )
    result = CliRunner().invoke(
        app, ["apply", "-m", str(tmp_path / "seed.toml"), "--url", f"sqlite:///{db}"]
    )
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT code, qty FROM parts ORDER BY code").fetchall()
    assert rows == [("a", 1), ("b", 20), ("c", 3)]


def test_upsert_on_a_table_without_key_is_a_located_error(tmp_path: Path) -> None:
    db = tmp_path / "u.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE parts (code VARCHAR(10), qty INTEGER)")
    conn.close()
    (tmp_path / "parts.csv").write_text("code,qty\nb,20\n")
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "u"\n\n[steps.parts]\ncsv = "parts.csv"\nmode = "upsert"\n'
    )
    result = CliRunner().invoke(
        app, ["apply", "-m", str(tmp_path / "seed.toml"), "--url", f"sqlite:///{db}"]
    )
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'seed.toml'}:6:1 [steps.parts.mode]" in result.stderr
    assert "needs a key" in result.stderr


def test_plain_progress_does_not_call_a_rolled_back_step_applied(tmp_path: Path) -> None:
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "tiny"\nddl = ["s.sql"]\n\n'
        "[steps.a]\nrows = [{ id = 1 }]\n\n"
        '[steps.b]\nrows = [{ id = "x" }]\ndepends_on = ["a"]\n'
    )
    (tmp_path / "s.sql").write_text(
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE b (id INTEGER PRIMARY KEY);\n"
    )
    db = tmp_path / "t.db"
    result = CliRunner().invoke(  # wide: a long tmp_path is not cut inside a word
        app,
        ["apply", "-m", str(tmp_path / "seed.toml"), "--url", f"sqlite:///{db}"],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code != 0
    output = " ".join(result.output.split())  # unwrapped
    assert re.match(r"ran \S*s\.sql \(ddl\): 0 rows .* ran a \(rows\): 1 row ", output), output
    assert "applied" not in output and "seed.toml:9:9 [steps.b.rows][1]: column `id`: " in output
    with sqlite3.connect(db) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == []


def test_the_console_script_flushes_its_output_and_keeps_exit_codes(tmp_path: Path) -> None:
    # main() leaves without the interpreter's teardown: output and codes must survive it.
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "seedkit", *args], capture_output=True, text=True
        )

    plan = run("plan", "-m", str(MANIFEST), "--format", "json")
    assert plan.returncode == 0, plan.stderr
    levels = json.loads(plan.stdout)["levels"]  # the whole document, the last level too
    assert [s["name"] for s in levels[0]["steps"]] == ["exchanges", "sectors"]
    assert len(levels) == 3
    missing = run("validate", "-m", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert "no manifest at" in missing.stderr and "Traceback" not in missing.stderr
    db = tmp_path / "t.db"
    applied = run("apply", "-m", str(MANIFEST), "--url", f"sqlite:///{db}")
    assert applied.returncode == 0, applied.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM exchanges").fetchone() == (5,)
