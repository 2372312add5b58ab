"""`seedkit check`: the whole seed as a dry run in an in-memory DuckDB, for pull requests.

Also what `seedkit apply --dry-run` runs. Formats: `text` (Rich), `json` (the fields
documented in seedkit.dryrun.report) and `github` (workflow annotations). Exit 0 when
the seed is fine, 1 when it has a problem, 2 when the manifest cannot be used.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from seedkit.dryrun.report import CheckReport


class CheckFormat(StrEnum):
    """Output formats of `seedkit check`."""

    text = "text"
    json = "json"
    github = "github"


def register(app: typer.Typer) -> None:
    """Add `check` to the CLI."""

    @app.command()
    def check(
        manifest: Annotated[
            Path, typer.Option("--manifest", "-m", help="Path to seed.toml (or its folder).")
        ] = Path("seed.toml"),
        select: Annotated[
            list[str] | None,
            typer.Option(
                "--select", "-s", help="Steps to run: NAME, +NAME (ancestors), NAME+ (descendants)."
            ),
        ] = None,
        format: Annotated[
            CheckFormat, typer.Option("--format", help="text, json, or github (annotations).")
        ] = CheckFormat.text,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
        verbose: Annotated[
            bool, typer.Option("--verbose", "-v", help="Trace every SQL statement.")
        ] = False,
    ) -> None:
        """Dry-run the whole seed in an in-memory DuckDB and report every problem with its place."""
        run_check_command(manifest, select, format.value, debug, verbose)


def run_check_command(
    manifest: Path,
    select: list[str] | None,
    format: str = "text",
    debug: bool = False,
    verbose: bool = False,
) -> None:
    """Run the dry run, print its report in `format`, and exit 0, 1 or 2."""
    from seedkit import api
    from seedkit.cli import _run
    from seedkit.console import make_console, print_json
    from seedkit.errors import SeedkitError

    if format == "github":
        try:
            report = api.check(manifest, select=select)
        except SeedkitError as exc:
            from seedkit.dryrun.report import github_annotation

            loc = exc.location
            typer.echo(
                github_annotation(
                    "error",
                    exc.message,
                    loc.file if loc else None,
                    loc.line if loc else None,
                    loc.column if loc else None,
                    exc.hint,
                )
            )
            raise typer.Exit(exc.exit_code) from None
        for line in report.github_lines():
            typer.echo(line)
    elif format == "json":
        report = _run(lambda: api.check(manifest, select=select), debug, verbose)
        print_json(report.to_dict())
    else:
        console = make_console()
        report = _run(lambda: api.check(manifest, select=select), debug, verbose)
        render_check(console, report)
    raise typer.Exit(report.exit_code)


def render_check(console: Console, report: CheckReport) -> None:
    """The text report: steps, fidelity, problems, and the verdict."""
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
    if report.fidelity:
        console.print(
            f"[bold]fidelity[/]: {len(report.fidelity)} statement(s) skipped or changed for DuckDB"
        )
        for item in report.fidelity:
            console.print(
                f"  [dim]{escape(item.file)}:{item.line}[/] {item.action}: {escape(item.reason)}"
                f"  [dim]{escape(item.statement)}[/]",
                soft_wrap=True,
            )
    console.print(
        "[bold]not checked by a dry run[/]: " + "; ".join(report.not_checked), soft_wrap=True
    )
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
