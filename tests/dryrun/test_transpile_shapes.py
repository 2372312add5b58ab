"""Transpiling through a statement's shape gives exactly what transpiling the statement gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_check_dumps import mysql_dumps, pg_dumps  # noqa: F401 (fixtures: the dump corpus)

from seedkit.sqltext.split import split_sql
from seedkit.transpile import transpile
from seedkit.transpile_shapes import _PAIRS, by_shape, run_head, transpile_each

DIALECTS = ("postgres", "mysql", "sqlite", "duckdb")
CORPUS = Path(__file__).resolve().parent.parent / "corpus"

_TRAPS = ["it''s", "a; b", "x -- y", "100%", "%s", "?", ":name", "(1, 2)", "a,b)", "é 日本", ""]


def generated(rows: int = 300, per_insert: int = 1, seed: int = 7) -> list[str]:
    """INSERTs as pg_dump --inserts / --rows-per-insert writes them: text with traps, NULLs,
    decimals, negative numbers, timestamps and booleans."""
    rnd = random.Random(seed)
    tuples = []
    for i in range(1, rows + 1):
        r = rnd.random()
        name = f"'n{i} {_TRAPS[i % len(_TRAPS)]}'"
        note = "NULL" if r > 0.7 else f"'{_TRAPS[(i * 3) % len(_TRAPS)]}'"
        price = "NULL" if r < 0.1 else f"{rnd.randrange(-(10**6), 10**6) / 100:.2f}"
        seen = f"'20{rnd.randrange(10, 30)}-0{rnd.randrange(1, 10)}-1{rnd.randrange(10)} 01:02:03'"
        flag = rnd.choice(["true", "false", "TRUE", "NULL"])
        tuples.append(f"({i}, {name}, {note}, {price}, {seen}, {flag}, -{i % 5})")
    out = []
    for at in range(0, rows, per_insert):
        group = tuples[at : at + per_insert]
        joiner = ",\n\t" if per_insert > 1 else ", "
        out.append(
            "INSERT INTO public.items VALUES "
            + ("\n\t" if per_insert > 1 else "")
            + joiner.join(group)
        )
    return out


#: Statements the shape path must leave to sqlglot, or get exactly right.
EDGES = [
    "INSERT INTO t VALUES (E'a\\nb', 1)",
    "INSERT INTO t VALUES ('a\\b', 2)",
    "INSERT INTO t VALUES ('line\nbreak', 3)",
    "INSERT INTO t VALUES ($$dollar, 1$$, 4)",
    "INSERT INTO t VALUES ('x'::jsonb, 5)",
    "INSERT INTO t VALUES (CAST('1' AS INT), 6)",
    "INSERT INTO t VALUES (DATE '2024-01-01', INTERVAL '1 day')",
    "INSERT INTO t VALUES (lower('ABC'), upper('d'), 7)",
    "INSERT INTO t VALUES ((1), 2)",
    "INSERT INTO t VALUES (1e3, .5, 1., - 4, 0x1F)",
    "INSERT INTO t VALUES (ARRAY[1, 2, 3], '{1,2}')",
    "INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET b = 'z'",
    "INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING",
    "INSERT INTO t VALUES (1, /* c */ 'a')",
    "INSERT INTO t VALUES (1, 'a') -- trailing, 2)",
    'INSERT INTO "we,1,ird" ("a,(1" , b) VALUES (1, \'x\')',
    "INSERT INTO t (a, b) SELECT 1, 'a' WHERE 1 IN (1, 2)",
    "INSERT INTO t VALUES (1, DEFAULT, 'x')",
    "INSERT INTO t VALUES (NULL, null, Null, true, FALSE)",
    "INSERT INTO t VALUES (B'101', X'ff', N'n', U&'d')",
    "INSERT INTO t VALUES ('a' 'b', 1)",
    "INSERT INTO t VALUES ('a' || 'b', 1 + 2, -1 * 3)",
    "INSERT INTO t VALUES ('2024-01-01 00:00:00+02'::timestamptz, 1)",
    "INSERT INTO t SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v",
    "INSERT INTO t VALUES (1, 'unterminated",
    "INSERT INTO t VALUES (1, 'zzSeedkitSlot0zz', 'b')",
    "SELECT f(1, 'a'), g('b', 2)",
    "INSERT INTO t VALUES (f('x, 1, y'), 2)",
    "INSERT INTO t VALUES (1, 'a' || ', 2, ')",
    'INSERT INTO t VALUES (1, "c, 2, d")',
    "INSERT INTO t VALUES (1, x'ab', 'c, 3, d')",
    "INSERT INTO t VALUES (to_char(now(), 'YYYY-MM'), 1)",
    "INSERT INTO t VALUES (date_trunc('month', now()), 1)",
    "INSERT INTO t VALUES (to_timestamp('2024', 'YYYY'), 1)",
    "INSERT INTO t VALUES (json_extract_path('{}', 'a'), 1)",
    "UPDATE t SET a = 1, b = 'x' WHERE id IN (1, 2)",
    "DELETE FROM t WHERE a = 'x'",
    "CREATE TABLE t (id SERIAL PRIMARY KEY, b TIMESTAMP DEFAULT '2024-01-01', c TEXT DEFAULT 'a,b')",
    "INSERT INTO t VALUES (1, 'a\\', 'b')",
    'INSERT INTO t VALUES ("dq", 1)',
    "INSERT INTO t VALUES (`b`, 1) # comment",
    "INSERT INTO [t] VALUES ('[x]', 1)",
    "INSERT INTO t VALUES ('tab\there', 1)",
    "INSERT INTO t VALUES (1, 'a'), (2, 'b'); INSERT INTO t VALUES (3, 'c')",
]


def corpus() -> list[str]:
    """Generated INSERTs, the edge cases and every statement of the test corpus's schemas."""
    statements = generated() + generated(200, 25) + generated(20, 7, seed=3) + EDGES
    for path in sorted(CORPUS.glob("*/*.sql")):
        statements += [s.text for s in split_sql(path.read_text(), path.parent.name)]
    return statements


