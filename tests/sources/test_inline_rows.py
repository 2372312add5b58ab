"""Inline `rows`: a column a row leaves out takes the column's default (it is left out of
the INSERT), and an error about a row names the row: `seed.toml:L:C [steps.x.rows][N]`."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from seedkit import api
from seedkit.errors import SeedError

DDL = (
    "CREATE TABLE venues (id integer PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'anon',"
    " note varchar(20) NOT NULL DEFAULT 'none', seats integer);\n"
)


def _seed(folder: Path, rows: str, mode: str = "insert") -> Path:
    (folder / "schema.sql").write_text(DDL)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "inline"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        f'[steps.venues]\nmode = "{mode}"\nrows = [\n{rows}]\n'
    )
    return manifest


ROWS = (
    '  { id = 1, name = "Hall", seats = 10 },\n'
    "  { id = 2 },\n"
    '  { id = 3, note = "given" },\n'
    '  { id = 4, name = "Barn", note = "x", seats = 5 },\n'
)


def test_omitted_columns_take_their_defaults(url: str, tmp_path: Path) -> None:
    api.apply(_seed(tmp_path, ROWS), url=url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            got = conn.execute(
                sa.text("SELECT id, name, note, seats FROM venues ORDER BY id")
            ).fetchall()
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [
        (1, "Hall", "none", 10),
        (2, "anon", "none", None),
        (3, "anon", "given", None),
        (4, "Barn", "x", 5),
    ]


def test_upsert_leaves_an_omitted_column_as_it_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    api.apply(_seed(tmp_path, ROWS, "upsert"), url=url)
    api.apply(_seed(tmp_path, "  { id = 1, seats = 11 },\n  { id = 5 },\n", "upsert"), url=url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            got = conn.execute(sa.text("SELECT id, name, seats FROM venues ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [
        (1, "Hall", 11),
        (2, "anon", None),
        (3, "anon", None),
        (4, "Barn", 5),
        (5, "anon", None),
    ]


def test_the_dry_run_gives_omitted_columns_their_defaults(tmp_path: Path) -> None:
    report = api.check(_seed(tmp_path, ROWS))
    assert report.ok, [p.message for p in report.problems]
    assert [(s.name, s.rows) for s in report.steps if s.kind == "rows"] == [("venues", 4)]


def test_a_bad_value_names_its_row(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, '  { id = 1 },\n    { id = "two" },\n')
    with pytest.raises(SeedError) as caught:
        api.apply(manifest, url=f"sqlite:///{tmp_path / 'b.db'}")
    assert str(caught.value.location) == f"{manifest}:10:5 [steps.venues.rows][2]"
    assert caught.value.message.startswith("column `id`: ")


def test_a_row_the_database_refuses_names_its_row(url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "  { id = 1 },\n  { id = 2 }, { id = 1 },\n")
    with pytest.raises(SeedError) as caught:
        api.apply(manifest, url=url)
    if url.startswith("duckdb"):  # no savepoint to find the row in: the batch's first row
        assert str(caught.value.location) == f"{manifest}:9:3 [steps.venues.rows][1]"
        assert caught.value.message.endswith("(in the rows at lines 9-10)")
    else:
        assert str(caught.value.location) == f"{manifest}:10:15 [steps.venues.rows][3]"


def test_an_unknown_column_names_its_row(tmp_path: Path) -> None:
    manifest = tmp_path / "seed.toml"
    (tmp_path / "schema.sql").write_text(DDL)
    manifest.write_text(
        '[project]\nname = "inline"\nddl = ["schema.sql"]\n\n'
        "[[steps.venues.rows]]\nid = 1\n\n[[steps.venues.rows]]\nid = 2\nseat = 3\n"
    )
    with pytest.raises(SeedError) as caught:
        api.validate(manifest)
    assert str(caught.value.location) == f"{manifest}:8:1 [steps.venues.rows][2]"
    assert "`seat`" in caught.value.message
