"""Runs of literal INSERTs (seedkit.sqltext.runs) split exactly as statements one by one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from corpus_dumps import (  # noqa: F401 (fixtures: the dump corpus)
    Dump,
    duckdb_dumps,
    mysql_dumps,
    pg_dumps,
    sqlite_dumps,
)
from test_sqlfast import PIECES

from seedkit.errors import ApplyError
from seedkit.sqltext import _buffer as _sqlbuffer
from seedkit.sqltext import runs as sqlruns
from seedkit.sqltext.runs import InsertRun, literal_runs
from seedkit.sqltext.split import split_sql_stream, split_units

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
DIALECTS = [None, "postgres", "mysql", "sqlite", "duckdb"]

#: Pieces that make runs, break them, or look like them without being them.
RUN_PIECES = [
    "INSERT INTO t VALUES (1, 'a');\n",
    "INSERT INTO t VALUES (2, 'b;c -- d'), (3, NULL);",
    "INSERT INTO t VALUES\n\t(4, true),\n\t(5, -1.50);\n",
    "insert into t values (6,'x''y');",
    "INSERT INTO t (a, b) VALUES (7, 'é');",
    'INSERT INTO "s"."t" VALUES (8, 1e3, .5, +2);',
    "INSERT INTO `t` VALUES (9,'a\\'b','c\\\\');",
    "INSERT INTO t VALUES (10, 'a\\');",
    "INSERT INTO t VALUES (11, E'x');",
    "INSERT INTO t VALUES (12, now());",
    "INSERT INTO t VALUES (13, 'unterminated",
    "INSERT INTO t VALUES (14, 'a') ;  \n\n",
    "INSERT INTO t VALUES (15, 'a' -- c\n);",
    "INSERT INTO t VALUES (16, $$x$$);",
    'INSERT INTO t VALUES (17, "dq");',
    "INSERT INTO t VALUES (18, 'multi\nline');",
    "INSERT INTO u VALUES (19);",
    "\ufeff",
]


def _split(text: str, dialect: str | None, exact: bool | None, chunk: int = 0) -> object:
    """Statements (text, line, column), runs given back one by one; or the error."""
    pieces = iter([text[i : i + chunk] for i in range(0, len(text), chunk)] if chunk else [text])
    out: list[tuple[str, int, int]] = []
    made = 0
    try:
        if exact is None:
            found = split_sql_stream(lambda size: next(pieces, ""), dialect, source="f.sql")
            return [(s.text, s.line, s.column) for s in found]
        grammar = literal_runs(dialect, exact)
        for unit in split_units(
            lambda size: next(pieces, ""), dialect, source="f.sql", runs=grammar
        ):
            if isinstance(unit, InsertRun):
                made += 1
                assert unit.count == len(unit.statements()) >= 1
                out += unit.statements()
            else:
                out.append((unit.text, unit.line, unit.column))
    except ApplyError as exc:
        return ("error", exc.message, str(exc.location))
    _split.made += made  # type: ignore[attr-defined]
    return out


_split.made = 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_runs_split_as_statements_do(
    dialect: str | None, exact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(f"{dialect}{exact}")
    pieces = PIECES + RUN_PIECES * 3
    scripts = [
        "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 30))) for _ in range(1500)
    ]
    _split.made = 0  # type: ignore[attr-defined]
    plain = [_split(s, dialect, None) for s in scripts]
    assert [_split(s, dialect, exact) for s in scripts] == plain
    assert _split.made > 300  # type: ignore[attr-defined]
    # Read a few characters at a time, runs cut short: the same again.
    monkeypatch.setattr(_sqlbuffer, "CHUNK", 3)
    monkeypatch.setattr(sqlruns, "RUN_CHARS", 40)
    monkeypatch.setattr(sqlruns, "RUN_STATEMENTS", 2)
    assert [_split(s, dialect, exact, chunk=5) for s in scripts] == plain


def _inserts(rows: int, per: int) -> str:
    rnd = random.Random(rows)
    out = []
    for at in range(0, rows, per):
        tuples = [
            f"({i}, 'n{i} it''s; -- {rnd.random():.3f}%', {rnd.choice(['NULL', 'true', '-2.50'])})"
            for i in range(at, min(rows, at + per))
        ]
        out.append("INSERT INTO public.items VALUES " + ",\n\t".join(tuples) + ";\n")
    return "".join(out)


@pytest.mark.parametrize("per", [1, 7])
def test_long_runs_are_cut_and_located(per: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "-- head\n\n" + _inserts(5000, per) + "SELECT 1;\n" + _inserts(300, per)
    plain = _split(text, "postgres", None)
    _split.made = 0  # type: ignore[attr-defined]
    assert _split(text, "postgres", False) == plain
    assert _split.made >= 2  # type: ignore[attr-defined]
    monkeypatch.setattr(_sqlbuffer, "CHUNK", 1000)
    assert _split(text, "postgres", False, chunk=777) == plain


def test_dump_corpus_splits_the_same(
    pg_dumps: dict[str, Dump],  # noqa: F811 (the fixtures imported above)
    mysql_dumps: dict[str, Dump],  # noqa: F811
    sqlite_dumps: dict[str, Dump],  # noqa: F811
    duckdb_dumps: dict[str, Dump],  # noqa: F811
) -> None:
    """Every file of every dump option set, and the corpus's own scripts."""
    made = 0
    texts = [
        (dump.dialect, path.read_text(encoding="utf-8", errors="surrogateescape"))
        for dumps in (pg_dumps, mysql_dumps, sqlite_dumps, duckdb_dumps)
        for dump in dumps.values()
        for path in dump.files
    ]
    texts += [(p.parent.name, p.read_text()) for p in sorted(CORPUS.glob("*/*.sql"))]
    for dialect, text in texts:
        plain = _split(text, dialect, None)
        for exact in (True, False):
            _split.made = 0  # type: ignore[attr-defined]
            assert _split(text, dialect, exact) == plain
            made += _split.made  # type: ignore[attr-defined]
    assert made > 20


def test_what_a_run_holds() -> None:
    text = (
        "INSERT INTO t VALUES (1, 'a');\n  INSERT INTO t VALUES (2, 'b'),\n (3, NULL);\nSELECT 1;"
    )
    chunks = iter([text])
    grammar = literal_runs("postgres", False)
    units = list(split_units(lambda size: next(chunks, ""), "postgres", runs=grammar))
    run = units[0]
    assert isinstance(run, InsertRun)
    assert run.head == "INSERT INTO t VALUES"
    assert run.tuples() == ["(1, 'a')", "(2, 'b'),\n (3, NULL)"]
    assert run.statements() == [
        ("INSERT INTO t VALUES (1, 'a')", 1, 1),
        ("INSERT INTO t VALUES (2, 'b'),\n (3, NULL)", 2, 3),
    ]
    assert [u.text for u in units[1:]] == ["SELECT 1"]  # type: ignore[union-attr]
    # Portable runs hold only what every dialect reads alike.
    for sql in [
        "INSERT INTO t VALUES (1e3)",
        "INSERT INTO t VALUES (+1)",
        "INSERT INTO t VALUES (.5)",
    ]:
        assert literal_runs("postgres", False).first.match(sql + ";") is None
        assert literal_runs("postgres", True).first.match(sql + ";") is not None
    assert literal_runs("mysql", False).first.match("INSERT INTO t VALUES ('a\\\\b');") is None
    assert literal_runs("mysql", True).first.match("INSERT INTO t VALUES ('a\\\\b');") is not None
