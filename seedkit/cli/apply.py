"""`seedkit apply`: seed the target (or, with --dry-run, what `seedkit check` does)."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    VerboseOpt,
    guarded,
)

if TYPE_CHECKING:
    from seedkit.plan.executor import ApplyResult


def apply(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    select: SelectOpt = None,
    exclude: ExcludeOpt = None,
    env: EnvOpt = None,
    format: FormatOpt = Format.text,
    no_transpile: Annotated[
        bool, typer.Option("--no-transpile", help="Send SQL as written, in the manifest's dialect.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the whole seed in an in-memory DuckDB instead.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Run every selected step again, changed or not.")
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="First drop what the DDL created and the history (reset)."),
    ] = False,
    lock_timeout: Annotated[
        float | None,
        typer.Option(
            "--lock-timeout",
            help="Seconds to wait for another apply of this project to finish (default 60).",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --fresh: do not ask for confirmation.")
    ] = False,
    skip_unportable: Annotated[
        bool,
        typer.Option(
            "--skip-unportable",
            help="Leave out what cannot port to the target (functions, triggers, …); "
            "the summary lists each.",
        ),
    ] = False,
    summary: SummaryOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Seed the target: DDL, then every step in graph order, atomically where possible.
    Steps unchanged since history recorded them are skipped."""
    if dry_run:
        from seedkit.cli.check import run_check_command

        run_check_command(
            manifest,
            select,
            format.value,
            debug,
            verbose,
            summary=summary,
            exclude=exclude,
            env=env,
            url=url,
        )
        return
    from seedkit import api
    from seedkit.console import (
        ProgressReporter,
        make_console,
        print_json,
        render_result,
        result_as_dict,
    )
    from seedkit.report.summary import (
        append_summary,
        apply_summary,
        summarise_errors,
        summary_path,
    )

    console = make_console(stderr=format == Format.json)
    if fresh and not yes:
        from seedkit.cli.reset import confirm_drops

        preview = guarded(
            lambda: api.reset_preview(manifest, url, not no_transpile, env=env), debug
        )
        lines = [f"{item.kind} {item.name}" for item in preview.items]
        shown = guarded(lambda: api.target_display(manifest, url, env=env), debug)
        confirm_drops(
            make_console(stderr=True), lines, preview.left, shown, "nothing dropped or applied"
        )
    summary_file = summary_path(summary)

    @summarise_errors("apply", summary_file)
    def run_apply() -> "ApplyResult":
        # The live display stops before `guarded` prints an error: printed while it is
        # live, the message would be erased with the bars when it stops.
        with ProgressReporter(console) as reporter:
            return api.apply(
                manifest,
                url=url,
                select=select,
                reporter=reporter,
                transpile=not no_transpile,
                force=force,
                fresh=fresh,
                lock_timeout=lock_timeout,
                exclude=exclude,
                env=env,
                skip_unportable=skip_unportable,
            )

    result = guarded(run_apply, debug, verbose)
    from seedkit.manifest.environments import chosen_environment

    append_summary(summary_file, apply_summary(result, chosen_environment(env)[0]))
    if format == Format.json:
        data = result_as_dict(result)
        if result.ported is not None:
            data["ported"] = result.ported.lines()
        if fresh:
            data["dropped"] = result.dropped
        print_json(data)
    else:
        if result.dropped:
            console.print("dropped first: " + ", ".join(result.dropped), highlight=False)
        render_result(console, result)
        for line in result.ported.lines() if result.ported is not None else ():
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        if result.steps and len(result.skipped) == len(result.steps):
            console.print("nothing to do: every step is unchanged since it was applied")
