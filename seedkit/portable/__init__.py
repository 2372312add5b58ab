"""Portable SQL: a PostgreSQL seed (pg_dump output included) applied to SQLite, MariaDB or
DuckDB.

- `rules`: the table of what ports and how, and what does not (the README is made from it);
- `scan`: the look over the whole seed before anything runs (keys added after the data,
  sequences, the statements that cannot port);
- `rewrite`: `Porter`, which turns each statement into the target's SQL;
- `table`, `types`, `counters`, `inserts`, `values`: its parts (CREATE TABLE, column
  types, auto-numbering and `setval`, rows of INSERTs and COPY blocks, value forms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.plan.steps import Plan
    from seedkit.portable.rewrite import Porter
    from seedkit.sources.base import LocatedStatement

#: The targets a PostgreSQL seed is ported to (sqlglot's names).
PORTED_TO = ("sqlite", "mysql", "duckdb")


def porter_for(
    plan: Plan, source: str | None, target: str | None, *, skip_unportable: bool = False
) -> Porter | None:
    """A Porter for applying `plan` (written in `source`) to `target`, or None when the
    statements are not ported (same dialect, or a pair only sqlglot transpiles)."""
    from seedkit.transpile_shapes import dialect_key as _norm

    if not source or not target or _norm(source) != "postgres" or _norm(target) not in PORTED_TO:
        return None
    from seedkit.portable.rewrite import Porter
    from seedkit.portable.scan import scan_plan

    return Porter(_norm(target), scan_plan(plan), skip_unportable=skip_unportable)


def preview(plan: Plan, target: str | None) -> dict[str, object] | None:
    """What porting the seed to `target` will do, for `seedkit plan`: each statement that
    cannot port (file, line, reason), the session settings dropped, and each change (types,
    keys folded, counters). Data statements are not read; nothing runs. None when the
    seed is not ported to that target."""
    from seedkit.errors import SeedError
    from seedkit.portable.scan import seed_statements

    porter = porter_for(plan, plan.source_dialect, target, skip_unportable=True)
    if porter is None:
        return None
    problems: list[str] = []
    for stmt in seed_statements(plan):
        head = stmt.sql.lstrip()[:6].upper()
        if stmt.copy is not None or head in ("INSERT", "UPDATE", "DELETE"):
            continue
        try:
            porter.prepare(stmt)
        except SeedError as exc:
            problems.append(f"{exc.location}: {exc.message}")
    return {
        "unportable": [
            {"file": u.file, "line": u.line, "statement": u.what, "reason": u.reason}
            for u in porter.scan.unportable
        ],
        "dropped": porter.report.dropped,
        "changes": list(porter.report.changes),
        "problems": problems,
    }


def port_drop(stmt: LocatedStatement, source: str | None, target: str | None) -> list[str] | None:
    """A `DROP` that `seedkit reset` (or `apply --fresh`) runs for what a ported seed's DDL
    made, as the target's SQL (None when the seed is not ported to `target`): schemas,
    types, domains and, on SQLite, sequences were not made there, so they are not dropped."""
    from seedkit.transpile_shapes import dialect_key

    if not source or not target or dialect_key(source) != "postgres":
        return None
    if dialect_key(target) not in PORTED_TO:
        return None
    from seedkit.portable.rewrite import Porter
    from seedkit.portable.scan import SeedScan

    return Porter(dialect_key(target), SeedScan(), skip_unportable=True).prepare(stmt)
