"""Inline keys built after the data, as pg_restore does (issue 14).

`CREATE TABLE items (id integer PRIMARY KEY, code text NOT NULL UNIQUE)` makes the
database keep two indexes up to date row by row while the steps load; building them
after the rows is much faster (a sort instead of a million index insertions). pg_dump
writes its keys as separate statements after the data for that reason; seed DDL usually
writes them inline. Where the DDL is transactional and the database can drop and add a
constraint inside the transaction (PostgreSQL), the executor runs the DDL as written,
then drops the inline primary keys, unique constraints and foreign keys that nothing
before the end of the apply needs, loads the steps, and adds each back, by the same
name and the definition the catalog gave (`pg_get_constraintdef`), in the same
transaction: the database ends as the DDL made it. It holds back only what is certainly
safe to (the rules of `seedkit.plan.deferred`, for a whole table):

- a table the DDL about to run creates, every row of it from this apply;
- written only by `insert`-mode steps that are not SQL (a SQL step, an upsert or a
  mirror may need the key: ON CONFLICT, a unique error it expects), and named by no
  function, procedure, trigger or rule of the DDL (code that runs during the load);
- a plain table (not partitioned, no parent or child); a key with no comment, and an
  index with no storage option (`WITH (fillfactor = …)`) or tablespace of its own;
- a foreign key only between two such tables (so no `ON DELETE` action is skipped);
- a primary key or unique constraint only when nothing but held foreign keys depends on
  it (a view grouping by the key does).

A key that fails to build names the source row: the row repeating a key, found in the
sources of the steps that wrote the table; the row whose parent is missing, found by
seedkit's own query, then in the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from seedkit.manifest.models import Mode
from seedkit.plan.deferred import _TABLE, _mentioned_by_sql, name_of

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.errors import ApplyError, Location
    from seedkit.plan.steps import Plan
    from seedkit.schema import Table
    from seedkit.sources.base import LocatedStatement

_LEADING_COMMENTS = re.compile(r"\A(?:\s*(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/))*\s*", re.DOTALL)
# DDL holding code that runs while the steps load, and may rely on a key.
_CODE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?(?:FUNCTION|PROCEDURE|TRIGGER|RULE)\b",
    re.IGNORECASE,
)

# The keys of the given tables that may be held: local constraints of plain tables, no
# comment on the constraint or its index, no storage option or tablespace on its index
# (pg_get_constraintdef does not give them). With each, its columns and those it references.
_KEYS = """
SELECT c.oid, c.conname, c.contype, c.conrelid::regclass::text, pg_get_constraintdef(c.oid),
       c.conrelid, c.confrelid, c.conindid,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
WHERE c.conrelid IN (SELECT to_regclass(n) FROM unnest(%s::text[]) AS n)
  AND c.contype IN ('p', 'u', 'f') AND c.conislocal AND c.coninhcount = 0
  AND t.relkind = 'r' AND NOT t.relispartition AND NOT t.relhassubclass
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = t.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_description d
                  WHERE d.objoid IN (c.oid, c.conindid))
  AND (c.contype = 'f' OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class i
       WHERE i.oid = c.conindid AND (i.reloptions IS NOT NULL OR i.reltablespace <> 0)))
