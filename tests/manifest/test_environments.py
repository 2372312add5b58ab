"""Environments (`[environments.NAME]`, --env, SEEDKIT_ENV) and tags (--select tag:X,
--exclude): which steps run, in which mode, on which target, and what history records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

SCHEMA = """\
CREATE TABLE colors (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);
CREATE TABLE shades (
    id INTEGER PRIMARY KEY,
    color_id INTEGER NOT NULL REFERENCES colors (id),
    name VARCHAR(20) NOT NULL
);
CREATE TABLE demo_users (id INTEGER PRIMARY KEY, login VARCHAR(20) NOT NULL);
"""

MANIFEST = """\
[project]
name = "palette"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.colors]
csv = "colors.csv"
tags = ["reference"]

[steps.shades]
csv = "shades.csv"
tags = ["reference", "detail"]

[steps.extra_colors]
table = "colors"
rows = [{{ id = 9, name = "grey" }}]
depends_on = ["colors"]
mode = "upsert"

[environments.dev]
url = "sqlite:///{dev}"
steps.demo_users = {{ csv = "demo_users.csv", tags = ["demo"] }}
modes = {{ colors = "upsert" }}

[environments.prod]
url = "sqlite:///{prod}"
exclude = ["extra_colors"]
modes = {{ shades = "mirror" }}
"""


def write_seed(root: Path) -> Path:
    """The palette seed in `root`: two environments whose targets are SQLite files there."""
    files = {
        "schema.sql": SCHEMA,
        "colors.csv": "id,name\n1,red\n2,blue\n",
        "shades.csv": "id,color_id,name\n1,1,crimson\n2,2,navy\n",
        "demo_users.csv": "id,login\n1,alice\n",
        "seed.toml": MANIFEST.format(dev=root / "dev.db", prod=root / "prod.db"),
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root / "seed.toml"


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def rows(url: str, table: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            if table not in names:
                return []
            return [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")]
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEEDKIT_ENV", raising=False)
    monkeypatch.delenv("SEEDKIT_URL", raising=False)


def test_dev_and_prod_get_their_steps_modes_and_targets(tmp_path: Path) -> None:
    manifest = write_seed(tmp_path)
    dev, prod = f"sqlite:///{tmp_path / 'dev.db'}", f"sqlite:///{tmp_path / 'prod.db'}"

    code, out, _ = cli("plan", "-m", str(manifest), "--env", "dev", "--format", "json")
    assert code == 0
    plan = json.loads(out)
    assert plan["environment"] == "dev"
    modes = {s["name"]: s["mode"] for level in plan["levels"] for s in level["steps"]}
    assert modes == {
        "colors": "upsert",
        "shades": "insert",
        "extra_colors": "upsert",
        "demo_users": "insert",
    }
    code, out, _ = cli("plan", "-m", str(manifest), "--env", "prod")
    assert code == 0
    assert out.startswith("plan for palette in environment prod →")
    assert f"→{prod}" in "".join(out.split())  # the title wraps at the terminal's width

    code, out, _ = cli("apply", "-m", str(manifest), "--env", "dev", "--format", "json")
    assert code == 0, out
    applied = {s["name"]: s["detail"] for s in json.loads(out)["steps"] if s["kind"] != "ddl"}
    assert applied == {
        "colors": "upsert",
        "shades": "insert",
        "extra_colors": "upsert",
        "demo_users": "insert",
    }
    code, out, _ = cli(
        "apply", "-m", str(manifest), "--format", "json", env={"SEEDKIT_ENV": "prod"}
    )
    assert code == 0, out
    applied = {s["name"]: s["detail"] for s in json.loads(out)["steps"] if s["kind"] != "ddl"}
    assert applied == {"colors": "insert", "shades": "mirror"}

    assert rows(dev, "colors") == [(1, "red"), (2, "blue"), (9, "grey")]
    assert rows(dev, "demo_users") == [(1, "alice")]
    assert rows(prod, "colors") == [(1, "red"), (2, "blue")]
    assert rows(prod, "demo_users") == []
    assert rows(prod, "shades") == [(1, 1, "crimson"), (2, 2, "navy")]

    history = {(r[2], r[-1]) for r in rows(dev, "seedkit_history") if r[1] == "step"} | {
        (r[2], r[-1]) for r in rows(prod, "seedkit_history") if r[1] == "step"
    }
    assert history == {
        ("colors", "dev"),
        ("shades", "dev"),
        ("extra_colors", "dev"),
        ("demo_users", "dev"),
        ("colors", "prod"),
        ("shades", "prod"),
    }
    code, out, _ = cli("status", "-m", str(manifest), "--env", "prod", "--format", "json")
    assert {e["name"]: e["environment"] for e in json.loads(out)["entries"]}["shades"] == "prod"


def test_an_unknown_environment_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    manifest = write_seed(tmp_path)
    code, _, err = cli("plan", "-m", str(manifest), "--env", "prdo")
    assert code == 2
    assert err == (
        "error: seed.toml [environments]: --env names an unknown environment `prdo`\n"
        "  hint: did you mean `prod`?\n"
    ).replace("seed.toml", str(manifest))
    code, _, err = cli("check", "-m", str(manifest), env={"SEEDKIT_ENV": "qa"})
    assert code == 2
    assert "SEEDKIT_ENV names an unknown environment `qa`" in err
    assert "hint: environments in this manifest: `dev`, `prod`" in err
    assert not (tmp_path / "dev.db").exists() and not (tmp_path / "prod.db").exists()


@pytest.mark.parametrize(
    ("edit", "message", "key_line"),
    [
        (
            ('exclude = ["extra_colors"]', 'exclude = ["extra_color"]'),
            "environment `prod` excludes `extra_color`, which is not a step",
            'exclude = ["extra_color"]',
        ),
        (
            ('modes = {{ shades = "mirror" }}', 'modes = {{ shade = "mirror" }}'),
            "environment `prod` sets the mode of `shade`, which is not a step here",
            'modes = { shade = "mirror" }',
        ),
        (
            ('exclude = ["extra_colors"]', 'exclude = ["colors"]'),
            "step `extra_colors` depends on `colors`, which environment `prod` excludes",
            'depends_on = ["colors"]',
        ),
        (
            ('csv = "demo_users.csv"', 'csv = "missing.csv"'),
            "missing.csv",
            "steps.demo_users = {",
        ),
    ],
)
def test_environment_mistakes_point_at_their_line(
    tmp_path: Path, edit: tuple[str, str], message: str, key_line: str
) -> None:
    global MANIFEST
    saved = MANIFEST
    old, new = edit
    assert old in MANIFEST
    MANIFEST = MANIFEST.replace(old, new)
    try:
        manifest = write_seed(tmp_path)
    finally:
        MANIFEST = saved
    env = "dev" if "demo_users" in key_line else "prod"
    code, _, err = cli("validate", "-m", str(manifest), "--env", env)
    assert code == 2, err
    lines = manifest.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if key_line in text)
    assert err.startswith(f"error: {manifest}:{line}:"), err
    assert message in err


def test_history_of_format_1_is_migrated_and_keeps_its_rows(url: str, tmp_path: Path) -> None:
    manifest = write_seed(tmp_path)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE seedkit_history (project VARCHAR(200) NOT NULL, "
                "kind VARCHAR(16) NOT NULL, name VARCHAR(255) NOT NULL, "
                "fingerprint VARCHAR(64) NOT NULL, row_count BIGINT NOT NULL, "
                "seedkit_version VARCHAR(40) NOT NULL, applied_at VARCHAR(32) NOT NULL, "
                "duration_ms BIGINT NOT NULL, PRIMARY KEY (project, kind, name))"
            )
            conn.exec_driver_sql(
                "INSERT INTO seedkit_history VALUES "
                "('', 'schema', 'version', '1', 0, '0.0.9', '2026-01-01T00:00:00.000000Z', 0), "
                "('other', 'step', 'x', 'abc', 3, '0.0.9', '2026-01-01T00:00:00.000000Z', 5)"
            )
    finally:
        engine.dispose()
    # Reading a format-1 table works before any migration.
    code, out, _ = cli("status", "-m", str(manifest), "--url", url, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["entries"][0]["state"] == "pending"
    code, out, _ = cli("apply", "-m", str(manifest), "--url", url, "--env", "dev")
    assert code == 0, out
    table = rows(url, "seedkit_history")
    by_name = {(r[0], r[1], r[2]): r for r in table}
    assert by_name[("", "schema", "version")][3] == "2"
    assert by_name[("other", "step", "x")][3:5] == ("abc", 3)
    assert by_name[("other", "step", "x")][-1] is None
    assert by_name[("palette", "step", "demo_users")][-1] == "dev"


TAGGED = """\
[project]
name = "tags"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.colors]
csv = "colors.csv"
tags = ["reference"]

