"""Runs of literal INSERTs merged into one statement (SQLite, DuckDB) write the same rows."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.adapters import batches, merge, runwriter
from seedkit.cli import app

DDL = """CREATE TABLE items (
    id    INTEGER PRIMARY KEY,
    txt   TEXT,
    num   NUMERIC(12, 2),
    dbl   DOUBLE PRECISION,
    big   BIGINT,
    flag  BOOLEAN,
    day   DATE,
    seen  TIMESTAMP
);
CREATE TABLE other (k INTEGER, v TEXT);
"""

# Literals of every kind, into columns of every type (as the databases themselves convert).
VALUES = {
    "txt": ["'a''b; -- c'", "12", "1.50", "TRUE", "NULL", "''", "'é'", "-7", "1e3"],
    "num": ["12.345", "7", "'3.10'", "NULL", "-0.005", "+2", ".5", "99.995"],
    "dbl": ["0.1", "1e-3", "'2.5'", "NULL", "123456789012345678901234567890.5", "-0", "3"],
    "big": ["9007199254740993", "'42'", "NULL", "-5", "7"],
    "flag": ["TRUE", "false", "NULL", "'true'", "'f'", "1", "0"],
    "day": ["'2024-02-29'", "NULL", "'1999-12-31'"],
    "seen": ["'2024-01-02 03:04:05'", "'2024-01-02 03:04:05.123456'", "NULL", "'2024-01-02'"],
}


def corpus(rows: int = 400, seed: int = 5) -> list[str]:
    """Single- and multi-row literal INSERTs, with and without a column list, and a few
    statements to another table or of another kind between them."""
    rnd = random.Random(seed)
    out = []
    i = 0
    while i < rows:
        n = rnd.choice([1, 1, 1, 3])
        tuples = []
        for _ in range(n):
            i += 1
            tuples.append(
                "(" + ", ".join([str(i)] + [rnd.choice(v) for v in VALUES.values()]) + ")"
            )
        if rnd.random() < 0.3:
            out.append(f"INSERT INTO items (id, {', '.join(VALUES)}) VALUES {', '.join(tuples)};")
        else:
            out.append(f"INSERT INTO items VALUES {', '.join(tuples)};")
        r = rnd.random()
        if r < 0.05:
            out.append(f"INSERT INTO other VALUES ({i}, 'o{i}');")
        elif r < 0.07:
            out.append(f"UPDATE other SET v = 'u' WHERE k < {i};")
    return out


def seed(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(DDL)
    (folder / "items.sql").write_text("\n".join(lines) + "\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "merge"\nddl = ["schema.sql"]\n\n[steps.items]\nsql = "items.sql"\n'
    )
    return manifest


def contents(url: str) -> list[object]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        cols = ["id", *VALUES]
        select = ", ".join(f"{c}, typeof({c})" for c in cols)
        rows = conn.exec_driver_sql(f"SELECT {select} FROM items ORDER BY id").fetchall()
        rows += conn.exec_driver_sql("SELECT k, v, NULL FROM other ORDER BY k, v").fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_merged_inserts_write_what_statements_write(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = corpus()
    manifest = seed(tmp_path / "seed", lines)
    merged_groups: list[int] = []
    real_runs = merge.runs

    def counting_runs(batch: list[merge.Statement]) -> list[tuple[str, list[merge.Statement]]]:
        out = real_runs(batch)
        merged_groups.extend(len(group) for _, group in out if len(group) > 1)
        return out

    real_submit = runwriter.RunWriter.submit

    def counting_submit(self, run, *args):  # type: ignore[no-untyped-def]
        merged_groups.append(run.run.count)  # a run of the file's literal INSERTs, merged
        return real_submit(self, run, *args)

    monkeypatch.setattr(merge, "runs", counting_runs)
    monkeypatch.setattr(runwriter.RunWriter, "submit", counting_submit)
    url = f"{kind}:///{tmp_path / 'merged.db'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.stderr
    assert sum(merged_groups) > 150  # most statements went in merged groups
    monkeypatch.setattr(batches, "batcher_for", lambda *args: None)
    one = f"{kind}:///{tmp_path / 'one.db'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", one])
    assert result.exit_code == 0, result.stderr
    merged, single = contents(url), contents(one)
    assert len(merged) >= 400
    assert merged == single


def test_no_merge_on_sqlite_while_a_trigger_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = corpus(50)
    lines.insert(0, "CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT 1; END;")
    manifest = seed(tmp_path / "seed", lines)
    merged: list[int] = []
    real_runs = merge.runs
    monkeypatch.setattr(merge, "runs", lambda batch: merged.append(1) or real_runs(batch))
    url = f"sqlite:///{tmp_path / 'merged.db'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.stderr
    assert merged == []


def test_what_merges() -> None:
    assert merge.literal_head("INSERT INTO t VALUES (1, 'a'), (2, NULL)") == 21
    assert merge.literal_head('INSERT INTO "s"."t" ("a", b) VALUES (1, -2.5e3)') > 0
    for sql in [
        "INSERT INTO t VALUES (1, now())",
        "INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES (1, 'a') RETURNING id",
        "INSERT INTO t SELECT 1",
        "INSERT INTO t VALUES (1, DEFAULT)",
        "INSERT INTO t VALUES (1, E'x')",
        "INSERT INTO t VALUES (1, 'a' || 'b')",
        "INSERT OR IGNORE INTO t VALUES (1)",
        "INSERT INTO t VALUES (1, /* c */ 2)",
    ]:
        assert merge.literal_head(sql) == 0, sql
    statements = [
        ("INSERT INTO t VALUES (1)", None),
        ("INSERT INTO t VALUES (2), (3)", None),
        ("INSERT INTO u VALUES (4)", None),
        ("UPDATE t SET a = 1", None),
        ("INSERT INTO u VALUES (5)", None),
        ("INSERT INTO u VALUES (6)", None),
    ]
    got = [(sql, len(group)) for sql, group in merge.runs(statements)]  # type: ignore[arg-type]
    assert got == [
        ("INSERT INTO t VALUES (1), (2), (3)", 2),
        ("INSERT INTO u VALUES (4)", 1),
        ("UPDATE t SET a = 1", 1),
        ("INSERT INTO u VALUES (5), (6)", 2),
    ]
