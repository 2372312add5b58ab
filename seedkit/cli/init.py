"""`seedkit init [DIR]`: a commented starter seed.toml and data/ folder that apply as they are."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import Annotated

import typer

from seedkit.cli.shared import DebugOpt, guarded


def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write into (created if missing).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the starter files if they exist.")
    ] = False,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Project name (default: from the folder's name)."),
    ] = None,
    from_dump: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-dump",
            metavar="FILE",
            help="A pg_dump, mariadb-dump or sqlite3 .dump file (or a DuckDB export "
            "folder) to seed from, as written; give a schema file then a data file "
            "twice. Writes only seed.toml.",
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Write a starter seed.toml and data/ folder (one CSV and one SQL step)."""
    from seedkit import api
    from seedkit.console import make_console

    result = guarded(
        lambda: api.init(directory, force=force, name=name, from_dump=from_dump or ()),
        debug,
    )
    console = make_console()
    for file in result.files:
        console.print(f"wrote {result.root / file}", highlight=False)
    manifest = result.root / "seed.toml"
    console.print(
        f"next: seedkit plan -m {manifest}, then seedkit apply -m {manifest}", highlight=False
    )