[steps.shades]
csv = "shades.csv"
tags = ["reference", "detail"]

[steps.demo_users]
csv = "demo_users.csv"
tags = ["demo"]
"""


def test_select_and_exclude_by_tag_on_each_database(url: str, tmp_path: Path) -> None:
    write_seed(tmp_path)
    manifest = tmp_path / "seed.toml"
    manifest.write_text(TAGGED, encoding="utf-8")
    code, out, err = cli(
        "apply", "-m", str(manifest), "--url", url, "--select", "tag:reference",
        "--exclude", "tag:detail", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    ran = [s["name"] for s in json.loads(out)["steps"] if s["kind"] != "ddl"]
    assert ran == ["colors"]
    assert [r[:2] for r in rows(url, "colors")] == [(1, "red"), (2, "blue")]
    assert rows(url, "shades") == [] and rows(url, "demo_users") == []
    code, out, err = cli(
        "apply", "-m", str(manifest), "--url", url, "--exclude", "colors", "--exclude",
        "tag:demo", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    ran = [s["name"] for s in json.loads(out)["steps"] if s["kind"] != "ddl"]
    assert ran == ["shades"]
    assert len(rows(url, "shades")) == 2 and rows(url, "demo_users") == []
    code, _, err = cli("plan", "-m", str(manifest), "--exclude", "tag:demos")
    assert code == 2
    assert "--exclude `tag:demos`: no step has the tag `demos`" in err
    assert "did you mean `tag:demo`?" in err


def test_tag_selectors_take_graph_operators(tmp_path: Path) -> None:
    manifest = write_seed(tmp_path)
    code, out, _ = cli(
        "validate", "-m", str(manifest), "--select", "+tag:detail", "--format", "json"
    )
    # shades, and both steps loading `colors`, the table its foreign key references
    assert (code, json.loads(out)["steps"]) == (0, 3)
    code, out, _ = cli(
        "plan", "-m", str(manifest), "--select", "tag:reference+", "--exclude", "shades",
        "--format", "json",
    )  # fmt: skip
    names = [s["name"] for level in json.loads(out)["levels"] for s in level["steps"]]
    assert (code, names) == (0, ["colors", "extra_colors"])
