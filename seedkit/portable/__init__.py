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

#: The targets a PostgreSQL seed is ported to (sqlglot's names).
PORTED_TO = ("sqlite", "mysql", "duckdb")


def porter_for(
    plan: Plan, source: str | None, target: str | None, *, skip_unportable: bool = False
) -> Porter | None:
    """A Porter for applying `plan` (written in `source`) to `target`, or None when the
    statements are not ported (same dialect, or a pair only sqlglot transpiles)."""
    from seedkit.transpile import _norm

    if not source or not target or _norm(source) != "postgres" or _norm(target) not in PORTED_TO:
        return None
    from seedkit.portable.rewrite import Porter
    from seedkit.portable.scan import scan_plan

    return Porter(_norm(target), scan_plan(plan), skip_unportable=skip_unportable)
