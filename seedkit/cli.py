"""The `seedkit` command: a thin Typer client over seedkit.api.

One boundary (`_run`) turns seedkit's errors into one message and an exit code:
0 all good, 1 the seed has a problem, 2 the command or manifest could not be used.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from seedkit.commands.options import EnvOpt, ExcludeOpt, SelectOpt

if TYPE_CHECKING:
    from seedkit.plan.executor import ApplyResult

app = typer.Typer(
    name="seedkit",
    help="Seed a database from seed.toml: validate, plan, apply, check.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


def _flags_without_a_type() -> None:
    """Help lists a flag (`--force`, `--help`) without a value type: Typer's rich help
    would show `<bool>`, as if the flag took a value."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_a_type()


class Format(StrEnum):
    """Output format of reporting commands."""

    text = "text"
    json = "json"


ManifestOpt = Annotated[
    Path, typer.Option("--manifest", "-m", help="Path to seed.toml (or its folder).")
]
UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Target SQLAlchemy URL (default: SEEDKIT_URL, the manifest's url)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
SummaryOpt = Annotated[
    Path | None,
    typer.Option(
        "--summary",
        help="Append a Markdown summary to FILE (default: $GITHUB_STEP_SUMMARY, if set).",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Trace every SQL statement.")]


def _run(action: Callable[[], T], debug: bool, verbose: bool = False) -> T:
    """Call `action`; on a seedkit error print one message and exit with its code."""
    from seedkit.console import make_console, render_error
    from seedkit.errors import SeedkitError

    if verbose:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        logging.getLogger("seedkit.sql").setLevel(logging.DEBUG)
    quiet_driver_warnings(debug or verbose)
    try:
        return action()
    except SeedkitError as exc:
        if debug:
            raise
        render_error(make_console(stderr=True), exc)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        from seedkit.errors import SeedkitError as _E

        render_error(
            make_console(stderr=True),
            _E(
                f"unexpected {type(exc).__name__}: {_scrub(str(exc)).splitlines()[0] if str(exc) else ''}",
                hint="run again with --debug for the traceback, and report it",
            ),
        )
        raise typer.Exit(2) from None


def _print_version(value: bool) -> None:
    """`seedkit --version`: the distribution's name and version, then exit."""
    if value:
        from seedkit import DISTRIBUTION, __version__

        typer.echo(f"{DISTRIBUTION} {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed name and version (seedkit-db X.Y.Z) and exit.",
        ),
    ] = False,
) -> None:
    """Seed a database from seed.toml: validate, plan, apply, check."""


def quiet_driver_warnings(keep: bool = False) -> None:
    """Drivers' own warnings stay off the screen unless --debug or -v (`keep`): after a
    failure psycopg logs "error ignored terminating <psycopg.Pipeline …>" about the
    error seedkit has just reported, and Python prints it below seedkit's message."""
    logging.getLogger("psycopg").setLevel(logging.WARNING if keep else logging.ERROR)


def _scrub(text: str) -> str:
    from seedkit.secrets import scrub

    return scrub(text)


@app.command()
def validate(
    manifest: ManifestOpt = Path("seed.toml"),
    select: SelectOpt = None,
    exclude: ExcludeOpt = None,
    env: EnvOpt = None,
    format: FormatOpt = Format.text,
    debug: DebugOpt = False,
) -> None:
    """Static checks only: manifest, files, graph, CSV headers against the DDL."""
    from seedkit import api

    plan = _run(lambda: api.validate(manifest, select, exclude=exclude, env=env), debug)
    data = {"ok": True, "steps": len(plan.selected), "levels": len(plan.selected_levels())}
    if format == Format.json:
        from seedkit.console import print_json

        print_json(data)
    else:
        from seedkit.console import make_console
        from seedkit.text import plural

        make_console().print(
            f"[green]ok[/]: {plural(data['steps'], 'step')} in {plural(data['levels'], 'level')}, "
            f"{plural(len(plan.ddl), 'DDL file')}"
        )


@app.command()
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
    from seedkit.plan.explain import explain
    from seedkit.report.summary import append_summary, plan_summary, summarise_errors, summary_path

    summary_file = summary_path(summary)

    @summarise_errors("plan", summary_file)
    def build() -> tuple[dict[str, Any], Any]:
        from seedkit.manifest import load_manifest
        from seedkit.target import Target

        plan_ = api.plan(manifest, select, url, exclude=exclude, env=env)
        m = load_manifest(manifest, env)
        target_url = api.resolve_url(m, url)
        target = Target(target_url)
        try:
            data = explain(plan_, target.display_url, target.dialect, not no_transpile)
        finally:
            target.dispose()
        diff = api.plan_diff(manifest, url, select, exclude=exclude, env=env) if url else None
        return data, diff

    data, diff = _run(build, debug)
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


@app.command()
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
    summary: SummaryOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Seed the target: DDL, then every step in graph order, atomically where possible.
    Steps unchanged since history recorded them are skipped."""
    if dry_run:
        from seedkit.commands.check import run_check_command

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
        from seedkit.commands.reset import confirm_drops

        preview = _run(lambda: api.reset_preview(manifest, url, not no_transpile, env=env), debug)
        lines = [f"{item.kind} {item.name}" for item in preview.items]
        shown = _run(lambda: api.target_display(manifest, url, env=env), debug)
        confirm_drops(
            make_console(stderr=True), lines, preview.left, shown, "nothing dropped or applied"
        )
    summary_file = summary_path(summary)

    @summarise_errors("apply", summary_file)
    def run_apply() -> ApplyResult:
        # The live display stops before `_run` prints an error: printed while it is
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
            )

    result = _run(run_apply, debug, verbose)
    from seedkit.manifest.environments import chosen_environment

    append_summary(summary_file, apply_summary(result, chosen_environment(env)[0]))
    if format == Format.json:
        data = result_as_dict(result)
        if fresh:
            data["dropped"] = result.dropped
        print_json(data)
    else:
        if result.dropped:
            console.print("dropped first: " + ", ".join(result.dropped), highlight=False)
        render_result(console, result)
        if result.steps and len(result.skipped) == len(result.steps):
            console.print("nothing to do: every step is unchanged since it was applied")


def _register_commands() -> None:
    from seedkit.commands import register_all

    register_all(app)


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except SystemExit as exc:
        _exit_now(exc.code)
    _exit_now(0)


def _exit_now(code: int | str | None) -> NoReturn:
    """Exit as `sys.exit(code)` would, without tearing the interpreter down.

    When a command returns, its connections are closed (a DuckDB file is checkpointed)
    and its output is written; what is left is the interpreter freeing every module
    (SQLAlchemy, pydantic, sqlglot, DuckDB), about 0.15 s of each run. The atexit
    handlers still run (logging's flush among them) and both streams are flushed.
    """
    import atexit
    import os

    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
