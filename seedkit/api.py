"""One function per command: the library API the CLI calls. No Typer, no Rich, no printing."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedkit.manifest import Manifest, load_manifest

if TYPE_CHECKING:
    from seedkit.adapters.base import Adapter
    from seedkit.dryrun.report import CheckReport
    from seedkit.plan.diff import PlanDiff
    from seedkit.plan.executor import ApplyResult, Reporter
    from seedkit.plan.reset import ResetResult, Teardown
    from seedkit.plan.status import StatusReport
    from seedkit.plan.steps import Plan
    from seedkit.scaffold import InitResult
    from seedkit.schema import Schema
    from seedkit.snapshot import SnapshotResult


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


def validate(
    manifest_path: str | Path,
    select: Iterable[str] | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> Plan:
    """Static checks only: manifest, files, graph, CSV headers against the DDL's columns,
    SQL files split (syntax, transaction control)."""
    from seedkit.plan.builder import build_plan

    plan_ = build_plan(load_manifest(manifest_path, env), select=select, exclude=exclude)
    # Every selected SQL step's statements are read, so that a syntax error or a statement
    # controlling the transaction is found here, at its line (the DDL's already were).
    for name in sorted(plan_.selected):
        step = plan_.steps[name]
        for _ in step.source.statements() if step.is_sql else ():
            pass
    return plan_


def plan(
    manifest_path: str | Path,
    select: Iterable[str] | None = None,
    url: str | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> Plan:
    """The plan: levels, steps, sources, modes; with a URL, reflected tables fill in the schema."""
    from seedkit.plan.builder import build_plan

    manifest = load_manifest(manifest_path, env)
    if url is None:
        return build_plan(manifest, select=select, exclude=exclude)
    with read_target(manifest, url, select, exclude) as (plan_, _):
        return plan_


def plan_report(
    manifest_path: str | Path,
    url: str | None = None,
    select: Iterable[str] | None = None,
    transpile: bool = True,
    samples: int = 5,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> tuple[dict[str, Any], PlanDiff | None]:
    """What `seedkit plan` shows: the explained plan (seedkit.plan.explain) for the resolved
    target, and with `url` what an apply would change there (else None). Only reads."""
    from seedkit.plan.builder import build_plan
    from seedkit.plan.diff import plan_diff as diff
    from seedkit.plan.explain import explain

    manifest = load_manifest(manifest_path, env)
    if url is None:
        from seedkit.adapters import open_adapter

        plan_ = build_plan(manifest, select=select, exclude=exclude)
        target = open_adapter(resolve_url(manifest))  # not connected: its URL and dialect
        try:
            return explain(plan_, target.display_url, target, transpile), None
        finally:
            target.dispose()
    with read_target(manifest, url, select, exclude) as (plan_, target):
        data = explain(plan_, target.display_url, target, transpile)
        return data, diff(plan_, target, samples)


def target_display(
    manifest_path: str | Path, url: str | None = None, *, env: str | None = None
) -> str:
    """The resolved target URL with its password masked, without connecting."""
    from seedkit.adapters.engine import mask_url, normalize_url

    return mask_url(normalize_url(resolve_url(load_manifest(manifest_path, env), url)))


def open_target(manifest: Manifest, url: str | None = None) -> Adapter:
    """The adapter for the resolved URL, not connected yet (the caller disposes it)."""
    from seedkit.adapters import open_adapter

    return open_adapter(resolve_url(manifest, url))


def reflect(target: Adapter) -> Schema:
    """The tables the target database has now (a file that does not exist is created:
    see `read_target` for reading without creating)."""
    with target.connect() as conn:
        return target.reflect_schema(conn)


@contextmanager
def read_target(
    manifest: Manifest,
    url: str | None = None,
    select: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> Iterator[tuple[Plan, Adapter]]:
    """The plan against the target, and the target, for reading; disposed at the end.

    The one way the API builds a plan against a target. The plan is built from the
    manifest first, so a static problem stops before anything connects; a manifest
    without DDL then takes its tables from the target. Reading never creates a database:
    a SQLite or DuckDB file that does not exist is left unopened (the plan has no tables
    from it, and every step is new), and a server database that does not exist is a
    TargetError that says so.
    """
    from seedkit.history import database_missing
    from seedkit.plan.builder import build_plan

    plan_ = build_plan(manifest, select=select, exclude=exclude)
    target = open_target(manifest, url)
    try:
        if not manifest.model.project.ddl and not database_missing(target):
            plan_ = build_plan(manifest, select=select, schema=reflect(target), exclude=exclude)
        yield plan_, target
    finally:
        target.dispose()


def apply(
    manifest_path: str | Path,
    url: str | None = None,
    select: Iterable[str] | None = None,
    reporter: Reporter | None = None,
    transpile: bool = True,
    force: bool = False,
    fresh: bool = False,
    lock_timeout: float | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
    skip_unportable: bool = False,
) -> ApplyResult:
    """Seed the target: DDL, then each selected step in graph order; all or nothing where possible.

    Steps history shows unchanged are skipped (`force` runs them again); `fresh` first
    drops what the DDL created and the history, in the same transaction where it can;
    a second apply of the project waits `lock_timeout` seconds for the first.
    """
    from seedkit.locks import check_timeout
    from seedkit.plan.executor import Executor

    check_timeout(lock_timeout)
    from seedkit.history import database_missing

    manifest = load_manifest(manifest_path, env)
    with read_target(manifest, url, select, exclude) as (plan_, target):
        new_file = database_missing(target)
        try:
            return Executor(
                plan_,
                target,
                reporter,
                transpile_sql=transpile,
                force=force,
                fresh=fresh,
                lock_timeout=lock_timeout,
                skip_unportable=skip_unportable,
            ).run()
        except BaseException as exc:
            if new_file:  # a failed apply leaves no empty database file behind
                target.dispose()
                remove_database_file(target)
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):  # not a statement's or a row's: the database's own
                if exc.connection_invalidated:
                    raise target.connection_lost(exc) from None
                from seedkit.adapters.engine import db_message
                from seedkit.adapters.generic import storage_hint
                from seedkit.errors import TargetError

                message = db_message(exc)
                raise TargetError(
                    f"{target.display_url} refused the apply: {target.scrub(message)}",
                    hint=storage_hint(message),
                ) from None
            raise


def remove_database_file(target: Adapter) -> None:
    """Delete a SQLite or DuckDB file (and its journal or WAL) that this apply created."""
    database = target.engine.url.database or ""
    for suffix in ("", "-journal", "-wal", "-shm", ".wal"):
        Path(database + suffix).unlink(missing_ok=True)


def plan_diff(
    manifest_path: str | Path,
    url: str | None = None,
    select: Iterable[str] | None = None,
    samples: int = 5,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> PlanDiff:
    """What an apply would change on the target, step by step; only reads."""
    from seedkit.plan.diff import plan_diff as diff

    with read_target(load_manifest(manifest_path, env), url, select, exclude) as (plan_, target):
        return diff(plan_, target, samples)


def status(
    manifest_path: str | Path, url: str | None = None, *, env: str | None = None
) -> StatusReport:
    """The target's history for this project, beside the manifest's current fingerprints."""
    from seedkit.plan.status import build_status

    with read_target(load_manifest(manifest_path, env), url) as (plan_, target):
        return build_status(plan_, target)


def reset_preview(
    manifest_path: str | Path,
    url: str | None = None,
    transpile: bool = True,
    *,
    env: str | None = None,
) -> Teardown:
    """What `reset` would drop, in order (nothing is executed)."""
    from seedkit.history import read_history
    from seedkit.plan.reset import teardown
    from seedkit.transpile import needs_transpile

    manifest = load_manifest(manifest_path, env)
    with read_target(manifest, url) as (plan_, target):
        source = plan_.source_dialect
        transpile_from = (
            source if transpile and needs_transpile(source, target.sqlglot_name) else None
        )
        project = manifest.model.project
        recorded = read_history(target, project.history_table, project.name, created=True)
        return teardown(plan_, target, transpile_from, recorded)


def reset(
    manifest_path: str | Path,
    url: str | None = None,
    transpile: bool = True,
    lock_timeout: float | None = None,
    *,
    env: str | None = None,
) -> ResetResult:
    """Drop what the DDL created, in reverse dependency order, and the project's history,
    under the project's lock and in one transaction where the database allows it."""
    from seedkit.locks import check_timeout
    from seedkit.plan.reset import run_reset

    check_timeout(lock_timeout)
    from seedkit.history import database_missing
    from seedkit.plan.reset import ResetResult

    manifest = load_manifest(manifest_path, env)
    with read_target(manifest, url) as (plan_, target):
        if database_missing(target):  # opening the file would create it: nothing to reset
            return ResetResult(target.display_url, [], 0, [])
        return run_reset(plan_, target, transpile=transpile, lock_timeout=lock_timeout)


