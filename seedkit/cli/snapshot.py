"""`seedkit snapshot`: turn tables of a live database into a seed that recreates them."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import Annotated

import typer

from seedkit.cli.shared import DebugOpt, Format, FormatOpt, guarded


def snapshot(
    url: Annotated[str, typer.Option("--url", help="The database to read (SQLAlchemy URL).")],
    tables: Annotated[str, typer.Option("--tables", help="Comma-separated tables: a,b,schema.c.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for seed.toml, schema.sql and data/.")
    ] = Path("snapshot"),
    with_parents: Annotated[
        bool,
        typer.Option("--with-parents", help="Also take the tables their foreign keys point to."),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Project name (default: from the --out folder's name)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a seed.toml already in --out.")
    ] = False,
    format: FormatOpt = Format.text,
    debug: DebugOpt = False,
) -> None:
    """Write seed.toml, schema.sql and one CSV per table from a live database."""
    from seedkit import api

    result = guarded(
        lambda: api.snapshot(
            url,
            tables.split(","),
            out,
            with_parents=with_parents,
            name=name,
            force=force,
        ),
        debug,
    )
    if format == Format.json:
        from seedkit.console import print_json

        print_json(
            {
                "source": result.source,
                "manifest": str(result.manifest),
                "dialect": result.dialect,
                "rows": result.rows,
                "tables": [
                    {"table": t.table, "step": t.step, "file": t.file, "rows": t.rows}
                    for t in result.tables
                ],
                "dropped_foreign_keys": list(result.dropped_foreign_keys),
            }
        )
        return
    from seedkit.console import make_console

    console = make_console()
    for item in result.tables:
        console.print(f"{item.table}: {item.rows} rows -> {out / item.file}", highlight=False)
    for fk in result.dropped_foreign_keys:
        console.print(f"[yellow]left out foreign key {fk}[/] (table not in the snapshot)")
    console.print(
        f"wrote {result.manifest} ({result.rows} rows from {result.source}); "
        f"recreate with: seedkit apply -m {result.manifest} --url URL",
        highlight=False,
    )
