"""`seedkit status`: the history of a target for this project, as a table or JSON."""

# No `from __future__ import annotations`: Typer reads the annotations of the command.
from pathlib import Path

from seedkit.cli.shared import DebugOpt, EnvOpt, Format, FormatOpt, ManifestOpt, UrlOpt, guarded


def status(
    manifest: ManifestOpt = Path("seed.toml"),
    url: UrlOpt = None,
    env: EnvOpt = None,
    format: FormatOpt = Format.text,
    debug: DebugOpt = False,
) -> None:
    """Show what history records on the target: each DDL file and step, its fingerprint,
    rows, when, and whether the manifest changed since (applied, changed, pending)."""
    from seedkit import api
    from seedkit.console import make_console, print_json, render_status, status_as_dict

    report = guarded(lambda: api.status(manifest, url, env=env), debug)
    if format == Format.json:
        print_json(status_as_dict(report))
    else:
        render_status(make_console(), report)
