"""The dry run's statement policy: what is skipped (with its reason), mapped, or batched."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from seedkit.dryrun.policy import PolicyState, decide, literal_insert


def state(dialect: str) -> PolicyState:
    db = duckdb.connect()

    def type_ok(sql: str) -> bool:
        try:
            db.execute(f"SELECT CAST(NULL AS {sql})")
            return True
        except duckdb.Error:
            return False

    return PolicyState(dialect, type_ok)


@pytest.mark.parametrize(
    ("dialect", "sql", "reason"),
    [
        ("postgres", "GRANT SELECT ON t TO bob", "permissions"),
        ("postgres", "ALTER TABLE public.t OWNER TO bob", "owners"),
        ("postgres", "SELECT pg_catalog.setval('s', 3, true)", "setval"),
        (
            "postgres",
            "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "functions",
        ),
        ("mysql", "/*!40101 SET NAMES utf8mb4 */", "session settings"),
        ("mysql", "/*!40000 ALTER TABLE `t` DISABLE KEYS */", "switching triggers, keys"),
        ("sqlite", "PRAGMA foreign_keys = ON", "pragmas"),
    ],
)
def test_skipped_statements_name_their_reason(dialect: str, sql: str, reason: str) -> None:
    decision = decide(sql, state(dialect))
    assert decision.sql == [] and decision.skip is not None and reason in decision.skip


def test_auto_increment_becomes_a_sequence_that_duckdb_fills() -> None:
    decision = decide(
        "CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT, `n` varchar(5), PRIMARY KEY (`id`)) "
        "ENGINE=InnoDB",
        state("mysql"),
    )
    db = duckdb.connect()
    for sql in decision.sql:
        db.execute(sql)
    db.execute("INSERT INTO a (n) VALUES ('x'), ('y')")
    assert db.execute("SELECT id, n FROM a ORDER BY id").fetchall() == [(1, "x"), (2, "y")]
    assert any("auto-increment of id" in c for c in decision.changes)
    assert any("ENGINE" in c for c in decision.changes)


def test_foreign_keys_are_removed_and_named() -> None:
    decision = decide(
        "CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p (id) ON DELETE CASCADE, "
        "CONSTRAINT fk FOREIGN KEY (id) REFERENCES p (id) DEFERRABLE)",
        state("postgres"),
    )
    assert "REFERENCES" not in decision.sql[-1]
    assert "foreign key removed: checked by seedkit's own queries" in decision.changes


def test_literal_inserts_are_batched_only_when_plain() -> None:
    plain = literal_insert("INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)", "postgres")
    assert plain is not None and plain.row_count == 2
    assert literal_insert("INSERT INTO t VALUES (1, now())", "postgres") is None
    assert literal_insert("INSERT INTO t VALUES ('it\\'s')", "mysql") is None  # backslash escape
    assert literal_insert("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", "postgres") is None


@pytest.mark.parametrize("target", ["sqlite", "mysql", "duckdb"])
def test_index_columns_lose_null_ordering_when_transpiled(target: str) -> None:
    from seedkit.transpile import transpile

    assert transpile(
        "CREATE UNIQUE INDEX items_code ON items (code, b DESC)", "postgres", target
    ) == ["CREATE UNIQUE INDEX items_code ON items(code, b DESC)"]


def test_unique_index_from_postgres_applies_to_sqlite(tmp_path: Path) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from seedkit.cli import app

    (tmp_path / "s.sql").write_text(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, code VARCHAR(8));\n"
        "CREATE UNIQUE INDEX items_code ON items (code);\n"
    )
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "i"\ndialect = "postgres"\nddl = ["s.sql"]\n\n'
        '[steps.items]\nrows = [{ id = 1, code = "a" }, { id = 2, code = "a" }]\n'
    )
    url = f"sqlite:///{tmp_path / 'i.db'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(tmp_path / "seed.toml"), "--url", url])
    assert result.exit_code == 1, result.output
    assert "UNIQUE constraint failed: items.code" in result.stderr
    with sqlite3.connect(tmp_path / "i.db") as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
