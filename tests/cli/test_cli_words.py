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
    assert re.fullmatch(r"… b \(sql\): 1 row so far, [\d,]+ rows/s", lines[3]), lines
    assert lines[4].startswith("ran b (sql): 1 row in "), lines
    quiet = CliRunner().invoke(
        app,
        ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'q.db'}"],
        env={"SEEDKIT_PROGRESS_SECONDS": "3600"},
    )
    assert "so far" not in quiet.output, quiet.output


def test_status_names_a_ddl_file_as_plan_and_apply_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proj").mkdir()
    manifest = _two_steps(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)  # the manifest lies in a folder below
    url = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    applied = runner.invoke(app, ["apply", "-m", str(manifest), "--url", url, "--format", "json"])
    plan = runner.invoke(app, ["plan", "-m", str(manifest), "--format", "json"])
    status = runner.invoke(app, ["status", "-m", str(manifest), "--url", url, "--format", "json"])
    import json

    shown = json.loads(plan.stdout)["ddl"][0]["file"]
    assert shown == "proj/s.sql"
    assert json.loads(applied.stdout)["steps"][0]["name"] == shown
    assert json.loads(status.stdout)["entries"][0]["name"] == shown


def test_answering_no_at_the_reset_prompt_says_cancelled(tmp_path: Path) -> None:
    manifest = _two_steps(tmp_path)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["apply", "-m", str(manifest), "--url", url]).exit_code == 0
    no = runner.invoke(app, ["reset", "-m", str(manifest), "--url", url], input="n\n")
    assert no.exit_code == 2
    assert no.output.endswith("Drop them? [y/N]: n\ncancelled: nothing dropped\n"), no.output
    closed = runner.invoke(app, ["reset", "-m", str(manifest), "--url", url], input="")
    assert closed.exit_code == 2
    assert closed.output.rstrip().endswith(
        "Drop them? [y/N]:\nnothing dropped: no answer to the question (no terminal?); "
        "pass --yes to drop without asking"
    ), closed.output
    fresh = runner.invoke(app, ["apply", "-m", str(manifest), "--url", url, "--fresh"], input="n\n")
    assert fresh.exit_code == 2
    assert fresh.output.endswith("cancelled: nothing dropped or applied\n"), fresh.output


def test_a_postgres_scheme_url_is_read_as_postgresql_psycopg(pg_url: str, tmp_path: Path) -> None:
    manifest = _two_steps(tmp_path)
    url = pg_url.replace("postgresql+psycopg://", "postgres://")
    assert url.startswith("postgres://")
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", url, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.stdout)["target"].startswith("postgresql+psycopg://")


def test_check_wraps_what_a_dry_run_does_not_check(tmp_path: Path) -> None:
    manifest = _two_steps(tmp_path)
    result = CliRunner().invoke(app, ["check", "-m", str(manifest)], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("not checked by a dry run:")
    items = lines[at + 1 : lines.index(next(x for x in lines[at:] if x.startswith("ok: ")))]
    assert items[0].startswith("  - triggers, functions and procedures are not run")
    assert len(items) > 5  # wrapped: more lines than items
    assert all(len(line) <= 60 and line.startswith(("  - ", "    ")) for line in items), items


def test_psycopg_warnings_about_a_reported_error_stay_off_the_screen(
    pg_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    from seedkit.cli import quiet_driver_warnings

    quiet_driver_warnings()
    # What psycopg does when an error is raised inside its pipeline while a statement it
    # queued fails too: it logs "error ignored terminating <psycopg.Pipeline …>".
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, pytest.raises(RuntimeError), conn.pipeline():
        conn.execute("SELECT 1/0")
        raise RuntimeError("the error seedkit reports")
    assert "error ignored" not in capfd.readouterr().err
