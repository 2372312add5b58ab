"""SQL steps send their data statements in batches: same contents, errors at their own line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.adapters import batches
from seedkit.cli import app
from seedkit.plan.statements import StatementRunner
from seedkit.sqltext import runs

DDL = """CREATE TABLE items (
    id     INTEGER PRIMARY KEY,
    name   VARCHAR(40) NOT NULL,
    price  NUMERIC(10, 2),
    seen   TIMESTAMP,
    note   TEXT
);
"""

MANIFEST = """[project]
name = "batches"
ddl = ["schema.sql"]

[steps.items]
sql = "items.sql"
"""


def statements() -> list[str]:
    """One statement per line: single- and multi-row INSERTs, an UPDATE, a DELETE and a
    SELECT that is sent alone between batches; text holding quotes, `;` and `--`."""
    out = []
    for i in range(1, 41):
        note = "NULL" if i % 4 == 0 else f"'it''s; -- {i}'"
        out.append(
            f"INSERT INTO items VALUES ({i}, 'n{i}', {i * 1.25:.2f}, '2024-01-02 03:04:{i:02d}', "
            f"{note});"
        )
        if i == 12:
            out.append("UPDATE items SET note = 'upd;ated' WHERE id <= 3;")
        if i == 20:
            out.append("SELECT count(*) FROM items WHERE name <> ';';")
        if i == 25:
            out.append("DELETE FROM items WHERE id = 7;")
    out.append("INSERT INTO items VALUES (41, 'a', 1.00, NULL, 'x'), (42, 'b', NULL, NULL, NULL);")
    return out


def write_seed(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(DDL)
    (folder / "items.sql").write_text("-- items\n" + "\n".join(lines) + "\n")
    manifest = folder / "seed.toml"
    manifest.write_text(MANIFEST)
    return manifest


def apply(manifest: Path, url: str, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url, *more])
    return result.exit_code, result.stderr


def contents(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, name, price, seen, note FROM items ORDER BY id"
        ).fetchall()
    engine.dispose()
    return [tuple(row) for row in rows]


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7, so a 40-statement file makes several, with a statement sent alone
    (and runs of literal INSERTs, seedkit.sqltext.runs, of 7 statements at most)."""
    monkeypatch.setattr(batches, "BATCH_STATEMENTS", 7)
    monkeypatch.setattr(runs, "RUN_STATEMENTS", 7)


def test_contents_equal_batched_and_one_by_one(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_seed(tmp_path / "seed", statements())
    sent: list[int] = []
    real_send = batches.Batcher.flush

    def counting_flush(self: batches.Batcher) -> None:
        if self.pending:
            sent.append(len(self.pending))
        real_send(self)

    real_send_run = StatementRunner._send_run

    def counting_send_run(self, batch, run, heads):  # type: ignore[no-untyped-def]
        sent_whole = real_send_run(self, batch, run, heads)
        if sent_whole:
            sent.append(run.run.count)
        return sent_whole

    monkeypatch.setattr(batches.Batcher, "flush", counting_flush)
    monkeypatch.setattr(StatementRunner, "_send_run", counting_send_run)
    code, err = apply(manifest, url)
    assert code == 0, err
    assert max(sent) == 7 and sum(sent) == 43
    batched = contents(url)
    assert len(batched) == 41
    assert batched[0][4] == "upd;ated" and batched[6][0] == 8

    monkeypatch.setattr(batches, "batcher_for", lambda *args: None)
    code, err = apply(manifest, url, "--fresh", "--yes")
    assert code == 0, err
    assert contents(url) == batched


@pytest.mark.parametrize(
    ("at", "broken"),
    [
        (1, "INSERT INTO items VALUES (1, NULL, 1.00, NULL, NULL);"),  # first of a batch
        (10, "INSERT INTO items VALUES (3, 'again', 1.00, NULL, NULL);"),  # inside one
        (42, "INSERT INTO items VALUES (39, 'again', 1.00, NULL, NULL);"),  # the last batch
    ],
)
def test_a_failing_statement_in_a_batch_is_named_at_its_line(
    url: str, tmp_path: Path, at: int, broken: str
) -> None:
    lines = statements()
    lines.insert(at, broken)
    manifest = write_seed(tmp_path / "seed", lines)
    line = lines.index(broken) + 2  # after the comment line, 1-based
    code, err = apply(manifest, url)
    assert code == 1, err
    assert err.startswith(f"error: {tmp_path / 'seed' / 'items.sql'}:{line}:1"), err
    assert "Traceback" not in err
    if url.startswith("mysql"):
        # DDL commits by itself there; the step's own transaction leaves no row.
        assert contents(url) == []
    else:
        assert tables(url) == set()
