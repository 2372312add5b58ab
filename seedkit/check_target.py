"""`seedkit check --target X`: what an apply to another database would refuse, before one
(issue 16; the porting itself is seedkit.portable).

For every target the statements that cannot port are problems at their file and line
(the apply stops on them). For SQLite and DuckDB the ported seed is then applied, as
`seedkit apply` would, to a scratch database of that kind in a temporary folder (deleted
after), and what it refuses is a problem at its place: a green check means the target
accepts the seed. MariaDB and PostgreSQL are not run (no server is assumed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.portable.rules import SHOWN

if TYPE_CHECKING:
    from seedkit.dryrun.report import Problem
    from seedkit.plan.steps import Plan

#: `--target` names and sqlglot's.
TARGETS = {
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgres": "postgres",
    "postgresql": "postgres",
}


def target_problems(
    manifest_path: str | Path,
    target: str,
    *,
    select: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> list[Problem]:
    """The problems an apply of the seed to `target` would stop at (see the docstring)."""
    from seedkit.dryrun.report import Problem
    from seedkit.errors import SeedError
    from seedkit.manifest import load_manifest
    from seedkit.plan.builder import build_plan
    from seedkit.portable import porter_for

    name = TARGETS[target.lower()]
    manifest = load_manifest(manifest_path, env)
    plan = build_plan(manifest, select=select, exclude=exclude)
    shown = SHOWN.get(name, "PostgreSQL")
    porter = porter_for(plan, plan.source_dialect, name)
    if porter is not None and porter.scan.unportable:
        return [
            Problem(
                None,
                "sql",
                f"cannot run on {shown}: {u.what} ({u.reason})",
                u.file,
                u.line,
                hint="apply to PostgreSQL, remove it, or apply with --skip-unportable",
            )
            for u in porter.scan.unportable
        ]
    if name not in ("sqlite", "duckdb"):
        return []
    with tempfile.TemporaryDirectory(prefix="seedkit-check-") as folder:
        url = f"{name}:///{Path(folder) / ('check.' + ('db' if name == 'sqlite' else 'duckdb'))}"
        try:
            _apply(plan, url)
        except SeedError as exc:
            where = exc.location
            return [
                Problem(
                    None,
                    "sql",
                    f"{shown} refuses the seed: {exc.message}",
                    where.file if where else None,
                    where.line if where else None,
                    where.column if where else None,
                    exc.hint,
                )
            ]
    return []


def _apply(plan: Plan, url: str) -> None:
    """Apply `plan` to the scratch database at `url`, as `seedkit apply` does."""
    from seedkit.adapters import open_adapter
    from seedkit.plan.executor import Executor

    target = open_adapter(url)
    try:
        Executor(plan, target).run()
    finally:
        target.dispose()
