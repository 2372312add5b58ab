"""reset and --fresh drop what is there, never create a database, and a failed apply leaves
no trace: no new file, no moved sequence (issue 19, item 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app


def _seed(tmp_path: Path, ddl: str, step: str, csv: str = "id\n1\n2\n") -> Path:
    (tmp_path / "schema.sql").write_text(ddl, encoding="utf-8")
    (tmp_path / "t.csv").write_text(csv, encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "rf"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n' + step,
        encoding="utf-8",
    )
    return manifest


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_create_schema_if_not_exists_public_does_not_break_reset(
    pg_url: str, tmp_path: Path
) -> None:
    ddl = "CREATE SCHEMA IF NOT EXISTS public;\nCREATE TABLE public.t (id integer PRIMARY KEY);\n"
    manifest = str(_seed(tmp_path, ddl, '[steps.t]\ncsv = "t.csv"\n'))
    _run("apply", "-m", manifest, "--url", pg_url)
    fresh = json.loads(
        _run("apply", "-m", manifest, "--url", pg_url, "--fresh", "--yes", "--format", "json")
    )
    assert fresh["dropped"] == ["table public.t"]
    reset = json.loads(_run("reset", "-m", manifest, "--url", pg_url, "--yes", "--format", "json"))
    assert reset["dropped"] == ["table public.t"]
    assert any("schema public, which may predate the seed" in x for x in reset["left"])
    assert _tables(pg_url) == []
    _run("apply", "-m", manifest, "--url", pg_url)
    assert _tables(pg_url) == ["seedkit_history", "t"]


def test_fresh_after_a_rename_drops_the_renamed_table(url: str, tmp_path: Path) -> None:
    ddl = (
        "CREATE TABLE a (id integer PRIMARY KEY);\nALTER TABLE a RENAME TO b;\n"
        "CREATE TABLE c (id integer PRIMARY KEY);\n"
    )
    manifest = str(_seed(tmp_path, ddl, '[steps.c]\ncsv = "t.csv"\n'))
    _run("apply", "-m", manifest, "--url", url)
    assert _tables(url) == ["b", "c", "seedkit_history"]
    fresh = json.loads(
        _run("apply", "-m", manifest, "--url", url, "--fresh", "--yes", "--format", "json")
    )
    assert fresh["dropped"] == ["table c", "table b"]
    assert _tables(url) == ["b", "c", "seedkit_history"]
    reset = json.loads(_run("reset", "-m", manifest, "--url", url, "--yes", "--format", "json"))
    assert reset["dropped"] == ["table c", "table b"]
    assert _tables(url) == []


@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_reset_of_a_missing_file_does_not_create_it(tmp_path: Path, scheme: str) -> None:
    manifest = str(_seed(tmp_path, "CREATE TABLE t (id integer);\n", '[steps.t]\ncsv = "t.csv"\n'))
    path = tmp_path / "missing.db"
    out = json.loads(
        _run("reset", "-m", manifest, "--url", f"{scheme}:///{path}", "--yes", "--format", "json")
    )
    assert out["dropped"] == [] and out["history_rows"] == 0
    assert not path.exists()


@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_a_failed_apply_to_a_new_file_leaves_no_file(tmp_path: Path, scheme: str) -> None:
    manifest = str(
        _seed(
            tmp_path,
            "CREATE TABLE t (id integer PRIMARY KEY);\n",
            '[steps.t]\ncsv = "t.csv"\n',
            "id\n1\n1\n",
        )
    )
    path = tmp_path / "new.db"
    _run("apply", "-m", manifest, "--url", f"{scheme}:///{path}", code=1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("new")) == []


def test_a_failed_apply_does_not_move_a_sequence(pg_url: str, tmp_path: Path) -> None:
    ddl = (
        "CREATE TABLE t (id serial PRIMARY KEY, v integer);\n"
        "CREATE TABLE u (id integer PRIMARY KEY, t_id integer NOT NULL REFERENCES t (id));\n"
    )
    (tmp_path / "u.csv").write_text("id,t_id\n1,1\n2,99\n", encoding="utf-8")
    step = '[steps.t]\ncsv = "t.csv"\n\n[steps.u]\ncsv = "u.csv"\n'
    manifest = _seed(tmp_path, ddl, step, "id,v\n1,10\n500,20\n")
    text = manifest.read_text(encoding="utf-8").replace('ddl = ["schema.sql"]\n', "")
    manifest.write_text(text, encoding="utf-8")  # no DDL: the tables are the target's
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:  # the tables exist before, the sequence untouched
            for statement in ddl.split(";\n")[:2]:
                conn.exec_driver_sql(statement)
        out = _run("apply", "-m", str(manifest), "--url", pg_url, code=1)
        assert "ran t (csv): 2 rows" in out  # then u fails
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            assert conn.exec_driver_sql("SELECT nextval('t_id_seq')").scalar() == 1
    finally:
        engine.dispose()
