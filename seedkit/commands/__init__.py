"""CLI commands beyond validate, plan and apply, one module each.

Each module listed here defines `register(app)` adding its commands to the Typer app;
the modules import heavy things only inside the commands, so `seedkit --help` stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

COMMAND_MODULES: list[str] = [
    "seedkit.commands.init",
    "seedkit.commands.graph",
    "seedkit.commands.snapshot",
    "seedkit.commands.plugins",
    "seedkit.commands.schema",
    "seedkit.commands.status",
    "seedkit.commands.reset",
    "seedkit.commands.check",
]


def register_all(app: typer.Typer) -> None:
    """Add every command module's commands to `app`."""
    for name in COMMAND_MODULES:
        import_module(name).register(app)
