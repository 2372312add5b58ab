"""Foreign keys enforced after the data: those inside a group of steps, and self-references.

A cycle made only of foreign keys (a store's manager is a staff member, a staff member
works at a store) cannot load parent-first, nor can a self-referencing table whose
children come before their parents. Such keys are enforced after the last step that
writes either table (DESIGN §3), inside the apply's transaction where DDL is
transactional, or inside the group's transaction (MySQL, MariaDB), and checked then by
seedkit's own query, so a row whose parent is missing is named at its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seedkit.schema import table_key

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.errors import ApplyError, Location
    from seedkit.plan.steps import LoadStep, Plan
    from seedkit.schema import ForeignKey, Table


@dataclass(frozen=True)
class LateKey:
    """A foreign key checked after the data: child table and key, parent table, and the
    steps after whose last one it is checked."""

    child: Table
    fk: ForeignKey
    parent: Table
    steps: tuple[str, ...]

    def describe(self) -> str:
        """`staff (store_id) -> store (id)`, for plan and messages."""
        return (
            f"{self.child.qualified_name} ({', '.join(self.fk.columns)}) -> "
            f"{self.parent.qualified_name} ({', '.join(self.fk.ref_columns)})"
        )

    def missing_sql(self, quote: object) -> str:
        """A query giving the key of one child row whose parent is missing, or no row.
        `quote` quotes one identifier (the target dialect's)."""
        q = quote if callable(quote) else (lambda name: name)
        child = ".".join(q(p) for p in self.child.qualified_name.split("."))
        parent = ".".join(q(p) for p in self.parent.qualified_name.split("."))
        cols = ", ".join(f"c.{q(c)}" for c in self.fk.columns)
        present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in self.fk.columns)
        match = " AND ".join(
            f"p.{q(r)} = c.{q(c)}"
            for c, r in zip(self.fk.columns, self.fk.ref_columns, strict=True)
        )
        return (
            f"SELECT {cols} FROM {child} c WHERE {present} AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} p WHERE {match}) LIMIT 1"
        )


def late_keys(plan: Plan) -> list[LateKey]:
    """The foreign keys of the selected steps' tables enforced after the data: a
    self-reference, or a key between two tables written by steps of one group."""
    writers: dict[str, list[str]] = {}
    for step in plan.ordered():
        if step.table is not None:
            writers.setdefault(table_key(step.table.qualified_name), []).append(step.name)
    found: list[LateKey] = []
    seen: set[str] = set()
    for step in plan.ordered():
        table = step.table
        if table is None:
            continue
        own = table_key(table.qualified_name)
        if own in seen:
            continue
        seen.add(own)
        for fk in table.foreign_keys:
            parent = plan.schema.get(fk.ref_table)
            if parent is None or len(fk.columns) != len(fk.ref_columns) or not fk.ref_columns:
                continue
            theirs = table_key(parent.qualified_name)
            if theirs == own:
                steps = tuple(writers[own])
            else:
                group = set(plan.group_of(step.name))
                if not group or not group & set(writers.get(theirs, ())):
                    continue
                steps = tuple(writers[own] + writers[theirs])
            found.append(LateKey(table, fk, parent, steps))
    return found


def missing_parent_row(plan: Plan, key: LateKey, values: tuple[object, ...]) -> Location | None:
    """Where the first source row of the child table holding `values` in the key's columns
    is, in the sources of the steps that wrote it; None when it cannot be found."""
    wanted = tuple(str(v) for v in values)
    try:
        for step in plan.ordered():
            if step.is_sql or step.table is None:
                continue
            if table_key(step.table.qualified_name) != table_key(key.child.qualified_name):
                continue
            names = [c.lower() for c in step.source.columns(step.table)]
            columns = [c.lower() for c in key.fk.columns]
            if any(c not in names for c in columns):
                return None
            positions = [names.index(c) for c in columns]
            for batch in step.source.batches(step.table):
                for i, row in enumerate(batch.rows):
                    if tuple(str(row[p]) for p in positions) == wanted:
                        return batch.location(i)
    except Exception:  # noqa: BLE001 - a best-effort search must not hide the key's error
        return None
    return None


def spans(plan: Plan, keys: list[LateKey]) -> list[tuple[int, int, list[LateKey]]]:
    """Where keys wait, for a target whose steps are each their own transaction: (first,
    last) positions in `plan.ordered()` of the steps writing the tables of overlapping
    keys, run as one transaction, and the keys checked before its commit."""
    order = {step.name: i for i, step in enumerate(plan.ordered())}
    found: list[tuple[int, int, list[LateKey]]] = []
    for key in keys:
        places = [order[s] for s in key.steps if s in order]
        if not places:
            continue
        first, last, held = min(places), max(places), [key]
        for other in [s for s in found if s[0] <= last and first <= s[1]]:
            found.remove(other)
            first, last, held = min(first, other[0]), max(last, other[1]), other[2] + held
        found.append((first, last, held))
    return sorted(found, key=lambda s: s[0])


