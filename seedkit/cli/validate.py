"""`seedkit validate`: static checks of the manifest, its files and its graph."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path

from seedkit.cli.shared import (
    DebugOpt,
    EnvOpt,
    ExcludeOpt,
    Format,
    FormatOpt,
    ManifestOpt,
    SelectOpt,
    guarded,
)


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

    plan = guarded(lambda: api.validate(manifest, select, exclude=exclude, env=env), debug)
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
