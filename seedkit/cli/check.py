"""`seedkit check`: the whole seed as a dry run in an in-memory DuckDB, for pull requests.

Also what `seedkit apply --dry-run` runs. Formats: `text` (Rich), `json` (the fields
documented in seedkit.dryrun.report), `github` (workflow annotations), `sarif` (code
scanning, seedkit.report.sarif) and `codequality` (GitLab, seedkit.report.codequality).
With $GITHUB_STEP_SUMMARY or `--summary FILE` it also appends a Markdown summary. Exit
0 when the seed is fine, 1 when it has a problem, 2 when the manifest cannot be used.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from seedkit.cli.shared import (
    DebugOpt,
    EnvOpt,
    ExcludeOpt,
    ManifestOpt,
    SelectOpt,
    SummaryOpt,
    VerboseOpt,
    guarded,
)

if TYPE_CHECKING:
    from rich.console import Console

    from seedkit.dryrun.report import CheckReport


class CheckFormat(StrEnum):
    """Output formats of `seedkit check`."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    codequality = "codequality"


def check(
    manifest: ManifestOpt = Path("seed.toml"),
    select: SelectOpt = None,
    exclude: ExcludeOpt = None,
    env: EnvOpt = None,
    format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            help="text, json, github (annotations), sarif (code scanning) or codequality (GitLab).",
        ),
    ] = CheckFormat.text,
    summary: SummaryOpt = None,
    sarif: Annotated[
        Path | None,
        typer.Option("--sarif", help="Also write the SARIF log to FILE, whatever --format."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="A seed without DDL: read its tables from this database (read only).",
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="sqlite, duckdb, mysql or postgres: also report what an apply there would "
            "refuse (SQLite and DuckDB: the ported seed is run in a scratch database).",
        ),
    ] = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Dry-run the whole seed in an in-memory DuckDB and report every problem with its place."""
    if target is not None and target.lower() not in (
        "sqlite",
        "duckdb",
        "mysql",
        "mariadb",
        "postgres",
        "postgresql",
    ):
        raise typer.BadParameter(
            f"{target!r}: give sqlite, duckdb, mysql or postgres", param_hint="--target"
        )
    run_check_command(
        manifest,
        select,
        format.value,
        debug,
        verbose,
        summary=summary,
        sarif=sarif,
        exclude=exclude,
        env=env,
        url=url,
        target=target,
    )


def run_check_command(
    manifest: Path,
    select: list[str] | None,
    format: str = "text",
    debug: bool = False,
    verbose: bool = False,
    *,
    summary: Path | None = None,
    sarif: Path | None = None,
    exclude: list[str] | None = None,
    env: str | None = None,
    url: str | None = None,
    target: str | None = None,
) -> None:
    """Run the dry run, print its report in `format`, write the summary and SARIF file
    asked for, and exit 0, 1 or 2. `url`: where a seed without DDL reads its tables."""
    from seedkit import api
    from seedkit.console import make_console, print_json
    from seedkit.errors import SeedkitError
    from seedkit.manifest.environments import chosen_environment
    from seedkit.report.summary import append_summary, check_summary, error_summary, summary_path

    chosen = chosen_environment(env)[0]
    title = f"seedkit check (environment {chosen})" if chosen else "seedkit check"
    summary_file = summary_path(summary)
    if format in ("github", "sarif", "codequality") or sarif is not None:
        # CI formats: a seed that cannot be checked is reported at its place in the same
        # format (exit 2), so the annotation, alert or issue points at the manifest.
        def attempt() -> CheckReport | SeedkitError:
            try:
                return api.check(
                    manifest, select=select, exclude=exclude, env=env, url=url, target=target
                )
            except SeedkitError as exc:
                if debug:
                    raise
                return exc

        outcome = guarded(attempt, debug, verbose)  # -v traces; an unexpected error exits 2
        if isinstance(outcome, SeedkitError):
            exc = outcome
            _emit_machine(format, _error_report(exc), manifest, sarif, executed=False)
            append_summary(summary_file, error_summary("check", exc))
            if format in ("text", "json"):
                from seedkit.console import render_error

                render_error(make_console(stderr=True), exc)
            raise typer.Exit(exc.exit_code) from None
        report = outcome
        _emit_machine(format, report, manifest, sarif, executed=True)
        if format == "json":
            print_json(report.to_dict())
        elif format == "text":
            render_check(make_console(), report)
    elif format == "json":
        report = _check_or_summarise(
            manifest, select, debug, verbose, summary_file, exclude, env, url, target
        )
        print_json(report.to_dict())
    else:
        console = make_console()
        report = _check_or_summarise(
            manifest, select, debug, verbose, summary_file, exclude, env, url, target
        )
        render_check(console, report)
    append_summary(summary_file, check_summary(report, title))
    raise typer.Exit(report.exit_code)


def _check_or_summarise(
    manifest: Path,
    select: list[str] | None,
    debug: bool,
    verbose: bool,
    summary_file: Path | None,
    exclude: list[str] | None = None,
    env: str | None = None,
    url: str | None = None,
    target: str | None = None,
) -> CheckReport:
    """api.check through the CLI's error boundary; an error is summarised before it exits."""
    from seedkit import api
    from seedkit.errors import SeedkitError
    from seedkit.report.summary import append_summary, error_summary

    def run() -> CheckReport:
        try:
            return api.check(
                manifest, select=select, exclude=exclude, env=env, url=url, target=target
            )
        except SeedkitError as exc:
            append_summary(summary_file, error_summary("check", exc))
            raise

    return guarded(run, debug, verbose)


