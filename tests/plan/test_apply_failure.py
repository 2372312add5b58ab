"""A failed apply says exactly what happened: "nothing was applied" only where that is true
(PostgreSQL, SQLite, DuckDB: one transaction); on MariaDB the hint names what was committed
and what the next apply will do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

pytestmark = pytest.mark.usefixtures("keep_cwd")


def _seed(folder: Path, step_sql: str, ddl: str | None = None) -> Path:
    (folder / "schema.sql").write_text(
        ddl
        or "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
        encoding="utf-8",
    )
    (folder / "a.csv").write_text("id\n1\n2\n", encoding="utf-8")
    (folder / "b.sql").write_text(step_sql, encoding="utf-8")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "f"\nddl = ["schema.sql"]\n\n[steps.a]\ncsv = "a.csv"\n\n'
        '[steps.b]\ntable = "t"\nsql = "b.sql"\ndepends_on = ["a"]\n',
        encoding="utf-8",
    )
    return manifest


def _apply(manifest: Path, url: str) -> tuple[int, str]:
    os.chdir(manifest.parent)  # files are shown relative to the working folder
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, " ".join(result.output.split())


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def keep_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_apply` changes the working folder; put it back after the test."""
    monkeypatch.chdir(os.getcwd())


BAD_STEP = "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n"


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgres"])
def test_nothing_was_applied_is_said_where_true(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = {
        "sqlite": f"sqlite:///{tmp_path / 't.db'}",
        "duckdb": f"duckdb:///{tmp_path / 't.duckdb'}",
    }.get(kind) or str(request.getfixturevalue("pg_url"))
    code, out = _apply(_seed(tmp_path, BAD_STEP), url)
    assert code == 1, out
    assert "b.sql:2:1:" in out, out
    assert "hint: fix the statement; nothing was applied" in out, out
    assert _tables(url) == []


def test_mariadb_names_what_was_committed_and_what_comes_next(
    mysql_url: str, tmp_path: Path
) -> None:
    manifest = _seed(tmp_path, "CREATE TABLE extra (x INTEGER);\n" + BAD_STEP)
    code, out = _apply(manifest, mysql_url)
    assert code == 1, out
    assert "b.sql:3:1: Duplicate entry '1' for key 'PRIMARY' (1062)" in out, out
    assert (
        "hint: fix the statement; MySQL commits each DDL file and step: committed and "
        "recorded: DDL schema.sql, step a; of step b, what ran up to "
    ) in out, out
    assert "b.sql:1:1 stays (MySQL commits at each CREATE, ALTER or DROP); the rest was " in out
    assert "the next apply skips what was recorded and runs b again from its start" in out
    assert "nothing was applied" not in out
    assert _tables(mysql_url) == ["a", "extra", "seedkit_history", "t"]


def test_mariadb_failure_in_the_first_ddl_file(mysql_url: str, tmp_path: Path) -> None:
    ddl = "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE a (id INTEGER);\n"
    code, out = _apply(_seed(tmp_path, BAD_STEP, ddl), mysql_url)
    assert code == 1, out
    assert "schema.sql:2:1: Table 'a' already exists (1050)" in out, out
    assert (
        "no earlier DDL file or step was committed; of DDL file schema.sql, what ran up to "
    ) in out, out
    assert "nothing was applied" not in out


def test_mariadb_row_step_failure_says_the_step_was_rolled_back(
    mysql_url: str, tmp_path: Path
) -> None:
    manifest = _seed(tmp_path, "INSERT INTO t VALUES (1);\n")
    (tmp_path / "a.csv").write_text("id\n1\n1\n", encoding="utf-8")
    code, out = _apply(manifest, mysql_url)
    assert code == 1, out
    assert "a.csv:3" in out, out
    assert "MySQL commits each DDL file and step: committed and recorded: DDL schema.sql; " in out
    assert "step a was rolled back; the next apply skips what was recorded and runs a again" in out
    assert "nothing was applied" not in out
