"""The rewriter statement by statement: a dump's plain INSERTs take the shape cache and give
what porting them whole gives; setval moves each target's own counter."""

from __future__ import annotations

import pytest

from seedkit.portable.rewrite import Porter
from seedkit.portable.scan import SeedScan
from seedkit.sources.base import LocatedStatement

SCHEMA = [
    "CREATE TABLE public.t (id integer NOT NULL, name text, ok boolean, n numeric(10,2))",
    "CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1 CACHE 1",
    "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id",
    "ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass)",
    "ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)",
]
INSERTS = [
    "INSERT INTO public.t VALUES (1, 'it''s; -- 100%', true, 1.50)",
    "INSERT INTO public.t (id, name, ok, n) VALUES (2, NULL, false, -3), (3, 'x', NULL, 0)",
    "INSERT INTO public.t OVERRIDING SYSTEM VALUE VALUES (4, 'y', TRUE, 2)",
]


def _porter(target: str) -> Porter:
    statements = [LocatedStatement(s, "s.sql", i + 1) for i, s in enumerate(SCHEMA + INSERTS)]
    scan = SeedScan()
    scan.feed(statements)
    porter = Porter(target, scan)
    for stmt in statements[: len(SCHEMA)]:
        porter.prepare(stmt)
    return porter


@pytest.mark.parametrize("target", ["sqlite", "mysql", "duckdb"])
@pytest.mark.parametrize("insert", INSERTS)
def test_plain_inserts_through_the_shape_cache_equal_a_whole_port(target: str, insert: str) -> None:
    import sqlglot

    porter = _porter(target)
    fast = porter._plain_insert(insert)
    assert fast is not None
    text = insert.replace("OVERRIDING SYSTEM VALUE ", "")
    whole = [porter.generate(porter._common(t)) for t in sqlglot.parse(text, read="postgres")]
    assert fast == whole


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("sqlite", "UPDATE sqlite_sequence SET seq = 4 WHERE name = 't'"),
        ("mysql", "ALTER TABLE t AUTO_INCREMENT = 5"),
        ("duckdb", "SELECT count(nextval('t_id_seq'))"),
    ],
)
def test_setval_moves_the_targets_own_counter(target: str, expected: str) -> None:
    porter = _porter(target)
    out = porter.prepare(
        LocatedStatement("SELECT pg_catalog.setval('public.t_id_seq', 4, true)", "d.sql", 1)
    )
    assert out[0].startswith(expected)


@pytest.mark.parametrize("target", ["sqlite", "mysql", "duckdb"])
@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("'a OPERATOR(public.~) b'", "a OPERATOR(public.~) b"),
        ("E'it\\'s OPERATOR(pg_catalog.=)'", "it's OPERATOR(pg_catalog.=)"),
        ("$$OPERATOR(public.~)$$", "OPERATOR(public.~)"),
        ("$q$x OPERATOR(public.~) $q$", "x OPERATOR(public.~) "),
    ],
)
def test_operator_inside_text_is_data_not_syntax(target: str, written: str, value: str) -> None:
    """pg_dump's `OPERATOR(schema.op)` is rewritten to the bare operator only where it is
    syntax: text holding those words (quoted, escape or dollar-quoted) keeps them."""
    import sqlglot

    porter = _porter(target)
    sql = f"SELECT {written} AS v WHERE 1 OPERATOR(pg_catalog.=) 1"
    (out,) = porter.prepare(LocatedStatement(sql, "d.sql", 1))
    tree = sqlglot.parse_one(out, read=target)
    assert [lit.this for lit in tree.find_all(sqlglot.exp.Literal) if lit.is_string] == [value]
    assert isinstance(tree.find(sqlglot.exp.EQ), sqlglot.exp.EQ)
