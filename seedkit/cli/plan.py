"""`seedkit plan`: the plan, and with --url what an apply would change on the target."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import Annotated, Any

import typer

from seedkit.cli.shared import (
    DebugOpt,
    EnvOpt,
    ExcludeOpt,
    Format,
    FormatOpt,
    ManifestOpt,
    SelectOpt,
    SummaryOpt,
    UrlOpt,
    guarded,
)


def plan(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    select: SelectOpt = None,
    exclude: ExcludeOpt = None,
    env: EnvOpt = None,
    format: FormatOpt = Format.text,
    no_transpile: Annotated[
        bool,
        typer.Option("--no-transpile", help="Show the plan as if SQL were sent as written."),
    ] = False,
    summary: SummaryOpt = None,
    debug: DebugOpt = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="List SQL statements not read for tables; with --url, a few keys of each change.",
        ),
    ] = False,
) -> None:
    """Show levels, steps, sources, modes, rows, and declared and inferred edges; with --url,
    what an apply would change there (new, changed, unchanged; rows to insert, update, delete)."""
    from seedkit import api
    from seedkit.report.summary import append_summary, plan_summary, summarise_errors, summary_path

    summary_file = summary_path(summary)

    @summarise_errors("plan", summary_file)
    def build() -> tuple[dict[str, Any], Any]:
        return api.plan_report(manifest, url, select, not no_transpile, exclude=exclude, env=env)

    data, diff = guarded(build, debug)
    if diff is not None:
        from seedkit.console import diff_as_dict

        append_summary(summary_file, plan_summary({**data, "changes": diff_as_dict(diff)}))
    else:
        append_summary(summary_file, plan_summary(data))
    if format == Format.json:
        from seedkit.console import diff_as_dict, print_json

        if diff is not None:
            data["changes"] = diff_as_dict(diff)
        print_json(data)
    else:
        from seedkit.console import make_console, render_diff, render_plan

        console = make_console()
        render_plan(console, data, verbose)
        if diff is not None:
            render_diff(console, diff, verbose)
