"""`seedkit schema`: the JSON Schema of seed.toml, every registered kind's options included."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path
from typing import Annotated

import typer

from seedkit.cli.shared import DebugOpt, guarded


def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the schema to this file, not stdout."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Print the JSON Schema of seed.toml (for editors), plugin source options included."""
    import json
    import sys

    from seedkit import api

    data = guarded(api.json_schema, debug)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
