"""One function per command: the library API the CLI calls. No Typer, no Rich, no printing."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.manifest import Manifest, load_manifest

if TYPE_CHECKING:
    from seedkit.plan.executor import ApplyResult, Reporter
    from seedkit.plan.steps import Plan
    from seedkit.schema import Schema
    from seedkit.target import Target


def resolve_url(manifest: Manifest, url: str | None = None) -> str:
    """The target URL: --url, then SEEDKIT_URL, then the manifest's `url`, then sqlite:///NAME.db."""
    if url:
        return url
    if os.environ.get("SEEDKIT_URL"):
        return os.environ["SEEDKIT_URL"]
    from_manifest = manifest.resolve_url()
    if from_manifest:
        return from_manifest
    return f"sqlite:///{manifest.name}.db"


def validate(manifest_path: str | Path, select: Iterable[str] | None = None) -> Plan:
    """Static checks only: manifest, files, graph, CSV headers against the DDL's columns."""
    from seedkit.plan.builder import build_plan

    return build_plan(load_manifest(manifest_path), select=select)


def plan(
    manifest_path: str | Path,
    select: Iterable[str] | None = None,
    url: str | None = None,
) -> Plan:
    """The plan: levels, steps, sources, modes; with a URL, reflected tables fill in the schema."""
    from seedkit.plan.builder import build_plan

    manifest = load_manifest(manifest_path)
    schema = None
    if url is not None and not manifest.model.project.ddl:
        target = open_target(manifest, url)
        try:
            schema = reflect(target)
        finally:
            target.dispose()
    return build_plan(manifest, select=select, schema=schema)


def open_target(manifest: Manifest, url: str | None = None) -> Target:
    """A Target for the resolved URL (the caller disposes it)."""
    from seedkit.target import Target

    return Target(resolve_url(manifest, url))


def reflect(target: Target) -> Schema:
    """The tables the target database has now."""
    from seedkit.schema.reflect import reflect_schema

    with target.connect() as conn:
        return reflect_schema(conn)


def apply(
    manifest_path: str | Path,
    url: str | None = None,
    select: Iterable[str] | None = None,
    reporter: Reporter | None = None,
    transpile: bool = True,
) -> ApplyResult:
    """Seed the target: DDL, then each selected step in graph order; all or nothing where possible."""
    from seedkit.plan.builder import build_plan
    from seedkit.plan.executor import Executor

    manifest = load_manifest(manifest_path)
    plan_ = build_plan(manifest, select=select)  # static problems stop us before connecting
    target = open_target(manifest, url)
    try:
        if not manifest.model.project.ddl:
            plan_ = build_plan(manifest, select=select, schema=reflect(target))
        return Executor(plan_, target, reporter, transpile_sql=transpile).run()
    finally:
        target.dispose()
