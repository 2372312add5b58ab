"""upsert and mirror refuse a NULL key at its row, on all four databases (issue 19, item 1).

Before, mirror compared keys with `=`, so a source row whose key was NULL was written
and then deleted again: the apply reported 3 rows and the table held 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

DDL = "CREATE TABLE t (code varchar(10) UNIQUE, v integer);\n"


def _seed(tmp_path: Path, mode: str, source: str) -> Path:
    (tmp_path / "schema.sql").write_text(DDL, encoding="utf-8")
    (tmp_path / "t.csv").write_text("code,v\nA,1\n,2\nB,3\n", encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "nk"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        f'[steps.t]\n{source}\nmode = "{mode}"\nkey = ["code"]\n',
        encoding="utf-8",
    )
    return manifest


def _rows(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("t"):
                return []
            return [tuple(r) for r in conn.exec_driver_sql("SELECT code, v FROM t ORDER BY v")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("mode", ["mirror", "upsert"])
def test_a_null_key_in_a_csv_is_refused_at_its_line_and_column(
    url: str, tmp_path: Path, mode: str
) -> None:
    manifest = _seed(tmp_path, mode, 'csv = "t.csv"')
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 1, result.output
    assert "t.csv:3:1 [steps.t.key]: key column `code` is NULL" in result.stderr
    assert "Traceback" not in result.output
    if "mysql" in url:  # the DDL committed by itself; the step's rows did not
        assert _rows(url) == []
    else:
        assert not sa.inspect(sa.create_engine(url)).has_table("t")


def test_a_null_key_in_inline_rows_is_refused_naming_the_key(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path, "mirror", 'rows = [{ code = "A", v = 1 }, { v = 2 }, { code = "B", v = 3 }]'
    )
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 1, result.output
    # the row is named by its place: line 7, column 32 is its `{`
    assert "seed.toml:7:32 [steps.t.key]: key column `code` is NULL" in result.stderr


def test_keys_without_nulls_still_mirror(url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "mirror", 'csv = "t.csv"')
    (tmp_path / "t.csv").write_text("code,v\nA,1\nC,2\nB,3\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    assert _rows(url) == [("A", 1), ("C", 2), ("B", 3)]
