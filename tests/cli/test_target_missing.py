"""Reading a target that is not there creates nothing (issue 12).

`plan --url`, `status`, `graph --url` and `check --url` only read. A SQLite or DuckDB
file that does not exist is not created by looking at it: the plan says the database
does not exist yet and shows every DDL file and step as new. A PostgreSQL or MariaDB
database that does not exist is named in one line (exit 2, no traceback), and is still
not there afterwards.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedkit.cli import app

ROWS = '[steps.parts]\nrows = [{ code = "a", qty = 1 }, { code = "b", qty = 2 }]\n'


def _seed(tmp_path: Path, ddl: bool) -> Path:
    manifest = tmp_path / "seed.toml"
    head = '[project]\nname = "p"\n'
    if ddl:
        head += 'ddl = ["schema.sql"]\n'
        (tmp_path / "schema.sql").write_text(
            "CREATE TABLE parts (code VARCHAR(10) PRIMARY KEY, qty INTEGER);\n"
        )
    manifest.write_text(head + "\n" + ROWS)
    return manifest


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("ddl", [False, True], ids=["no-ddl", "ddl"])
@pytest.mark.parametrize("suffix", ["db", "duckdb"])
def test_plan_url_of_a_missing_file_leaves_no_file_and_shows_every_step_new(
    tmp_path: Path, ddl: bool, suffix: str
) -> None:
    manifest = _seed(tmp_path, ddl)
    before = _files(tmp_path)
    scheme = "sqlite" if suffix == "db" else "duckdb"
    url = f"{scheme}:///{tmp_path / f'missing.{suffix}'}"
    runner = CliRunner()
    text = runner.invoke(app, ["plan", "-m", str(manifest), "--url", url])
    assert text.exit_code == 0, text.output
    assert _files(tmp_path) == before
    assert f"{url} does not exist yet: the apply creates it" in " ".join(text.output.split())
    assert "no history table" not in text.output
    result = runner.invoke(app, ["plan", "-m", str(manifest), "--url", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert _files(tmp_path) == before
    changes = json.loads(result.stdout)["changes"]
    assert changes["database_exists"] is False
    assert changes["has_history"] is False
    expected = [("schema.sql", "ddl", "new")] if ddl else []
    expected.append(("parts", "rows", "new"))
    steps = [(c["name"].rsplit("/", 1)[-1], c["kind"], c["state"]) for c in changes["steps"]]
    assert steps == expected
    (parts,) = [c for c in changes["steps"] if c["name"] == "parts"]
    assert (parts["insert"], parts["update"], parts["delete"]) == (2, 0, 0)


def test_plan_url_of_an_existing_file_says_it_exists(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, ddl=True)
    url = f"sqlite:///{tmp_path / 'there.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["apply", "-m", str(manifest), "--url", url]).exit_code == 0
    result = runner.invoke(app, ["plan", "-m", str(manifest), "--url", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    assert changes["database_exists"] is True
    assert [c["state"] for c in changes["steps"]] == ["unchanged", "unchanged"]


@pytest.mark.parametrize("command", ["status", "graph", "check"])
def test_reading_commands_leave_no_file(tmp_path: Path, command: str) -> None:
    manifest = _seed(tmp_path, ddl=False)
    before = _files(tmp_path)
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    result = CliRunner().invoke(app, [command, "-m", str(manifest), "--url", url])
    assert _files(tmp_path) == before, result.output
    if command == "status":
        assert result.exit_code == 0, result.output
        assert "pending" in result.output


def _missing(url: str) -> tuple[str, str]:
    """`url` with a database name nobody created, and that name."""
    import sqlalchemy as sa

    name = f"seedkit_missing_{uuid.uuid4().hex[:10]}"
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False), name


def _databases(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                rows = conn.exec_driver_sql("SELECT datname FROM pg_database").fetchall()
            else:
                rows = conn.exec_driver_sql("SHOW DATABASES").fetchall()
        return {r[0] for r in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", ["pg_url", "mysql_url"])
@pytest.mark.parametrize("command", ["plan", "status"])
@pytest.mark.parametrize("ddl", [False, True], ids=["no-ddl", "ddl"])
def test_a_server_database_that_does_not_exist_is_named_and_not_created(
    tmp_path: Path, request: pytest.FixtureRequest, server: str, command: str, ddl: bool
) -> None:
    existing = str(request.getfixturevalue(server))
    url, name = _missing(existing)
    manifest = _seed(tmp_path, ddl)
    result = CliRunner().invoke(app, [command, "-m", str(manifest), "--url", url])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    # the test servers' URLs have no password to mask
    assert errors == [f"error: cannot connect to {url}: the database `{name}` does not exist"]
    assert "create it first" in result.stderr
    assert name not in _databases(existing)
