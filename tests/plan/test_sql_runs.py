"""Runs of literal INSERTs (seedkit.sqltext.runs) sent whole: the same rows as statement by
statement, and a failing statement named at its own line, on the four databases."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.adapters import batches
from seedkit.cli import app
from seedkit.plan.statements import StatementRunner

DDL = """CREATE TABLE items (
    id     BIGINT PRIMARY KEY,
    txt    TEXT,
    num    NUMERIC(12, 2),
    flag   BOOLEAN,
    seen   TIMESTAMP,
    note   VARCHAR(100)
);
CREATE TABLE other (k INTEGER, v TEXT);
"""

TRAPS = [
    "it''s",
    "a; b",
    "x -- y",
    "100%",
    "%s",
    "a\\b",
    "\\",
    "c:\\new\\table\\",
    "é 日本 ☃",
    "tab\there",
    "line\nbreak",
    "",
    "/* not */ a comment",
    "$$ not dollar $$",
]


def corpus(rows: int = 600, seed: int = 3) -> list[str]:
    """Single- and multi-row literal INSERTs (with and without a column list), and now and
    then a statement that ends a run: another table, an UPDATE, an expression."""
    rnd = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < rows:
        tuples = []
        for _ in range(rnd.choice([1, 1, 1, 4])):
            i += 1
            txt = "NULL" if rnd.random() < 0.1 else f"'{rnd.choice(TRAPS)} {i}'"
            num = rnd.choice(["NULL", f"{rnd.randrange(-(10**6), 10**6) / 100:.2f}", "7", "-0.5"])
            flag = rnd.choice(["true", "false", "TRUE", "NULL"])
            seen = rnd.choice(["NULL", "'2024-02-29 23:59:59'", "'1999-01-02 03:04:05.123456'"])
            note = rnd.choice(["NULL", "'n'", f"'{rnd.choice(TRAPS)}.'"])
            tuples.append(f"({i}, {txt}, {num}, {flag}, {seen}, {note})")
        if rnd.random() < 0.3:
            out.append(
                f"INSERT INTO items (id, txt, num, flag, seen, note) VALUES {', '.join(tuples)};"
            )
        else:
            out.append(f"INSERT INTO items VALUES {', '.join(tuples)};")
        r = rnd.random()
        if r < 0.03:
            out.append(f"INSERT INTO other VALUES ({i}, 'o{i}');")
        elif r < 0.05:
            out.append(f"UPDATE other SET v = 'u;' WHERE k < {i};")
        elif r < 0.06:
            i += 1
            out.append(f"INSERT INTO items VALUES ({i}, lower('XY'), 1 + 1, true, NULL, NULL);")
    return out


def write_seed(folder: Path, lines: list[str], dialect: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(DDL)
    (folder / "items.sql").write_text("-- items\n" + "\n".join(lines) + "\n")
    manifest = folder / "seed.toml"
    project = '[project]\nname = "runs"\nddl = ["schema.sql"]\n'
    if dialect:
        project += f'dialect = "{dialect}"\n'
    manifest.write_text(project + '\n[steps.items]\nsql = "items.sql"\n')
    return manifest


def apply(manifest: Path, url: str, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url, *more])
    return result.exit_code, result.stderr


def contents(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, txt, num, flag, seen, note FROM items ORDER BY id"
        ).fetchall()
        rows += conn.exec_driver_sql("SELECT k, v, 0, 0, 0, 0 FROM other ORDER BY k, v").fetchall()
    engine.dispose()
    return [tuple(row) for row in rows]


def count_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The statements of each run sent whole, as the apply goes."""
    sent: list[int] = []
    real = StatementRunner._send_run

    def counting(self, batch, run, heads):  # type: ignore[no-untyped-def]
        sent.append(run.run.count)  # (a run that fails raises here)
        whole = real(self, batch, run, heads)
        if not whole:
            sent.pop()
        return whole

    monkeypatch.setattr(StatementRunner, "_send_run", counting)
    return sent


@pytest.mark.parametrize("dialect", ["postgres", None])
def test_runs_write_what_statements_write(
    url: str, dialect: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = corpus()
    manifest = write_seed(tmp_path / "seed", lines, dialect)
    sent = count_runs(monkeypatch)
    code, err = apply(manifest, url)
    assert code == 0, err
    assert sum(sent) > len(lines) * 0.7  # most statements went in runs
    whole = contents(url)
    assert len(whole) >= 600

    monkeypatch.setattr(batches, "batcher_for", lambda *args: None)  # one by one
    if url.startswith(("sqlite", "duckdb")):
        url = url.replace("seed.", "one.")
        code, err = apply(manifest, url)
    else:
        code, err = apply(manifest, url, "--fresh", "--yes")
    assert code == 0, err
    assert contents(url) == whole
    if dialect == "postgres":  # PostgreSQL's text, as PostgreSQL reads it, on every database
        backslashed = [row[1] for row in whole if str(row[1]).startswith("a\\b ")]
        assert backslashed and all(len(v) > 4 and v[1] == "\\" for v in backslashed)


@pytest.mark.parametrize("dialect", ["postgres", None])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_failing_statement_in_a_run_is_named_at_its_line(
    url: str, dialect: str | None, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f"INSERT INTO items VALUES ({i}, 'it''s; {i}', 1.50, true, NULL, NULL);"
        for i in range(1, 301)
    ]
    broken = "INSERT INTO items VALUES (5, 'again', 1.00, false, NULL, NULL);"  # key 5 twice
    at = {"first": 5, "middle": 150, "last": 300}[where]
    lines.insert(at, broken)
    manifest = write_seed(tmp_path / "seed", lines, dialect)
    sent = count_runs(monkeypatch)
    code, err = apply(manifest, url)
    assert code == 1, err
    line = at + 2  # after the comment line, 1-based
    assert err.startswith(f"error: {tmp_path / 'seed' / 'items.sql'}:{line}:1"), err
    assert "Traceback" not in err
    assert sent  # the statements went in runs
    if url.startswith("mysql"):
        assert contents(url) == []  # DDL commits by itself there; the step's rows do not
    else:
        engine = sa.create_engine(url)
        try:
            assert set(sa.inspect(engine).get_table_names()) == set()
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_runs_written_on_a_thread_are_cut_once(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread writing runs (seedkit.adapters.runwriter) and the apply's thread both
    ask a run for its tuples: slowed down, cutting must still happen once (it once ran
    in both, and the run's rows went in twice)."""
    import time

    from seedkit.sqltext import runs as sqlruns

    real_cut = sqlruns.RunGrammar.cut

    class Slow:
        def __init__(self, pattern):  # type: ignore[no-untyped-def]
            self.pattern = pattern

        def findall(self, text: str) -> list[str]:
            time.sleep(0.02)
            return self.pattern.findall(text)  # type: ignore[no-any-return]

    monkeypatch.setattr(sqlruns.RunGrammar, "cut", lambda self, head: Slow(real_cut(self, head)))
    monkeypatch.setattr(sqlruns, "RUN_STATEMENTS", 5)
    lines = [
        f"INSERT INTO items VALUES ({i}, 't{i}', 1.50, true, NULL, NULL);" for i in range(1, 201)
    ]
    manifest = write_seed(tmp_path / "seed", lines, "postgres")
    url = f"{kind}:///{tmp_path / 'runs.db'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    assert [row[0] for row in contents(url)] == list(range(1, 201))
