"""The reference docs are generated, and a test fails as soon as they lag behind the code.

Each generated file is compared with what scripts/gen_docs.py would write now, so a
manifest key or a CLI option added without regenerating the docs fails here, with
the command to run.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
import typer
from example import ROOT, copy_example
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


# -- the command lines the README and the guides show ------------------------------------

PAGES = (
    "README.md",
    "docs/index.md",
    "docs/ci.md",
    "docs/coming-from.md",
    "docs/snapshot.md",
    "docs/plugins.md",
    "docs/pytest.md",
)
#: Commands run against a copy of the example, as written: they need no server.
RUNNABLE = {"validate", "plan", "graph", "check", "schema", "plugins"}


def command_lines(text: str) -> list[str]:
    """Every `seedkit …` command a page shows: lines of its code blocks (comments, pipes and
    redirections cut off; a CI step's `- run:` too) and inline code spans, templates read
    as a user would fill them (`[--url U]` → `--url U`, `mermaid|dot` → `mermaid`)."""
    found: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"^\s*(- run:\s*)?", "", line)
            if re.match(r"seedkit(\s|$)", line):
                line = re.split(r"\s#\s|\s[|>]\s", line)[0]
                found.append(" ".join(line.split()))
    for span in re.findall(r"`(seedkit [^`]+)`", text):  # not the bare name
        span = span.replace("\\|", "|").replace("[", "").replace("]", "").replace("…", "x")
        span = re.sub(r"(\S+?)\|\S+", r"\1", span)
        found.append(span)
    return found


def _usage_error() -> type[Exception]:
    """The UsageError Typer raises: from the copy of Click newer Typer versions carry, else
    from Click (installed beside such a Typer, as import-linter's dependency, Click's own
    class is not the one raised)."""
    try:
        from typer._click.exceptions import UsageError
    except ImportError:
        from click.exceptions import UsageError  # type: ignore[no-redef]
    return UsageError


def _parse(args: list[str]) -> None:
    """Parse a command line as the CLI would, without running it; raise on a bad one."""
    from seedkit.cli import app

    group = typer.main.get_command(app)
    if args and args[0].startswith("-"):  # `seedkit --version`: named, never run here
        # (running --install-completion would change the shell's start-up file)
        known = {o for p in group.params for o in p.opts} | {"--help"}
        assert args[0] in known, f"no option {args[0]}"
        return
    try:
        with group.make_context("seedkit", list(args)) as ctx:
            # the command's name: `protected_args` in Click, `_protected_args` in Typer's copy
            named = getattr(ctx, "protected_args", None) or getattr(ctx, "_protected_args", [])
            words = [*named, *ctx.args]
            if not words:
                return
            name, *rest = words
            command = group.get_command(ctx, name)  # type: ignore[attr-defined]
            assert command is not None, f"no command `{name}`"
            if rest or not any(p.required for p in command.params):
                command.make_context(name, rest, parent=ctx)  # a bare name only names it
    except Exception as exc:
        if type(exc).__name__ != "Exit":  # --help: it answers and leaves
            raise


def test_every_command_line_in_the_docs_parses() -> None:
    import shlex

    seen = 0
    for page in PAGES:
        for line in command_lines((ROOT / page).read_text(encoding="utf-8")):
            args = shlex.split(line)[1:]
            try:
                _parse(args)
            except Exception as exc:  # noqa: BLE001 - the message names the line
                pytest.fail(f"{page}: `{line}` does not parse: {exc}")
            seen += 1
    assert seen >= 40, seen


def test_a_wrong_command_line_in_the_docs_would_fail() -> None:
    with pytest.raises(_usage_error()):
        _parse(["plan", "--no-such-option"])
    with pytest.raises(_usage_error()):
        _parse(["apply", "--format", "yaml"])
    with pytest.raises(AssertionError):
        _parse(["deploy"])
    with pytest.raises(AssertionError):
        _parse(["--verison"])
    assert command_lines("run `seedkit graph [--format mermaid\\|dot]`") == [
        "seedkit graph --format mermaid"
    ]


def test_the_readme_commands_run_against_the_example(tmp_path: Path) -> None:
    import shlex

    from typer.testing import CliRunner

    from seedkit.cli import app

    manifest = copy_example(tmp_path)
    ran = []
    for line in command_lines((ROOT / "README.md").read_text(encoding="utf-8")):
        args = shlex.split(line)[1:]
        if not args or args[0] not in RUNNABLE or any(a in ("--url", "-U") for a in args):
            continue
        if args[0] not in ("schema", "plugins") and "--manifest" not in args:
            args += ["--manifest", str(manifest)]
        else:
            args = [str(manifest) if a == "seed.toml" else a for a in args]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (line, result.output)
        ran.append(args[0])
    assert {"validate", "check", "graph", "plugins", "schema"} <= set(ran), ran


def test_the_index_numbers_levels_as_plan_does() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "level 0" not in index
    assert "level 1 first" in index
