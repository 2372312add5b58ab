"""Inline keys built after the data (seedkit.plan.heldkeys): which wait, that the database
ends as the DDL made it, and that a row breaking a key is named at its file and line, by
apply and by check, with nothing applied."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from seedkit import api
from seedkit.errors import SeedkitError
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.plan.heldkeys import holdable_tables
from seedkit.sources.sql import read_statements

PAIR = (
    "CREATE TABLE parents (id integer PRIMARY KEY, symbol text NOT NULL UNIQUE);\n"
    "CREATE TABLE children (id integer PRIMARY KEY,\n"
    "  parent_id integer REFERENCES parents (id), note text);\n"
)
PARENTS = "id,symbol\n1,A\n2,B\n3,C\n"
CHILDREN = "id,parent_id,note\n1,1,x\n2,3,y\n3,,z\n"
STEPS = '[steps.parents]\ncsv = "parents.csv"\n\n[steps.children]\ncsv = "children.csv"\n'


def _seed(
    folder: Path,
    ddl: str = PAIR,
    parents: str = PARENTS,
    children: str = CHILDREN,
    steps: str = STEPS,
    files: dict[str, str] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(ddl)
    (folder / "parents.csv").write_text(parents)
    (folder / "children.csv").write_text(children)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "held"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n' + steps
    )
    return manifest


def _holdable(manifest: Path) -> list[str]:
    plan = build_plan(load_manifest(manifest))
    files = [(d.path, list(read_statements(d.path, plan.source_dialect))) for d in plan.ddl]
    return sorted(holdable_tables(plan, files))


@pytest.mark.parametrize(
    ("ddl", "steps", "files", "held"),
    [
        (PAIR, STEPS, {}, ["children", "parents"]),
        (  # upsert needs its key (ON CONFLICT)
            PAIR,
            STEPS.replace('csv = "parents.csv"\n', 'csv = "parents.csv"\nmode = "upsert"\n'),
            {},
            ["children"],
        ),
        (  # a SQL step names the table: it may need the key
            PAIR,
            STEPS + '\n[steps.more]\nsql = "more.sql"\ndepends_on = ["children"]\n',
            {"more.sql": "UPDATE Parents SET symbol = 'Z' WHERE id = 3;\n"},
            ["children"],
        ),
        (  # a trigger's function runs during the load and names the table
            PAIR + "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n"
            "  INSERT INTO parents VALUES (NEW.id, 'x') ON CONFLICT DO NOTHING; RETURN NEW;\n"
            "END $$;\n",
            STEPS,
            {},
            ["children"],
        ),
    ],
    ids=["both", "upsert", "sql-step", "function"],
)
def test_which_tables_keys_wait_for_the_data(
    tmp_path: Path, ddl: str, steps: str, files: dict[str, str], held: list[str]
) -> None:
    assert _holdable(_seed(tmp_path, ddl, steps=steps, files=files)) == held


_CATALOG = """
SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid),
       c.condeferrable, c.condeferred, c.convalidated, coalesce(pg_get_indexdef(c.conindid), '')
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> 'seedkit_history'
ORDER BY 1, 2
"""


def _catalog(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(_CATALOG).fetchall()]
    finally:
        engine.dispose()


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]
    finally:
        engine.dispose()


def test_postgres_builds_inline_keys_after_the_data_as_declared(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ddl = PAIR + (
        "CREATE TABLE tagged (id integer, code text, PRIMARY KEY (id) WITH (fillfactor = 70),\n"
        "  CONSTRAINT tagged_code UNIQUE (code) DEFERRABLE INITIALLY DEFERRED,\n"
        "  parent integer CONSTRAINT tagged_parent REFERENCES parents ON DELETE CASCADE);\n"
    )
    manifest = _seed(
        tmp_path,
        ddl,
        steps=STEPS + '\n[steps.tagged]\ncsv = "tagged.csv"\n',
        files={"tagged.csv": "id,code,parent\n1,a,1\n2,b,\n"},
    )
    with caplog.at_level(logging.DEBUG, logger="seedkit.sql"):
        api.apply(manifest, url=pg_url)
    sent = [r.getMessage() for r in caplog.records]
    for name in ("parents_pkey", "parents_symbol_key", "children_parent_id_fkey", "tagged_code"):
        dropped = [s for s in sent if "DROP CONSTRAINT" in s and name in s]
        added = [s for s in sent if "ADD CONSTRAINT" in s and name in s]
        assert dropped and added, name
    # An index with a storage option is built with its table (the catalog cannot say it).
    assert not [s for s in sent if "DROP CONSTRAINT" in s and "tagged_pkey" in s]
    assert _rows(pg_url, "SELECT id, parent_id FROM children ORDER BY id") == [
        (1, 1),
        (2, 3),
        (3, None),
    ]
    # The same DDL run by itself makes the same keys, names, definitions and indexes.
    loaded = _catalog(pg_url)
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.exec_driver_sql(ddl)
    finally:
        engine.dispose()
    assert loaded == _catalog(pg_url)
    assert len(loaded) == 7


def test_postgres_keeps_a_key_something_depends_on(pg_url: str, tmp_path: Path) -> None:
    # A view grouping by the primary key depends on it; a comment names a constraint.
    ddl = PAIR + (
        "CREATE VIEW per_parent AS SELECT p.id, p.symbol, count(c.id) AS n\n"
        "  FROM parents p LEFT JOIN children c ON c.parent_id = p.id GROUP BY p.id;\n"
        "COMMENT ON CONSTRAINT children_pkey ON children IS 'the key';\n"
    )
    api.apply(_seed(tmp_path, ddl), url=pg_url)
    assert _rows(pg_url, "SELECT id, symbol, n FROM per_parent ORDER BY id") == [
        (1, "A", 1),
        (2, "B", 0),
        (3, "C", 1),
    ]
    comment = "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint"
    assert _rows(pg_url, comment + " WHERE conname = 'children_pkey'") == [("the key",)]


def _fails_at(manifest: Path, url: str) -> SeedkitError:
    with pytest.raises(SeedkitError) as caught:
        api.apply(manifest, url=url)
    return caught.value


def _left_empty(url: str, table: str) -> None:
    """Nothing applied; on MariaDB (DDL and each step committed) `table` left empty."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert url.startswith("mysql") or not {"parents", "children"} & set(tables)
            if tables:
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("parents", "line"),
    [("id,symbol\n1,A\n2,B\n3,C\n1,D\n", 5), ("id,symbol\n1,A\n2,B\n3,C\n4,B\n", 5)],
    ids=["primary-key", "unique"],
)
def test_a_repeated_inline_key_is_named_at_its_row(
    url: str, tmp_path: Path, parents: str, line: int
) -> None:
    manifest = _seed(tmp_path, parents=parents)
    error = _fails_at(manifest, url)
    assert error.location is not None
    assert (error.location.file, error.location.line) == (str(tmp_path / "parents.csv"), line)
    if url.startswith("postgresql"):  # built after the data: PostgreSQL's index message
        assert "could not create unique index" in error.message
    _left_empty(url, "parents")
    assert [(p.file, p.line) for p in api.check(manifest).problems] == [
        (str(tmp_path / "parents.csv"), line)
    ]


def test_a_missing_parent_of_an_inline_key_is_named_at_its_row(url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, children=CHILDREN + "4,9,w\n5,2,v\n")
    error = _fails_at(manifest, url)
    assert error.location is not None
    assert (error.location.file, error.location.line) == (str(tmp_path / "children.csv"), 5)
    if url.startswith("postgresql"):
        assert error.hint is not None and "parent_id = 9 has no row in parents" in error.hint
    _left_empty(url, "children")
    assert [(p.file, p.line) for p in api.check(manifest).problems] == [
        (str(tmp_path / "children.csv"), 5)
    ]