def _error_report(exc: Exception) -> CheckReport:
    from seedkit.errors import SeedkitError
    from seedkit.report import error_report

    assert isinstance(exc, SeedkitError)
    return error_report(exc)


def _emit_machine(
    format: str, report: CheckReport, manifest: Path, sarif: Path | None, executed: bool
) -> None:
    """Print the github, sarif or codequality form, and write the SARIF file if asked."""
    import json

    from seedkit.errors import display_path

    shown = display_path(manifest / "seed.toml" if manifest.is_dir() else manifest)
    if format == "github":
        if executed:
            lines = report.github_lines()
        else:
            from seedkit.dryrun.report import github_annotation

            p = report.problems[0]
            lines = [github_annotation("error", p.message, p.file, p.line, p.column, p.hint)]
        for line in lines:
            typer.echo(line)
    elif format == "codequality":
        from seedkit.report.codequality import codequality_issues

        issues = codequality_issues(report, manifest=shown, executed=executed)
        typer.echo(json.dumps(issues, indent=2))
    if format == "sarif" or sarif is not None:
        from seedkit.report.sarif import sarif_log

        text = json.dumps(sarif_log(report, manifest=shown, executed=executed), indent=2)
        if format == "sarif":
            typer.echo(text)
        if sarif is not None:
            sarif.write_text(text + "\n", encoding="utf-8")


def render_check(console: Console, report: CheckReport) -> None:
    """The text report: steps, fidelity, problems, and the verdict."""
    import textwrap

    from rich.markup import escape
    from rich.table import Table

    steps = Table(title=f"dry run of {report.project} in DuckDB", title_justify="left")
    for name, justify in (
        ("step", "left"),
        ("kind", "left"),
        ("status", "left"),
        ("rows", "right"),
        ("time", "right"),
        ("problems", "right"),
    ):
        steps.add_column(name, justify=justify)  # type: ignore[arg-type]
    colour = {"ok": "green", "failed": "red", "skipped": "yellow"}
    for step in report.steps:
        steps.add_row(
            escape(step.name),
            step.kind,
            f"[{colour.get(step.status, 'default')}]{step.status}[/]",
            str(step.rows),
            f"{step.seconds:.2f}s",
            str(step.problems or ""),
        )
    console.print(steps)
    changed = [f for f in report.fidelity if f.action != "not checked"]
    unchecked = [f for f in report.fidelity if f.action == "not checked"]
    if changed:
        console.print(
            f"[bold]fidelity[/]: {len(changed)} statement(s) skipped or changed for DuckDB"
        )
        for item in changed:
            console.print(
                f"  [dim]{escape(item.file)}:{item.line}[/] {item.action}: {escape(item.reason)}"
                f"  [dim]{escape(item.statement)}[/]",
                soft_wrap=True,
            )
    if unchecked:
        console.print(
            "[bold]not checked[/], because a problem reported below comes first "
            "(one root cause, one problem):"
        )
        for item in unchecked:
            console.print(
                f"  [dim]{escape(item.file)}:{item.line}[/] {escape(item.reason)}", soft_wrap=True
            )
    # wrapped to the terminal (one item a paragraph), not one line of 400 characters
    console.print("[bold]not checked by a dry run[/]:")
    for reason in report.not_checked:
        text = textwrap.fill(
            reason, width=max(console.width, 40), initial_indent="  - ", subsequent_indent="    "
        )
        console.print(escape(text), soft_wrap=True)
    for problem in report.problems:
        where = f"{escape(problem.where)}: " if problem.where else ""
        console.print(f"[bold red]error[/]: {where}{escape(problem.message)}", soft_wrap=True)
        if problem.hint:
            console.print(f"  [dim]hint:[/] {escape(problem.hint)}", soft_wrap=True)
    if report.ok:
        console.print(f"[green]ok[/]: no problem found in {report.seconds:.2f}s")
    else:
        console.print(
            f"[bold red]{len(report.problems)} problem(s)[/] found in {report.seconds:.2f}s"
        )