def check_keys(
    plan: Plan, target: Adapter, conn: sa.Connection, keys: list[LateKey], after: str
) -> None:
    """Find, by seedkit's own query, a child row of `keys` whose parent is missing, and
    stop at the source row holding it (file, line, column). `after` ends the hint: what
    happens to the work done so far."""
    from seedkit.errors import ApplyError

    for key in keys:
        sql = key.missing_sql(lambda name: target.quote(conn, name))
        where = plan.manifest.locate("steps", key.steps[0])
        row = target.execute(conn, sql, location=where).first()
        if row is None:
            continue
        values = tuple(row)
        shown = ", ".join(f"{c} = {v!r}" for c, v in zip(key.fk.columns, values, strict=True))
        place = missing_parent_row(plan, key, values)
        raise ApplyError(
            f"foreign key {key.describe()}: {shown} has no row in {key.parent.qualified_name}",
            location=place or where,
            hint="this key is checked after the data of the steps writing either table ("
            + ", ".join(key.steps)
            + f"); add the parent row or fix this one; {after}",
        )


@contextmanager
def held_keys(
    plan: Plan, target: Adapter, conn: sa.Connection, keys: list[LateKey]
) -> Iterator[None]:
    """One transaction around the steps writing the tables of `keys`, with the keys off
    for seedkit's session and checked by seedkit's own query before its commit (MySQL,
    MariaDB, whose steps are otherwise each their own transaction)."""
    state = None
    with conn.begin():
        try:
            state = target.defer_keys(conn, keys)
            yield
            check_keys(plan, target, conn, keys, "the steps of this transaction were rolled back")
        finally:
            target.restore_keys(conn, keys, state)


def out_of_order(plan: Plan, keys: list[LateKey], load: LoadStep, error: ApplyError) -> None:
    """On a target that checks each row as it is written and cannot wait (DuckDB): when
    `load` failed on a foreign key it holds to its own table, point `error` at the first
    source row whose parent no earlier row of the table's steps gave."""
    if "foreign key" not in error.message.lower() or load.table is None:
        return
    own = table_key(load.table.qualified_name)
    if _missing_parent_named(plan, load, error):
        return
    for key in keys:
        if {table_key(key.child.qualified_name), table_key(key.parent.qualified_name)} != {own}:
            continue
        place = _first_orphan(plan, key)
        if place is not None:
            error.location = place
            error.hint = (
                f"this row's parent ({key.describe()}) is not written before it: DuckDB "
                "checks each row's key as it is written and cannot check keys after the "
                "data, so parents must come first there; move the row after its parent; "
                "nothing was applied"
            )
            return


# DuckDB's words for a child row whose parent is missing: the parent's columns and values.
_DUCKDB_MISSING = re.compile(
    r'Violates foreign key constraint because key "(?P<key>.*)" does not exist in the '
    r"referenced table"
)


def _missing_parent_named(plan: Plan, load: LoadStep, error: ApplyError) -> bool:
    """When DuckDB named the parent key it could not find (`key "id: 9"`), point `error`
    at the first source row of `load`'s table holding it; True when it did. A key whose
    text could be read two ways is left alone."""
    found = _DUCKDB_MISSING.search(error.message)
    if found is None or load.table is None:
        return False
    pairs = found["key"].split(", ")
    given = dict(p.split(": ", 1) for p in pairs if ": " in p)
    if len(given) != len(pairs):
        return False
    for fk in load.table.foreign_keys:
        parent = plan.schema.get(fk.ref_table)
        refs = [c.lower() for c in fk.ref_columns]
        if parent is None or sorted(refs) != sorted(c.lower() for c in given):
            continue
        if table_key(parent.qualified_name) == table_key(load.table.qualified_name):
            continue  # a self-reference: the row comes before its parent (below)
        lowered = {c.lower(): v for c, v in given.items()}
        values = tuple(lowered[r] for r in refs)
        place = missing_parent_row(plan, LateKey(load.table, fk, parent, ()), values)
        if place is not None:
            error.location = place
            shown = ", ".join(f"{c} = {v}" for c, v in zip(fk.columns, values, strict=True))
            error.hint = (
                f"{shown} has no row in {parent.qualified_name}: add the parent row or fix "
                "this one; nothing was applied"
            )
            return True
    return False


def _first_orphan(plan: Plan, key: LateKey) -> Location | None:
    """The first row, in load order, whose key names no row written before it."""
    seen: set[tuple[str, ...]] = set()
    try:
        for step in plan.ordered():
            if step.is_sql or step.table is None:
                continue
            if table_key(step.table.qualified_name) != table_key(key.child.qualified_name):
                continue
            names = [c.lower() for c in step.source.columns(step.table)]
            wanted = [c.lower() for c in key.fk.columns]
            given = [c.lower() for c in key.fk.ref_columns]
            if any(c not in names for c in wanted + given):
                return None
            cols = [names.index(c) for c in wanted]
            refs = [names.index(c) for c in given]
            for batch in step.source.batches(step.table):
                for i, row in enumerate(batch.rows):
                    parent = tuple(str(row[p]) for p in cols)
                    if any(row[p] is None for p in cols) or parent in seen:
                        seen.add(tuple(str(row[p]) for p in refs))
                        continue
                    return batch.location(i)
    except Exception:  # noqa: BLE001 - a best-effort search must not hide the key's error
        return None
    return None
