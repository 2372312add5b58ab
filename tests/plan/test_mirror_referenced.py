"""Mirror deleting a row another table still references: `plan --url` warns, and apply
stops with a located message and a hint, not the driver's own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app
from seedkit.errors import SeedError

DDL = (
    "CREATE TABLE venues (id integer PRIMARY KEY, name varchar(20) NOT NULL);\n"
    "CREATE TABLE events (id integer PRIMARY KEY,"
    " venue integer NOT NULL REFERENCES venues (id));\n"
)


def _seed(folder: Path, venues: str) -> Path:
    (folder / "schema.sql").write_text(DDL)
    (folder / "events.csv").write_text("id,venue\n1,1\n2,2\n3,2\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "mirror"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        f'[steps.venues]\nmode = "mirror"\nrows = [{venues}]\n\n'
        '[steps.events]\ncsv = "events.csv"\n'
    )
    return manifest


BOTH = '{ id = 1, name = "Hall" }, { id = 2, name = "Barn" }, { id = 3, name = "Shed" }'
ONE = '{ id = 1, name = "Hall" }'


def test_apply_names_the_table_still_referencing_the_rows(url: str, tmp_path: Path) -> None:
    api.apply(_seed(tmp_path, BOTH), url=url)
    manifest = _seed(tmp_path, ONE)
    with pytest.raises(SeedError) as caught:
        api.apply(manifest, url=url)
    error = caught.value
    assert type(error).__name__ == "ReferencedRowsError"
    assert str(error.location) == f"{manifest}:8:1 [steps.venues.rows]"
    assert error.message == (
        "mode `mirror` would delete rows of venues that rows of events still reference (venue = 2)"
    )
    assert error.hint is not None and error.hint.startswith("keep those rows in this step's")
    assert "fix the statement" not in error.hint
    # nothing changed: venue 3, not referenced, is still there too
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ids = conn.execute(sa.text("SELECT id FROM venues ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert ids == [1, 2, 3]


def test_plan_url_warns_before_the_apply(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    api.apply(_seed(tmp_path, BOTH), url=url)
    manifest = _seed(tmp_path, ONE)
    diff = api.plan_diff(manifest, url)
    venues = next(c for c in diff.changes if c.name == "venues")
    assert (venues.delete, venues.referenced) == (2, {"events": 1})
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    text = runner.invoke(app, ["plan", "-m", str(manifest), "--url", url], env=env).stdout
    assert "deletes rows still referenced by events (1): apply fails" in text
    data = json.loads(
        runner.invoke(app, ["plan", "-m", str(manifest), "--url", url, "--format", "json"]).stdout
    )
    (step,) = [s for s in data["changes"]["steps"] if s["name"] == "venues"]
    assert step["referenced"] == {"events": 1}