def init(
    folder: str | Path = ".",
    force: bool = False,
    name: str | None = None,
    from_dump: Sequence[str | Path] = (),
) -> InitResult:
    """Write a starter seed.toml and data/ folder that apply as they are; with `from_dump`,
    a seed.toml that applies those dump files as written. Refuses to overwrite."""
    if from_dump:
        from seedkit.dumpseed import write_from_dump

        return write_from_dump(folder, [Path(p) for p in from_dump], force=force, name=name)
    from seedkit.scaffold import write_starter

    return write_starter(folder, force=force, name=name)


def graph(
    manifest_path: str | Path,
    format: str = "mermaid",
    select: Iterable[str] | None = None,
    url: str | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
) -> str:
    """The step graph as Mermaid or dot text: levels, steps, declared and inferred edges."""
    from seedkit.render_graph import render

    return render(plan(manifest_path, select, url, exclude=exclude, env=env), format)


def snapshot(
    url: str,
    tables: Iterable[str],
    out: str | Path,
    with_parents: bool = False,
    name: str | None = None,
    force: bool = False,
) -> SnapshotResult:
    """Write a seed (seed.toml, schema.sql, data/*.csv) recreating `tables` of a live database."""
    from seedkit.snapshot import snapshot as take

    return take(url, tables, out, with_parents=with_parents, name=name, force=force)


