"""`seedkit plugins`: every plugin found, with its package, version, kinds, hooks and errors."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from typing import Any

import typer

from seedkit.cli.shared import DebugOpt, Format, FormatOpt, guarded


def plugins(format: FormatOpt = Format.text, debug: DebugOpt = False) -> None:
    """List plugins: built-in and installed (entry-point group `seedkit`), and load errors.

    A plugin that failed to load is listed with its error (exit 0: it matters only
    when a manifest uses its kind); two plugins claiming one kind exit 2.
    """
    from seedkit import api

    report = guarded(api.plugins, debug)
    if format == Format.json:
        from seedkit.console import print_json

        print_json(report)
    else:
        _render(report)
    if report["conflicts"]:
        raise typer.Exit(2)


def _render(report: dict[str, Any]) -> None:
    """One block per plugin: package and version, then its kinds and hooks, or its error."""
    from rich.markup import escape

    from seedkit.console import make_console

    console = make_console()
    for p in report["plugins"]:
        origin = "built-in" if p["builtin"] else "entry point"
        head = f"[bold]{escape(p['package'])}[/] {escape(p['version'] or '?')}"
        console.print(f"{head} ({origin}: {escape(p['name'])})", soft_wrap=True)
        if p["error"]:
            console.print(f"  [red]failed to load:[/] {escape(p['error'])}", soft_wrap=True)
            continue
        console.print(f"  kinds: {escape(', '.join(p['kinds']) or '-')}", soft_wrap=True)
        console.print(f"  hooks: {escape(', '.join(p['hooks']) or '-')}", soft_wrap=True)
    err = make_console(stderr=True)
    for conflict in report["conflicts"]:
        err.print(f"[bold red]error[/]: {escape(conflict)}", soft_wrap=True)
        err.print("  [dim]hint:[/] uninstall one of them (pip uninstall PACKAGE)", soft_wrap=True)
