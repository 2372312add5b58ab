"""The reference docs are generated, and a test fails as soon as they lag behind the code.

Each generated file is compared with what scripts/gen_docs.py would write now, so a
manifest key or a CLI option added without regenerating the docs fails here, with
the command to run.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
import typer
from example import ROOT
from pydantic import Field, create_model

from seedkit.manifest.models import ManifestModel, ProjectModel

FIX = "docs are stale: run `python scripts/gen_docs.py` and commit the result"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    """scripts/gen_docs.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manifest_reference_is_current(gen: ModuleType) -> None:
    on_disk = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    assert on_disk == gen.manifest_reference(), f"docs/manifest.md: {FIX}"


def test_cli_reference_is_current(gen: ModuleType) -> None:
    on_disk = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert on_disk == gen.cli_reference(), f"docs/cli.md: {FIX}"


def test_readme_graph_is_generated(gen: ModuleType) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == gen.readme_with_graph(readme), f"README.md graph block: {FIX}"
    assert "```mermaid\nflowchart LR\n" in readme
    assert "    tickers --> rules\n" in readme


def test_every_manifest_key_has_an_entry(gen: ModuleType) -> None:
    text = gen.manifest_reference()
    for section, model in gen._sections(ManifestModel, ""):
        for key in model.model_fields:
            assert f"| `{key}` |" in text, (section, key)
    assert "| `infer_dependencies` | boolean | `true` |" in text
    assert '| `mode` | "insert" \\| "upsert" \\| "replace" \\| "mirror" | `"insert"` |' in text
    assert "## `[steps.NAME.csv]`" in text


def test_a_new_manifest_key_makes_the_reference_stale(gen: ModuleType) -> None:
    project = create_model(
        "ProjectModel",
        __base__=ProjectModel,
        lock_timeout=(int, Field(30, description="Seconds to wait for the lock.")),
    )
    root = create_model("ManifestModel", __base__=ManifestModel, project=(project, ...))
    text = gen.manifest_reference(root)
    assert "| `lock_timeout` | integer | `30` | Seconds to wait for the lock. |" in text
    assert text != (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")


def test_a_new_cli_option_makes_the_reference_stale(gen: ModuleType) -> None:
    from seedkit.cli import app

    grown = typer.Typer(name="seedkit", add_completion=False)
    grown.registered_commands = list(app.registered_commands)

    @grown.command("apply-faster")
    def apply_faster(
        parallel: int = typer.Option(1, "--parallel", help="Steps of a level run at once."),
    ) -> None:
        """A command added without regenerating the docs."""

    text = gen.cli_reference(grown)
    assert "## seedkit apply-faster" in text
    assert "--parallel" in text
    assert text != (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_help_width_does_not_depend_on_the_terminal(
    gen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedkit.cli import app

    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("FORCE_COLOR", "1")
    narrow = gen.help_text(app, ["apply"])
    monkeypatch.setenv("COLUMNS", "250")
    assert gen.help_text(app, ["apply"]) == narrow
    assert max(len(line) for line in narrow.splitlines()) == gen.HELP_WIDTH


def test_check_mode_reports_nothing_stale(
    gen: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen.main(["--check"]) == 0, capsys.readouterr().out


def test_hand_written_pages_exist() -> None:
    for page in ("index.md", "coming-from.md", "pytest.md", "snapshot.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert text.startswith("# "), page
    coming = (ROOT / "docs" / "coming-from.md").read_text(encoding="utf-8")
    for heading in ("dbt seeds", "Liquibase loadData", "hand-written seed script"):
        assert heading in coming
