"""DDL indexes built after the steps (seedkit.plan.deferred), on the real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from seedkit import api
from seedkit.errors import SeedkitError
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.plan.deferred import plan_deferral
from seedkit.sources.sql import read_statements

TABLE = "CREATE TABLE items (id INTEGER PRIMARY KEY, code VARCHAR(16), name TEXT);\n"
INDEX = "CREATE UNIQUE INDEX items_code ON items (code);\n"
ROWS = "id,code,name\n1,A,one\n2,B,two\n3,,three\n4,,four\n"  # two NULL codes: allowed


def _seed(folder: Path, ddl: str, rows: str = ROWS, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(ddl)
    (folder / "items.csv").write_text(rows)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "deferred"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.items]\ncsv = "items.csv"\n' + extra
    )
    return manifest


def _held(manifest: Path) -> list[str]:
    """The statements the executor would hold back, first line of each."""
    plan = build_plan(load_manifest(manifest))
    files = [(d.path, list(read_statements(d.path, plan.source_dialect))) for d in plan.ddl]
    return [d.statement.sql.strip().splitlines()[0] for d in plan_deferral(plan, files).values()]


@pytest.mark.parametrize(
    ("ddl", "extra", "held"),
    [
        (TABLE + INDEX, "", 1),
        (TABLE + "CREATE INDEX items_name ON items (name, code);\n", "", 1),
        (TABLE + "CREATE UNIQUE INDEX items_lower ON items (lower(code));\n", "", 0),  # expression
        (TABLE + "CREATE UNIQUE INDEX items_a ON items (code) WHERE id > 1;\n", "", 0),  # partial
        (INDEX, "", 0),  # a table this DDL does not create
        (
            TABLE + INDEX + "CREATE TABLE kids (id INTEGER, code VARCHAR(16) "
            "REFERENCES items (code));\n",
            "",
            0,  # a later statement names the table (and a foreign key references it)
        ),
        (TABLE + INDEX + "COMMENT ON INDEX items_code IS 'x';\n", "", 0),  # names the index
        (TABLE + INDEX, 'mode = "upsert"\nkey = ["id"]\n', 0),  # ON CONFLICT needs indexes
        (TABLE + INDEX + "CREATE INDEX items_name ON items (name);\n", "", 2),  # both
        ("-- the table\n" + TABLE + "/* its key */\n" + INDEX, "", 1),  # comments before
    ],
    ids=[
        "unique",
        "plain",
        "expression",
        "partial",
        "not-created",
        "referenced",
        "named",
        "upsert",
        "two",
        "comments",
    ],
)
def test_which_indexes_wait_for_the_steps(tmp_path: Path, ddl: str, extra: str, held: int) -> None:
    assert len(_held(_seed(tmp_path, ddl, extra=extra))) == held


def test_an_index_a_sql_step_names_is_built_first(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, TABLE + INDEX)
    (tmp_path / "more.sql").write_text("INSERT INTO Items (id, code) VALUES (9, 'Z');\n")
    manifest.write_text(
        manifest.read_text() + '\n[steps.more]\nsql = "more.sql"\ndepends_on = ["items"]\n'
    )
    assert _held(manifest) == []


def _kind(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def test_a_held_back_index_exists_after_the_apply(url: str, tmp_path: Path) -> None:
    assert api.apply(_seed(tmp_path, TABLE + INDEX), url=url) is not None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, code FROM items ORDER BY id")).fetchall()
            assert [tuple(r) for r in rows] == [(1, "A"), (2, "B"), (3, None), (4, None)]
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:  # the index is unique
            conn.execute(sa.text("INSERT INTO items (id, code) VALUES (5, 'A')"))
    finally:
        engine.dispose()


def test_a_key_given_twice_is_named_at_its_row(url: str, tmp_path: Path) -> None:
    rows = "id,code,name\n1,A,one\n2,B,two\n3,,three\n4,B,again\n5,C,five\n"
    manifest = _seed(tmp_path, TABLE + INDEX, rows=rows)
    with pytest.raises(SeedkitError) as caught:
        api.apply(manifest, url=url)
    error = caught.value
    assert error.location is not None and error.location.file is not None
    assert error.location.file.endswith("items.csv")
    assert error.location.line == 5  # the header, then the second row with code B
    if _kind(url) == "postgresql":  # built after the load: PostgreSQL's index message
        assert "could not create unique index" in error.message
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:  # nothing was applied (MySQL commits its DDL)
            tables = sa.inspect(conn).get_table_names()
            if "items" in tables:
                assert conn.execute(sa.text("SELECT count(*) FROM items")).scalar() == 0
    finally:
        engine.dispose()