def _outcome(function, sql: str, source: str, target: str) -> object:  # type: ignore[no-untyped-def]
    try:
        return function(sql, source, target)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@pytest.mark.parametrize("source", DIALECTS)
def test_shape_path_equals_transpiling_each_statement(source: str) -> None:
    statements = corpus()
    for target in DIALECTS:
        if target == source:
            continue
        for sql in statements:
            expected = _outcome(transpile_each, sql, source, target)
            for _ in range(2):  # the first sees the shape, the second reuses it
                got = _outcome(transpile, sql, source, target)
                assert got == expected, (source, target, sql)


@pytest.mark.parametrize("target", ["mysql", "sqlite", "duckdb"])
def test_literal_inserts_take_the_shape_path(target: str) -> None:
    """The fast path is really used for dump-style INSERTs, so the comparison above tests it."""
    statements = generated(60) + generated(100, 25)
    assert _PAIRS.get(("postgres", target)) is None or _PAIRS[("postgres", target)].enabled
    cut = [by_shape(sql, "postgres", target) for sql in statements]
    assert all(c is not None for c in cut)
    assert cut == [transpile_each(sql, "postgres", target) for sql in statements]


def test_values_outside_an_insert_tuple_are_not_cut() -> None:
    for sql in [
        "SELECT f(1, 'a')",
        "INSERT INTO t VALUES (lower('A'), 1)",
        "INSERT INTO t VALUES (E'x', 1)",
        "INSERT INTO t VALUES ($$x$$, 1)",
        "INSERT INTO t VALUES ((1), 2)",
        "INSERT INTO t VALUES (ARRAY[1, 2])",
    ]:
        assert by_shape(sql, "postgres", "mysql") is None, sql


def _dump_statements(text: str, dialect: str) -> list[str]:
    try:
        return [s.text for s in split_sql(text, dialect)]
    except Exception:  # noqa: BLE001 (a dump the splitter refuses is test_check_dumps' business)
        return []


def test_shape_path_on_real_dumps(
    pg_dumps: dict[str, str],  # noqa: F811 (the fixture imported above)
    mysql_dumps: dict[str, str],  # noqa: F811
) -> None:
    """Every statement of every pg_dump and mariadb-dump option set (tests/dryrun/test_check_dumps.py
    makes them with the tools themselves) transpiles the same both ways."""
    cut = 0
    for source, dumps in (("postgres", pg_dumps), ("mysql", mysql_dumps)):
        for name, text in sorted(dumps.items()):
            for sql in _dump_statements(text, source):
                for target in DIALECTS:
                    if target == source:
                        continue
                    expected = _outcome(transpile_each, sql, source, target)
                    assert _outcome(transpile, sql, source, target) == expected, (name, sql)
                    cut += by_shape(sql, source, target) is not None
    assert cut > 50  # the dumps' INSERTs did take the shape path


def _run_pieces(text: str) -> list[tuple[str, list[str], list[str]]]:
    """(head, tuples, statements) of each run of portable literal INSERTs in `text`."""
    from seedkit.sqltext.runs import InsertRun, literal_runs
    from seedkit.sqltext.split import split_units

    chunks = iter([text])
    grammar = literal_runs("postgres", False)
    return [
        (u.head, u.tuples(), [s for s, _, _ in u.statements()])
        for u in split_units(lambda size: next(chunks, ""), "postgres", runs=grammar)
        if isinstance(u, InsertRun)
    ]


RUN_TRAPS = ["a\\b", "\\", "c:\\new\\table", "tab\there", "line\nbreak", "it''s; -- 100%", "é 日本"]


@pytest.mark.parametrize("target", ["mysql", "sqlite", "duckdb"])
def test_runs_read_as_each_statement_transpiled(target: str) -> None:
    """A run of literal INSERTs sent as its head in the target's spelling and its tuples as
    written (backslashes doubled for MySQL: seedkit.adapters.batches) reads, in the target's
    own dialect, as each statement transpiled one by one."""
    statements = (
        generated()
        + generated(200, 25)
        + [
            f"INSERT INTO public.items (a, b) VALUES ({i}, '{trap}')"
            for i, trap in enumerate(RUN_TRAPS)
        ]
    )
    pieces = _run_pieces(";\n".join(statements) + ";\n")
    assert sum(len(s) for _, _, s in pieces) == len(statements)  # every one in a run
    for head, tuples, texts in pieces:
        mine = run_head(head, "postgres", target)
        assert mine is not None
        for tuple_text, sql in zip(tuples, texts, strict=True):
            if target == "mysql":
                tuple_text = tuple_text.replace("\\", "\\\\")
            got = transpile_each(f"{mine} {tuple_text}", target, target)
            assert got == transpile_each(sql, "postgres", target), sql
