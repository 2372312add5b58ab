"""`seedkit reset` drops what history recorded as created, not only what the DDL says now:
a table taken out of the DDL after an apply does not survive the reset."""

from __future__ import annotations

from pathlib import Path

from example import table_names
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app

DDL = (
    "CREATE TABLE venues (id integer PRIMARY KEY);\n"
    "CREATE TABLE events (id integer PRIMARY KEY, venue integer REFERENCES venues (id));\n"
    "CREATE VIEW busy AS SELECT venue FROM events;\n"
)


def _seed(folder: Path, ddl: str, events: bool = True) -> Path:
    (folder / "schema.sql").write_text(ddl)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "gone"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        "[steps.venues]\nrows = [{ id = 1 }]\n"
        + ("\n[steps.events]\nrows = [{ id = 1, venue = 1 }]\n" if events else "")
    )
    return manifest


def test_reset_drops_a_table_taken_out_of_the_ddl(url: str, tmp_path: Path) -> None:
    api.apply(_seed(tmp_path, DDL), url=url)
    assert {"venues", "events", "busy"} <= table_names(url) | _views(url)
    manifest = _seed(tmp_path, "CREATE TABLE venues (id integer PRIMARY KEY);\n", events=False)
    preview = api.reset_preview(manifest, url)
    assert [f"{i.kind} {i.name}" for i in preview.items] == [
        "view busy",
        "table events",
        "table venues",
    ]
    result = CliRunner().invoke(app, ["reset", "-m", str(manifest), "--url", url, "--yes"])
    assert result.exit_code == 0, result.output
    assert not {"venues", "events", "seedkit_history"} & table_names(url)
    assert "busy" not in _views(url)


def test_status_does_not_list_what_the_ddl_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    manifest = _seed(tmp_path, DDL)
    api.apply(manifest, url=url)
    assert [(e.kind, e.state) for e in api.status(manifest, url).entries] == [
        ("ddl", "applied"),
        ("step", "applied"),
        ("step", "applied"),
    ]


def _views(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {v.lower() for v in sa.inspect(conn).get_view_names()}
    finally:
        engine.dispose()
