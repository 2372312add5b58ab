"""`seedkit graph`: the step graph as Mermaid or Graphviz dot text."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from seedkit.cli.shared import DebugOpt, EnvOpt, ExcludeOpt, ManifestOpt, SelectOpt, guarded


class GraphFormat(StrEnum):
    """Text format of the graph."""

    mermaid = "mermaid"
    dot = "dot"


def graph(
    manifest: ManifestOpt = Path("seed.toml"),
    format: Annotated[
        GraphFormat, typer.Option("--format", help="mermaid (default) or dot.")
    ] = GraphFormat.mermaid,
    select: SelectOpt = None,
    exclude: ExcludeOpt = None,
    env: EnvOpt = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Read foreign keys from this database when the manifest has no DDL."
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Print the step graph: levels, steps, declared (solid) and inferred (dashed) edges."""
    import sys

    from seedkit import api

    text = guarded(
        lambda: api.graph(manifest, format.value, select, url, exclude=exclude, env=env), debug
    )
    sys.stdout.write(text)
