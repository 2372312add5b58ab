"""Transaction control inside SQL files is refused at its line; a sqlite3 .dump's wrapping
BEGIN … COMMIT is dropped (issue 19, item 2). psql meta-commands are refused too (item 10).

Before, `COMMIT` inside a SQL step committed everything before it on PostgreSQL and
released the advisory lock, so a later failure left the earlier steps in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.sources.txguard import meta_command, transaction_control

DDL = (
    "CREATE TABLE a (id integer PRIMARY KEY);\n"
    "CREATE TABLE b (id integer PRIMARY KEY, a_id integer NOT NULL REFERENCES a (id));\n"
)


def _seed(tmp_path: Path, a_sql: str, b_csv: str = "id,a_id\n1,1\n", ddl: str = DDL) -> Path:
    (tmp_path / "schema.sql").write_text(ddl, encoding="utf-8")
    (tmp_path / "a.sql").write_text(a_sql, encoding="utf-8")
    (tmp_path / "b.csv").write_text(b_csv, encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "tx"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.a]\nsql = "a.sql"\n\n[steps.b]\ncsv = "b.csv"\ndepends_on = ["a"]\n',
        encoding="utf-8",
    )
    return manifest


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("sql", "control"),
    [
        ("BEGIN", "BEGIN"),
        ("begin transaction", "BEGIN"),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY", "BEGIN"),
        ("START TRANSACTION READ WRITE", "START TRANSACTION"),
        ("COMMIT WORK", "COMMIT"),
        ("commit and no chain", "COMMIT"),
        ("END", "END"),
        ("END TRANSACTION", "END"),
        ("ROLLBACK", "ROLLBACK"),
        ("ABORT", "ABORT"),
        ("-- done\nCOMMIT", "COMMIT"),
        ("SET autocommit = 0", "SET autocommit"),
        ("SET @@session.autocommit=1", "SET autocommit"),
        ("/*!40101 SET autocommit=0 */", "SET autocommit"),
        ("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"),
        ("COMMIT PREPARED 'x'", "COMMIT PREPARED"),
        ("ROLLBACK TO SAVEPOINT s", None),
        ("SAVEPOINT s", None),
        ("RELEASE SAVEPOINT s", None),
        ("BEGIN NOT ATOMIC INSERT INTO a VALUES (1); END", None),
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", None),
        ("LOCK TABLES a WRITE", None),
        ("UNLOCK TABLES", None),
        ("/*!40000 ALTER TABLE a DISABLE KEYS */", None),
        ("SET search_path = public", None),
    ],
)
def test_what_counts_as_transaction_control(sql: str, control: str | None) -> None:
    assert transaction_control(sql) == control


def test_meta_commands() -> None:
    assert meta_command("\\c other") == "\\c"
    assert meta_command("-- switch\n\\connect other") == "\\connect"
    assert meta_command("SELECT '\\c'") is None


def test_a_commit_in_a_sql_step_is_refused_by_validate_at_its_line(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "INSERT INTO a VALUES (1);\n\ncommit;\nINSERT INTO a VALUES (2);\n")
    code, out = _run("validate", "-m", str(manifest))
    assert code == 1
    assert "a.sql:3:1: `COMMIT` controls the transaction" in out


def test_a_commit_in_a_sql_step_is_refused_and_nothing_is_applied(url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "INSERT INTO a VALUES (1);\nCOMMIT;\nINSERT INTO a VALUES (2);\n")
    code, out = _run("apply", "-m", str(manifest), "--url", url)
    assert code == 1
    assert "a.sql:2:1: `COMMIT` controls the transaction" in out
    assert _tables(url) == []  # on MariaDB too: the SQL files are read before anything


def test_a_wrapping_begin_commit_is_dropped_so_a_later_failure_rolls_everything_back(
    url: str, tmp_path: Path
) -> None:
    dump = (
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nINSERT INTO a VALUES (1);\n"
        "INSERT INTO a VALUES (2);\nCOMMIT;\n"
    )
    setting = {"duckdb": "SET threads = 2", "postgresql": "SET client_encoding = 'UTF8'"}
    setting["mysql"] = "SET NAMES utf8mb4"
    backend = sa.make_url(url).get_backend_name()
    dump = dump.replace("PRAGMA foreign_keys=OFF", setting.get(backend, "PRAGMA foreign_keys=OFF"))
    manifest = _seed(tmp_path, dump, "id,a_id\n1,1\n2,9\n")
    code, out = _run("apply", "-m", str(manifest), "--url", url)
    assert code == 1, out
    assert "b.csv" in out  # DuckDB names the file only
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if "mysql" in url:  # each step is its own transaction: a stays, recorded
                assert conn.exec_driver_sql("SELECT id FROM a ORDER BY id").fetchall() == [
                    (1,),
                    (2,),
                ]
                assert conn.exec_driver_sql("SELECT count(*) FROM b").scalar() == 0
                names = conn.exec_driver_sql(
                    "SELECT name FROM seedkit_history WHERE kind = 'step'"
                ).fetchall()
                assert names == [("a",)]
            else:  # one transaction: nothing at all
                assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_a_psql_meta_command_in_the_ddl_is_a_located_error(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "SELECT 1;\n", ddl="\\c other\n" + DDL)
    code, out = _run("validate", "-m", str(manifest))
    assert code == 1
    assert "schema.sql:1:1: `\\c` is a psql meta-command: seedkit runs SQL statements" in out


def test_pg_dump_restrict_lines_are_dropped(pg_url: str, tmp_path: Path) -> None:
    ddl = "\\restrict abc123\n\nSET client_encoding = 'UTF8';\n" + DDL + "\\unrestrict abc123\n"
    manifest = _seed(tmp_path, "INSERT INTO a VALUES (1);\n", ddl=ddl)
    code, out = _run("apply", "-m", str(manifest), "--url", pg_url)
    assert code == 0, out
    assert _tables(pg_url) == ["a", "b", "seedkit_history"]


def test_a_ddl_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "SELECT 1;\n")
    (tmp_path / "schema.sql").write_bytes(DDL.encode() + b"-- caf\xe9\n")
    code, out = _run("validate", "-m", str(manifest))
    assert code == 2
    assert "schema.sql:3:7: " in out and "is not UTF-8 text (invalid continuation byte" in out
