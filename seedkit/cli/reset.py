"""`seedkit reset`: drop what the DDL created, newest first, and the project's history."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import Annotated

import typer

from seedkit.cli.shared import DebugOpt, EnvOpt, Format, FormatOpt, ManifestOpt, UrlOpt, guarded

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
LockTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--lock-timeout",
        help="Seconds to wait for another apply of this project to finish (default 60).",
    ),
]


def confirm_drops(
    console: object,
    lines: list[str],
    left: list[str],
    target: str,
    nothing: str = "nothing dropped",
) -> bool:
    """Show what will be dropped and ask. Not confirmed (answered no, or no terminal to
    ask on): print why nothing was dropped and exit 2, having changed nothing."""
    from rich.console import Console
    from rich.markup import escape

    assert isinstance(console, Console)
    console.print(f"[bold]reset[/] {escape(target)} will drop, in this order:")
    for line in lines or ["(nothing the DDL created is there)"]:
        console.print(f"  {escape(line)}")
    console.print("  and this project's rows of the history table")
    for line in left:
        console.print(f"  [dim]left in place: {escape(line)}[/]")
    try:
        if typer.confirm("Drop them?", default=False, err=True):
            return True
        console.print(f"[yellow]cancelled[/]: {nothing}", soft_wrap=True)
    except typer.Abort:  # no answer (standard input closed): nothing is dropped
        console.print()  # the question's line was left open
        console.print(
            f"[yellow]{nothing}[/]: no answer to the question (no terminal?); "
            "pass --yes to drop without asking",
            soft_wrap=True,
        )
    raise typer.Exit(2)


def reset(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    env: EnvOpt = None,
    yes: YesOpt = False,
    format: FormatOpt = Format.text,
    no_transpile: Annotated[
        bool,
        typer.Option(
            "--no-transpile",
            help="Read the DDL as written, without transpiling it for the target.",
        ),
    ] = False,
    lock_timeout: LockTimeoutOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Drop what the DDL created (views, then tables in reverse foreign-key order, then
    sequences, types and schemas) and this project's history; asks first unless --yes."""
    from seedkit import api
    from seedkit.console import make_console, print_json, render_reset

    console = make_console(stderr=True)
    if not yes:
        preview = guarded(
            lambda: api.reset_preview(manifest, url, not no_transpile, env=env), debug
        )
        lines = [f"{item.kind} {item.name}" for item in preview.items]
        target = guarded(lambda: api.target_display(manifest, url, env=env), debug)
        confirm_drops(console, lines, preview.left, target)
    result = guarded(
        lambda: api.reset(
            manifest, url, transpile=not no_transpile, lock_timeout=lock_timeout, env=env
        ),
        debug,
    )
    if format == Format.json:
        print_json(
            {
                "target": result.target,
                "dropped": result.dropped,
                "history_rows": result.history_rows,
                "left": result.left,
            }
        )
    else:
        render_reset(make_console(), result)
