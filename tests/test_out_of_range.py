"""Values out of range and loose manifest values are located errors (issue 19, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

DDL = "CREATE TABLE t (id integer PRIMARY KEY, n numeric(10,2), big bigint);\n"


def _seed(tmp_path: Path, step: str, project: str = "") -> Path:
    (tmp_path / "schema.sql").write_text(DDL, encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        f'[project]\nname = "oor"\ndialect = "postgres"\nddl = ["schema.sql"]\n{project}\n'
        f"[steps.t]\n{step}\n",
        encoding="utf-8",
    )
    return manifest


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_an_integer_beyond_64_bits_is_located_on_sqlite(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, 'csv = "t.csv"')
    (tmp_path / "t.csv").write_text("id,n,big\n1,2.5,7\n2,1,99999999999999999999999\n")
    code, err = _run("apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 1
    # The CSV converter refuses it (the same words on every database).
    assert "t.csv:3:5: column `big`: '99999999999999999999999' is out of range for a 64-bit" in err
    assert "unexpected" not in err


def test_an_integer_beyond_64_bits_in_inline_rows_is_located_on_sqlite(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "rows = [{ id = 1, big = 99999999999999999999999 }]")
    code, err = _run("apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 1
    assert "seed.toml:7:9 [steps.t.rows][1]: column `big`: 99999999999999999999999 is beyond" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_toml_nan_and_inf_for_a_numeric_column_are_refused(
    url: str, tmp_path: Path, value: str
) -> None:
    manifest = _seed(tmp_path, f"rows = [{{ id = 1, n = 1.5 }}, {{ id = 2, n = {value} }}]")
    code, err = _run("apply", "-m", str(manifest), "--url", url)
    assert code == 1
    assert (
        f"seed.toml:7:30 [steps.t.rows][2]: column `n`: {value} is not a decimal number "
        "(NaN and infinity are refused)" in err
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("t"):  # MariaDB: the DDL committed by itself
                assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("project", "step", "where", "key"),
    [
        ("", 'csv = { path = "t.csv", header = "yes" }', "seed.toml:7:25", "steps.t.csv.header"),
        (
            'infer_dependencies = "no"',
            'csv = "t.csv"',
            "seed.toml:5:1",
            "project.infer_dependencies",
        ),
    ],
)
def test_booleans_are_strict(tmp_path: Path, project: str, step: str, where: str, key: str) -> None:
    manifest = _seed(tmp_path, step, project)
    (tmp_path / "t.csv").write_text("id\n1\n")
    code, err = _run("validate", "-m", str(manifest))
    assert code == 2
    assert f"{where} [{key}]: `{key}`: Input should be a valid boolean" in err


def test_a_step_depending_on_itself_is_an_error_naming_the_key(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, 'csv = "t.csv"\ndepends_on = ["t"]')
    (tmp_path / "t.csv").write_text("id\n1\n")
    code, err = _run("validate", "-m", str(manifest))
    assert code == 2
    assert "seed.toml:8:1 [steps.t.depends_on]: step `t` depends on itself" in err
