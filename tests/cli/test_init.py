"""`seedkit init` writes a starter project that applies as it is, and never overwrites silently."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.manifest import load_manifest

STARTER_FILES = [
    "seed.toml",
    "seed.schema.json",
    "data/schema.sql",
    "data/colors.csv",
    "data/shades.sql",
]


def test_init_then_apply_in_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "My Shop"
    folder.mkdir()
    monkeypatch.chdir(folder)
    # an application's own database: the starter must not seed it
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("SEEDKIT_URL", raising=False)
    runner = CliRunner()
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == sorted(
        STARTER_FILES
    )
    applied = runner.invoke(app, ["apply"])  # no options: ./seed.toml, its default URL
    assert applied.exit_code == 0, applied.output
    assert not (tmp_path / "app.db").exists()
    with sqlite3.connect(folder / "my_shop.db") as conn:
        assert conn.execute("SELECT * FROM colors ORDER BY color_id").fetchall() == [
            (1, "red", "#ff0000"),
            (2, "green", "#00ff00"),
            (3, "blue", "#0000ff"),
        ]
        assert conn.execute("SELECT * FROM shades ORDER BY shade_id").fetchall() == [
            (1, 1, "crimson", "deep red"),
            (2, 2, "mint", None),
            (3, 3, "navy", ""),
        ]


def test_manifest_is_commented_and_valid(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "new"), "--name", "demo"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new" / "seed.toml").read_text()
    assert text.startswith("#:schema ./seed.schema.json\n# seed.toml: what seedkit loads")
    assert sum(line.startswith("#") for line in text.splitlines()) >= 8
    manifest = load_manifest(tmp_path / "new" / "seed.toml")
    assert manifest.name == "demo"
    assert sorted(manifest.model.steps) == ["colors", "shades"]
    graph = CliRunner().invoke(app, ["graph", "-m", str(tmp_path / "new")])
    assert "colors -. fk .-> shades" in graph.output


def test_init_applies_to_duckdb_and_postgres(tmp_path: Path, pg_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    for url in (f"duckdb:///{tmp_path / 'x.duckdb'}", pg_url):
        result = runner.invoke(app, ["apply", "-m", str(tmp_path), "--url", url])
        assert result.exit_code == 0, (url, result.output)
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                shades = conn.exec_driver_sql(
                    "SELECT s.name, c.name, s.note FROM shades s JOIN colors c"
                    " ON c.color_id = s.color_id ORDER BY s.shade_id"
                ).fetchall()
        finally:
            engine.dispose()
        assert [tuple(r) for r in shades] == [
            ("crimson", "red", "deep red"),
            ("mint", "green", None),
            ("navy", "blue", ""),
        ], url


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "colors.csv").write_text("mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.output
    assert "colors.csv" in result.output
    assert "--force" in result.output
    assert not (tmp_path / "seed.toml").exists()  # nothing written
    assert (tmp_path / "data" / "colors.csv").read_text() == "mine\n"
    forced = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "data" / "colors.csv").read_text().startswith("color_id,name,hex\n")


def test_init_points_editors_at_the_json_schema(tmp_path: Path) -> None:
    import json
    import tomllib

    import jsonschema

    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = (tmp_path / "seed.toml").read_text(encoding="utf-8")
    assert manifest.splitlines()[0] == "#:schema ./seed.schema.json"
    schema = json.loads((tmp_path / "seed.schema.json").read_text(encoding="utf-8"))
    printed = CliRunner().invoke(app, ["schema"])
    assert schema == json.loads(printed.stdout)  # the same as `seedkit schema`
    jsonschema.validate(tomllib.loads(manifest), schema)
    bad = tomllib.loads(manifest)
    bad["steps"]["colors"]["tagz"] = ["x"]
    with pytest.raises(jsonschema.ValidationError, match="tagz"):
        jsonschema.validate(bad, schema)
