"""Options several commands share: step selection and the environment.

Kept apart from seedkit.cli so a command module can import them at its top (Typer
reads each command's annotations in its own module) without importing the CLI.
"""

from typing import Annotated

import typer

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