def plugins() -> dict[str, Any]:
    """Every plugin seedkit found (built-in and entry points of the group `seedkit`): name,
    package, version, kinds, hooks and load error; plus any duplicate-kind conflicts."""
    from seedkit.plugins import get_host

    return get_host().report()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of seed.toml, every registered source kind's options included."""
    from seedkit.manifest.json_schema import manifest_json_schema
    from seedkit.plugins import get_host

    return manifest_json_schema(get_host().kinds())


def check(
    manifest_path: str | Path,
    select: Iterable[str] | None = None,
    reporter: Reporter | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
    url: str | None = None,
    target: str | None = None,
) -> CheckReport:
    """Dry-run the whole seed in an in-memory DuckDB: every problem with its file, line and
    column, and the statements skipped or changed for DuckDB. No database is touched, but
    a seed without DDL reads its tables from `url` (read only) when given one. With
    `target` (sqlite, duckdb, mysql, postgres), also what an apply there would refuse
    (seedkit.check_target)."""
    from seedkit.dryrun import run_check

    report = run_check(
        manifest_path, select=select, reporter=reporter, exclude=exclude, env=env, url=url
    )
    if target is not None:  # what an apply to that database would stop at (issue 16)
        from seedkit.check_target import target_problems

        report.problems += target_problems(
            manifest_path, target, select=select, exclude=exclude, env=env
        )
    return report
