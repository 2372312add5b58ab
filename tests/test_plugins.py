"""The plugin host, for real: throwaway distributions on sys.path found through entry points.

Each test writes a `*.dist-info` folder (METADATA + entry_points.txt) and a module
into a folder it puts on sys.path, then resets the host, so importlib.metadata finds
the plugin exactly as it finds an installed package.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from example import ROOT
from typer.testing import CliRunner

from seedkit import __version__, api
from seedkit.cli import app
from seedkit.plugins import reset_host

MARKET = ROOT / "manifests" / "market" / "seed.toml"
HOOKS = "from seedkit.hookspecs import hookimpl\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for throwaway distributions; the host is reset around the test."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    reset_host()
    yield folder
    reset_host()


def install(site: Path, dist: str, version: str, entry: str, code: str) -> str:
    """Write a distribution `dist` whose entry point `entry` names a fresh module of `code`."""
    import importlib

    module = f"{dist.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    (site / f"{module}.py").write_text(code, encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[seedkit]\n{entry} = {module}\n", encoding="utf-8")
    importlib.invalidate_caches()
    reset_host()
    return module


def source_plugin(kind: str) -> str:
    """Code of a plugin module providing a trivial source of `kind`."""
    return HOOKS + (
        "from pydantic import BaseModel\n"
        "from seedkit.sources.base import Source\n"
        "class Opts(BaseModel):\n"
        "    pass\n"
        "class Widget(Source):\n"
        f"    kind = {kind!r}\n"
        "    options_model = Opts\n"
        "@hookimpl\n"
        "def register_sources():\n"
        "    return [Widget]\n"
    )


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def write_manifest(folder: Path, steps: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE words (word VARCHAR(20) NOT NULL, parent_id INTEGER "
        "REFERENCES parents (id));\n",
        encoding="utf-8",
    )
    path = folder / "seed.toml"
    path.write_text(
        '[project]\nname = "p"\nddl = ["schema.sql"]\n\n'
        "[steps.parents]\nrows = [ { id = 3 }, { id = 5 } ]\n\n" + steps,
        encoding="utf-8",
    )
    return path


def test_builtin_kinds_come_through_the_same_hooks(site: Path) -> None:
    report = api.plugins()
    builtin = [p for p in report["plugins"] if p["builtin"]]
    assert [(p["name"], p["package"], p["version"]) for p in builtin] == [
        ("seedkit.builtin", "seedkit-db", __version__)
    ]
    assert builtin[0]["kinds"] == ["sql", "csv", "rows", "json", "ndjson", "parquet"]
    assert builtin[0]["hooks"] == ["register_adapters", "register_loaders", "register_sources"]
    assert report["conflicts"] == []


def test_broken_plugin_is_listed_and_fatal_only_when_its_kind_is_used(
    site: Path, tmp_path: Path
) -> None:
    install(site, "seedkit-broken", "2.3.4", "broken", "import seedkit_no_such_module_xyz\n")

    result = run("plugins", "--format", "json")
    assert result.exit_code == 0, result.output
    [broken] = [p for p in json.loads(result.stdout)["plugins"] if p["name"] == "broken"]
    assert (broken["package"], broken["version"], broken["kinds"]) == (
        "seedkit-broken",
        "2.3.4",
        [],
    )
    assert broken["error"] == "ModuleNotFoundError: No module named 'seedkit_no_such_module_xyz'"
    text = run("plugins")
    assert text.exit_code == 0
    assert "seedkit-broken" in text.output and "2.3.4" in text.output and "failed" in text.output

    # A manifest that does not use the kind applies as usual.
    ok = run("apply", "-m", str(MARKET), "--url", f"sqlite:///{tmp_path / 'm.db'}")
    assert ok.exit_code == 0, ok.output

    # One that does stops, naming the plugin, its package and version, and why.
    manifest = write_manifest(
        tmp_path / "uses", '[steps.words]\nsource = { kind = "broken", path = "x" }\n'
    )
    used = run("validate", "-m", str(manifest))
    assert used.exit_code == 2
    message = " ".join(used.output.split())
    assert (
        "seed.toml:9:12 [steps.words.source.kind]: source kind `broken` comes from plugin "
        "`broken` (seedkit-broken 2.3.4), which failed to load: ModuleNotFoundError: "
        "No module named 'seedkit_no_such_module_xyz'" in message
    ), message


def test_unknown_kind_names_broken_plugins_in_the_hint(site: Path, tmp_path: Path) -> None:
    install(site, "seedkit-oops", "0.9", "oops", "raise RuntimeError('boom')\n")
    manifest = write_manifest(tmp_path / "m", '[steps.words]\nsource = { kind = "widget" }\n')
    result = run("validate", "-m", str(manifest))
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "unknown source kind `widget`" in message
    assert "plugins that failed to load: `oops` (seedkit-oops 0.9): RuntimeError: boom" in message


def test_plugin_whose_hook_raises_is_reported_not_fatal(site: Path) -> None:
    install(
        site,
        "seedkit-hookfail",
        "1.2",
        "hookfail",
        HOOKS + "@hookimpl\ndef register_sources():\n    raise ValueError('no sources today')\n",
    )
    report = api.plugins()
    [plugin] = [p for p in report["plugins"] if p["name"] == "hookfail"]
    assert plugin["error"] == "ValueError: no sources today"
    assert "json" in [k for p in report["plugins"] for k in p["kinds"]]


def test_plugin_claiming_a_builtin_kind_stops_naming_both_packages(site: Path) -> None:
    install(site, "seedkit-dup-json", "1.0", "dupjson", source_plugin("json"))
    result = run("validate", "-m", str(MARKET))
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert (
        f"two plugins provide the source kind `json`: seedkit-db {__version__} and "
        "seedkit-dup-json 1.0" in message
    ), message
    listed = run("plugins")
    assert listed.exit_code == 2
    assert "seedkit-dup-json" in listed.output


def test_two_plugins_claiming_one_kind_stop_naming_both(site: Path) -> None:
    install(site, "seedkit-widget-a", "1.0", "widget_a", source_plugin("widget"))
    install(site, "seedkit-widget-b", "2.0", "widget_b", source_plugin("widget"))
    result = run("plugins", "--format", "json")
    assert result.exit_code == 2
    [conflict] = json.loads(result.stdout)["conflicts"]
    assert re.fullmatch(
        r"two plugins provide the source kind `widget`: "
        r"seedkit-widget-(a 1\.0|b 2\.0) and seedkit-widget-(a 1\.0|b 2\.0)",
        conflict,
    )
    assert "seedkit-widget-a 1.0" in conflict and "seedkit-widget-b 2.0" in conflict


def docs_example() -> str:
    """The worked example's code from docs/plugins.md."""
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    after = text.split("<!-- example: seedkit_lines.py -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("db", ["sqlite", "duckdb"])
def test_docs_worked_example_is_a_working_plugin(site: Path, tmp_path: Path, db: str) -> None:
    install(site, "seedkit-lines", "0.3.0", "lines", docs_example())
    manifest = write_manifest(
        tmp_path / "m",
        "[steps.words]\n"
        'source = { kind = "lines", path = "words.txt", column = "word", '
        'key_column = "parent_id", keys_from = "parents.id" }\n',
    )
    (manifest.parent / "words.txt").write_text("alpha\n\nbeta\ngamma\n", encoding="utf-8")
    url = f"{db}:///{tmp_path / 'w.db'}"
    result = run("apply", "-m", str(manifest), "--url", url)
    assert result.exit_code == 0, result.output

    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT word, parent_id FROM words ORDER BY word").fetchall()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("alpha", 3), ("beta", 5), ("gamma", 3)]

    [lines] = [p for p in api.plugins()["plugins"] if p["name"] == "lines"]
    assert (lines["package"], lines["version"], lines["kinds"]) == (
        "seedkit-lines",
        "0.3.0",
        ["lines"],
    )
    assert (
        "lines"
        in api.json_schema()["$defs"]["StepModel"]["properties"]["source"]["properties"]["kind"][
            "enum"
        ]
    )


def test_misspelt_plugin_option_is_located_with_a_suggestion(site: Path, tmp_path: Path) -> None:
    install(site, "seedkit-lines", "0.3.0", "lines", docs_example())
    manifest = write_manifest(
        tmp_path / "m",
        '[steps.words]\nsource = { kind = "lines", path = "w.txt", column = "word", '
        'key_colum = "parent_id" }\n',
    )
    result = run("validate", "-m", str(manifest))
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "seed.toml:9:61 [steps.words.source.key_colum]" in message, message
    assert "unknown key `steps.words.source.key_colum`" in message
    assert "did you mean `key_column`?" in message


def test_plugins_load_lazily_not_for_help(site: Path) -> None:
    import seedkit.plugins

    assert run("--help").exit_code == 0
    assert seedkit.plugins._host is None
    api.plugins()
    assert seedkit.plugins._host is not None
