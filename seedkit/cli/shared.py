"""What every command shares: its options and the error boundary.

The boundary (`guarded`) is the one place where seedkit's errors become one message and
an exit code: 0 all good, 1 the seed has a problem, 2 the command or manifest could not
be used (130 interrupted). `--debug` lets the traceback through instead.

Command modules import the options at their top (Typer reads each command's annotations
in its own module), so this module imports nothing heavy.
"""

import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

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
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        "-s",
        metavar="<step>",
        help="Steps to run: NAME or tag:TAG; +X adds ancestors, X+ descendants. Repeatable.",
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="<step>",
        help="Steps to leave out, in --select's syntax (NAME, tag:TAG, +X, X+).",
    ),
]
EnvOpt = Annotated[
    str | None,
    typer.Option(
        "--env", help="Use the manifest's [environments.NAME] (default: SEEDKIT_ENV, if set)."
    ),
]


def guarded(action: Callable[[], T], debug: bool, verbose: bool = False) -> T:
    """Call `action`; on a seedkit error print one message and exit with its code.

    Any other exception is reported as unexpected (exit 2) with its first line, scrubbed
    of passwords; `debug` lets every exception through with its traceback, `verbose`
    traces each SQL statement to stderr (the `seedkit.sql` logger).
    """
    from seedkit.console import make_console, render_error
    from seedkit.errors import SeedkitError
    from seedkit.secrets import scrub

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
        first = scrub(str(exc)).splitlines()[0] if str(exc) else ""
        render_error(
            make_console(stderr=True),
            SeedkitError(
                f"unexpected {type(exc).__name__}: {first}",
                hint="run again with --debug for the traceback, and report it",
            ),
        )
        raise typer.Exit(2) from None


def quiet_driver_warnings(keep: bool = False) -> None:
    """Drivers' own warnings stay off the screen unless --debug or -v (`keep`): after a
    failure psycopg logs "error ignored terminating <psycopg.Pipeline …>" about the
    error seedkit has just reported, and Python prints it below seedkit's message."""
    logging.getLogger("psycopg").setLevel(logging.WARNING if keep else logging.ERROR)
