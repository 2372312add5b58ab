"""A SQL file's statements reach the database exactly as written: no driver placeholder
processing (`%`, `%%`, `%(name)s`, `?`, `:name`, `$1` are text), on every database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

#: Text a driver would read as placeholders if it were given parameters.
TRICKY = ["100%", "%%", "%(name)s", "%s", "?", ":name", "$1", "50% off; -- not a comment"]


def _seed(
    folder: Path, data: str, ddl: str = "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);"
) -> Path:
    (folder / "schema.sql").write_text(ddl, encoding="utf-8")
    (folder / "data.sql").write_text(data, encoding="utf-8")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "w"\nddl = ["schema.sql"]\n\n[steps.t]\nsql = "data.sql"\n',
        encoding="utf-8",
    )
    return manifest


def _apply(manifest: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, result.output


def test_percent_question_mark_and_colon_are_stored_as_written(url: str, tmp_path: Path) -> None:
    values = ", ".join(f"({i}, '{v}')" for i, v in enumerate(TRICKY, 1))
    data = (
        "-- 100% of %s, %(name)s and ? in a comment\n"
        "/* :name and $1 and %% in a block comment */\n"
        f"INSERT INTO t VALUES {values};\n"
        "INSERT INTO t (id, s) SELECT 100, '%x%';\n"
        "DELETE FROM t WHERE s LIKE 'zz%' OR s = '?';\n"
    )
    code, out = _apply(_seed(tmp_path, data), url)
    assert code == 0, out
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, s FROM t ORDER BY id")).fetchall()
    finally:
        engine.dispose()
    expected = [(i, v) for i, v in enumerate(TRICKY, 1) if v != "?"]
    assert [tuple(r) for r in rows] == [*expected, (100, "%x%")]


def test_mariadb_procedure_with_date_format_applies(mysql_url: str, tmp_path: Path) -> None:
    ddl = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);\n"
        "DELIMITER ;;\n"
        "CREATE PROCEDURE stamp(IN d DATE)\n"
        "BEGIN\n"
        "  INSERT INTO t VALUES (99, DATE_FORMAT(d, '%Y-%m-%d 100%'));\n"
        "END ;;\n"
        "DELIMITER ;\n"
    )
    data = "CALL stamp('2024-02-29');\nINSERT INTO t VALUES (1, '%s');\n"
    code, out = _apply(_seed(tmp_path, data, ddl), mysql_url)
    assert code == 0, out
    engine = sa.create_engine(mysql_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, s FROM t ORDER BY id")).fetchall()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "%s"), (99, "2024-02-29 100%")]
