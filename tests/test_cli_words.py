"""What the CLI says in small things: help text, plurals, prompts, hints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from seedkit.cli import app


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    return sorted(group.commands)


def test_help_shows_no_bool_or_list_types_and_every_option_says_what_it_does() -> None:
    group = typer.main.get_command(app)
    runner = CliRunner()
    for name in _commands():
        command = group.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"seedkit {name} {param.opts[0]} has no help"
        shown = runner.invoke(app, [name, "--help"], env={"COLUMNS": "120"}).output
        assert "<bool>" not in shown, (name, shown)
        assert "list[" not in shown, (name, shown)
    shown = runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "120"}).output
    assert "<step>" in shown


def _two_steps(folder: Path) -> Path:
    (folder / "seed.toml").write_text(
        '[project]\nname = "words"\nddl = ["s.sql"]\n\n'
        '[steps.a]\ncsv = "a.csv"\n\n[steps.b]\nsql = "b.sql"\n'
    )
    (folder / "s.sql").write_text(
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE b (id INTEGER PRIMARY KEY);\n"
    )
    (folder / "a.csv").write_text("id\n1\n2\n3\n")
    (folder / "b.sql").write_text("INSERT INTO b VALUES (1);\n")
    return folder / "seed.toml"


def test_counts_take_the_singular_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    manifest = _two_steps(tmp_path)
    (tmp_path / "seed.toml").write_text('[project]\nname = "one"\n\n[steps.b]\nsql = "b.sql"\n')
    result = CliRunner().invoke(app, ["validate", "-m", str(manifest)])
    assert result.exit_code == 0, result.output
    assert result.output == "ok: 1 step in 1 level, 0 DDL files\n"
    manifest = _two_steps(tmp_path)
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'w.db'}"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("ran s.sql (ddl): 0 rows in ") and lines[0].endswith(
        "s 2 statements"
    ), lines
    assert lines[2].startswith("ran b (sql): 1 row in ") and lines[2].endswith("s 1 statement"), (
        lines
    )
    assert re.search(r"│ b +│ sql +│ applied │ +1 │ [\d.]+s │ 1 statement +│", result.output)
    assert "1 statement " in result.output and "1 statements" not in result.output


def test_plain_output_prints_progress_lines_while_a_step_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    manifest = _two_steps(tmp_path)
    result = CliRunner().invoke(
        app,
        ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'w.db'}"],
        env={"SEEDKIT_PROGRESS_SECONDS": "0"},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"… a \(csv\): 3 rows so far, [\d,]+ rows/s", lines[1]), lines
    assert lines[2].startswith("ran a (csv): 3 rows in "), lines
    quiet = CliRunner().invoke(
        app,
        ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'q.db'}"],
        env={"SEEDKIT_PROGRESS_SECONDS": "3600"},
    )
    assert "so far" not in quiet.output, quiet.output