ORDER BY c.oid
"""

# What depends on a key or its index, other than the two themselves and the parts of
# their own making (a deferrable key's trigger).
_DEPENDENTS = """
SELECT d.objid FROM pg_catalog.pg_depend d
WHERE d.refobjid IN (%s, %s) AND d.objid NOT IN (%s, %s) AND d.deptype <> 'i'
"""


@dataclass(frozen=True)
class HeldKey:
    """A constraint dropped after the DDL and added back after the data."""

    table: str  # as the catalog spells it (`items`, `"Odd".items`)
    name: str
    definition: str  # pg_get_constraintdef's text
    kind: str  # p (primary key), u (unique), f (foreign key)
    columns: tuple[str, ...]
    schema_table: Table
    parent: Table | None = None  # a foreign key's
    ref_columns: tuple[str, ...] = ()
    created_at: Location | None = None  # the CREATE TABLE statement

    def describe(self) -> str:
        """`primary key items_pkey of items (id)`, for messages."""
        what = {"p": "primary key", "u": "unique constraint", "f": "foreign key"}[self.kind]
        return f"{what} {self.name} of {self.table} ({', '.join(self.columns)})"


@dataclass
class HeldKeys:
    """The keys held back for one apply, added back by `rebuild` after the data."""

    keys: list[HeldKey] = field(default_factory=list)

    def rebuild(self, plan: Plan, target: Adapter, conn: sa.Connection, fks: bool) -> None:
        """Add back the held primary keys and unique constraints (`fks` False), or the
        foreign keys (`fks` True); a key that fails names the source row at fault."""
        for key in self.keys:
            if (key.kind == "f") == fks:
                _add(plan, target, conn, key)


def holdable_tables(
    plan: Plan, files: Iterable[tuple[Path, list[LocatedStatement]]]
) -> dict[str, tuple[Table, Location]]:
    """The tables of the selected steps whose keys may wait for the data, by lookup name,
    each with the DDL statement that creates it: created by `files` (the DDL about to
    run), written by insert-mode steps that are not SQL only, named by no code in the DDL."""
    created: dict[str, Location] = {}
    code: list[str] = []
    for _, stmts in files:
        for stmt in stmts:
            text = _LEADING_COMMENTS.sub("", stmt.sql)
            if table := _TABLE.match(text):
                created.setdefault(name_of(table["table"]), stmt.location)
            elif _CODE.match(text):
                code.append(stmt.sql)
    found: dict[str, tuple[Table, Location]] = {}
    barred: set[str] = set()
    for step in plan.ordered():
        name = name_of(step.table_name)
        if step.table is None or step.is_sql or step.mode not in (None, Mode.INSERT):
            barred.add(name)
        elif name in created:
            found.setdefault(name, (step.table, created[name]))
    for name in list(found):
        word = re.compile(rf"(?<![A-Za-z0-9_$]){re.escape(name)}(?![A-Za-z0-9_$])", re.IGNORECASE)
        if name in barred or any(word.search(sql) for sql in code):
            del found[name]
    if not found:
        return {}  # no SQL file to read for their names
    found_sql = _mentioned_by_sql(plan.ordered(), set(found))
    return {name: value for name, value in found.items() if name not in found_sql}


def hold_keys(
    target: Adapter, conn: sa.Connection, tables: dict[str, tuple[Table, Location]]
) -> HeldKeys:
    """Drop the keys of `tables` that nothing before the end needs (PostgreSQL), to be
    added back by `HeldKeys.rebuild`; foreign keys are dropped before what they need."""
    held = HeldKeys()
    if not tables or not target.HOLDS_INLINE_KEYS:
        return held
    by_oid: dict[int, tuple[Table, Location]] = {}
    names: list[str] = []
    for table, where in tables.values():
        quoted = target.quote_table(conn, table.qualified_name)
        oid = target.execute(conn, "SELECT to_regclass(%s)::oid", (quoted,)).scalar()
        if oid is not None:
            by_oid[oid] = (table, where)
            names.append(quoted)
    rows = target.execute(conn, _KEYS, (names,)).fetchall()
    fks = [r for r in rows if r[2] == "f" and r[6] in by_oid]
    held_fks = {r[0] for r in fks}
    keys = [r for r in rows if r[2] in "pu"]
    chosen = []
    for row in keys:
        oid, index = row[0], row[7]
        dependents = target.execute(conn, _DEPENDENTS, (oid, index, oid, index)).fetchall()
        if all(d[0] in held_fks for d in dependents):
            chosen.append(row)
    ordered = fks + chosen  # a foreign key goes before the key it references
    for _oid, name, kind, table, definition, rel, ref, _, cols, refcols in ordered:
        schema_table, where = by_oid[rel]
        parent = by_oid[ref][0] if kind == "f" else None
        target.execute(conn, f"ALTER TABLE {table} DROP CONSTRAINT {target.quote(conn, name)}")
        held.keys.append(
            HeldKey(
                table,
                name,
                definition,
                kind,
                tuple(cols),
                schema_table,
                parent,
                tuple(refcols or ()),
                where,
            )
        )
    held.keys.reverse()  # added back in the order that lets each find what it needs
    return held


def _add(plan: Plan, target: Adapter, conn: sa.Connection, key: HeldKey) -> None:
    from seedkit.errors import ApplyError

    sql = f"ALTER TABLE {key.table} ADD CONSTRAINT {target.quote(conn, key.name)} "
    sql += key.definition
    if key.kind != "f":
        try:
            target.execute(conn, sql, location=key.created_at)
        except ApplyError as exc:
            place = _repeated_row(plan, key)
            if place is not None:
                exc.location = place
                exc.hint = (
                    f"this row repeats a key of the {key.describe()}, built after the data; "
                    "fix the row; nothing was applied"
                )
            raise
        return
    savepoint = conn.begin_nested()
    try:
        target.execute(conn, sql, location=key.created_at)
    except ApplyError as exc:
        savepoint.rollback()
        _name_missing_parent(plan, target, conn, key, exc)
        raise
    savepoint.commit()


def _repeated_row(plan: Plan, key: HeldKey) -> Location | None:
    from seedkit.plan.deferred import DeferredIndex, duplicate_row

    stand_in = DeferredIndex(
        None,  # type: ignore[arg-type]  # only the table and columns are read
        name_of(key.schema_table.qualified_name),
        tuple(c.lower() for c in key.columns),
        True,
    )
    return duplicate_row(plan, stand_in)


def _name_missing_parent(
    plan: Plan, target: Adapter, conn: sa.Connection, key: HeldKey, exc: ApplyError
) -> None:
    """Point `exc` at the source row whose parent is missing, found by seedkit's query."""
    from seedkit.plan.latekeys import LateKey, missing_parent_row
    from seedkit.schema import ForeignKey

    if key.parent is None:
        return
    fk = ForeignKey(key.columns, key.parent.qualified_name, key.ref_columns, key.name)
    late = LateKey(key.schema_table, fk, key.parent, ())
    row = target.execute(conn, late.missing_sql(lambda n: target.quote(conn, n))).first()
    if row is None:
        return
    values = tuple(row)
    place = missing_parent_row(plan, late, values)
    if place is None:
        return
    shown = ", ".join(f"{c} = {v!r}" for c, v in zip(key.columns, values, strict=True))
    exc.location = place
    exc.hint = (
        f"foreign key {late.describe()}: {shown} has no row in {key.parent.qualified_name}; "
        "this key is built after the data: add the parent row or fix this one; "
        "nothing was applied"
    )
