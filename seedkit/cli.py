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
from typing import Annotated, Any, TypeVar

import typer

app = typer.Typer(
    name="seedkit",
    help="Seed a database from seed.toml: validate, plan, apply, check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


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
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select", "-s", help="Steps to run: NAME, +NAME (ancestors), NAME+ (descendants)."
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Trace every SQL statement.")]


def _run(action: Callable[[], T], debug: bool, verbose: bool = False) -> T:
    """Call `action`; on a seedkit error print one message and exit with its code."""
    from seedkit.console import make_console, render_error
    from seedkit.errors import SeedkitError

    if verbose:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        logging.getLogger("seedkit.sql").setLevel(logging.DEBUG)
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


def _scrub(text: str) -> str:
    import re

    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


@app.command()
def validate(
    manifest: ManifestOpt = Path("seed.toml"),
    select: SelectOpt = None,
    format: FormatOpt = Format.text,
    debug: DebugOpt = False,
) -> None:
    """Static checks only: manifest, files, graph, CSV headers against the DDL."""
    from seedkit import api

    plan = _run(lambda: api.validate(manifest, select), debug)
    data = {"ok": True, "steps": len(plan.selected), "levels": len(plan.selected_levels())}
    if format == Format.json:
        from seedkit.console import print_json

        print_json(data)
    else:
        from seedkit.console import make_console

        make_console().print(
            f"[green]ok[/]: {data['steps']} steps in {data['levels']} levels, "
            f"{len(plan.ddl)} DDL files"
        )


@app.command()
def plan(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    select: SelectOpt = None,
    format: FormatOpt = Format.text,
    no_transpile: Annotated[bool, typer.Option("--no-transpile")] = False,
    debug: DebugOpt = False,
) -> None:
    """Show levels, steps, sources, modes, rows, and declared and inferred edges."""
    from seedkit import api
    from seedkit.plan.explain import explain

    def build() -> dict[str, Any]:
        from seedkit.manifest import load_manifest
        from seedkit.target import Target

        plan_ = api.plan(manifest, select, url)
        m = load_manifest(manifest)
        target_url = api.resolve_url(m, url)
        target = Target(target_url)
        try:
            return explain(plan_, target.display_url, target.dialect, not no_transpile)
        finally:
            target.dispose()

    data = _run(build, debug)
    if format == Format.json:
        from seedkit.console import print_json

        print_json(data)
    else:
        from seedkit.console import make_console, render_plan

        render_plan(make_console(), data)


@app.command()
def apply(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    select: SelectOpt = None,
    format: FormatOpt = Format.text,
    no_transpile: Annotated[
        bool, typer.Option("--no-transpile", help="Send SQL as written, in the manifest's dialect.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the whole seed in an in-memory DuckDB instead.")
    ] = False,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Seed the target: DDL, then every step in graph order, atomically where possible."""
    from seedkit import api
    from seedkit.console import (
        ProgressReporter,
        make_console,
        print_json,
        render_result,
        result_as_dict,
    )

    console = make_console(stderr=format == Format.json)
    with ProgressReporter(console) as reporter:
        result = _run(
            lambda: api.apply(
                manifest, url=url, select=select, reporter=reporter, transpile=not no_transpile
            ),
            debug,
            verbose,
        )
    if format == Format.json:
        print_json(result_as_dict(result))
    else:
        render_result(console, result)


def _register_commands() -> None:
    from seedkit.commands import register_all

    register_all(app)


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)
