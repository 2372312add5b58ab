"""What `seedkit reset` (and `apply --fresh`) removes: what the DDL created, newest first.

The DDL files are read with sqlglot in the manifest's dialect. Views go first (newest
first), then tables in reverse foreign-key order (a table is dropped before the tables
it references, whatever order the DDL created them in), then sequences and types, and
last the schemas. Indexes, constraints and triggers go with their tables. Anything else
the DDL creates (functions, extensions…) is left in place and listed. A seed without DDL
created only rows: reset empties its step tables, in reverse graph order.

Each DROP is written in the manifest's dialect and goes through the same translation as
the DDL did, so names are spelled and folded exactly as they were when created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from seedkit.errors import Location
from seedkit.schema import table_key
from seedkit.sources.base import LocatedStatement

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import sqlalchemy as sa
    from sqlglot import exp

    from seedkit.adapters.base import Adapter
    from seedkit.history import HistoryRow
    from seedkit.plan.steps import Plan

_KINDS = ("VIEW", "TABLE", "SEQUENCE", "TYPE", "SCHEMA")
#: Schemas every database of its kind starts with: reset never drops them.
_DEFAULT_SCHEMAS = frozenset({"public", "main", "dbo", "pg_catalog", "information_schema"})


@dataclass(frozen=True)
class DropItem:
    """One object to remove: its kind, shown name, and the statement(s) to send."""

    kind: str
    name: str
    statements: tuple[str, ...]
    location: Location


@dataclass
class Teardown:
    """The drops in order, and what the DDL created that reset leaves in place."""

    items: list[DropItem] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


@dataclass
class _Created:
    kind: str
    node: exp.Expression
    stmt: LocatedStatement
    materialized: bool = False
    if_not_exists: bool = False

    @property
    def key(self) -> str:
        return table_key(self.node.sql())


def teardown(
    plan: Plan,
    target: Adapter,
    transpile_from: str | None,
    recorded: Iterable[HistoryRow] = (),
) -> Teardown:
    """The ordered drops for `plan` on `target` (nothing is executed here).

    `recorded` is the project's history: what an earlier apply recorded as created by its
    DDL (`created` rows) and the current DDL no longer creates is dropped first, so a table
    taken out of the DDL does not survive the reset."""
    result = Teardown()
    if not plan.ddl:
        _empty_tables(plan, target, transpile_from, result)
        return result
    created = _created_objects(plan, result)
    for item in _removed_since(plan, created, recorded):
        result.items.append(_drop(item, plan, target, transpile_from))
    order: list[_Created] = [c for c in reversed(created) if c.kind == "VIEW"]
    order += _tables_in_drop_order([c for c in created if c.kind == "TABLE"], plan)
    order += [c for c in reversed(created) if c.kind in ("SEQUENCE", "TYPE")]
    for item in reversed([c for c in created if c.kind == "SCHEMA"]):
        if target.SCHEMA_IS_DATABASE:  # a MySQL schema is a database: never dropped whole
            result.left.append(f"schema {item.node.sql()} ({item.stmt.location})")
        elif item.if_not_exists or table_key(item.node.sql()) in _DEFAULT_SCHEMAS:
            # It may have been there before the seed (public, main…): dropping it would
            # take the history table, and everything else in it, along.
            result.left.append(
                f"schema {item.node.sql()}, which may predate the seed ({item.stmt.location})"
            )
        else:
            order.append(item)
    for item in order:
        result.items.append(_drop(item, plan, target, transpile_from))
    return result


def created_records(path: Path, dialect: str | None) -> list[str]:
    """What one DDL file creates that reset drops, as history records it (`created` rows):
    `KIND:name`, in the order the file creates them."""
    return [
        f"{'MATERIALIZED VIEW' if c.materialized else c.kind}:{c.node.sql(dialect=dialect)}"
        for c in _created_in(path, dialect, Teardown())
        # a schema that may predate the seed is never dropped, so never recorded
        if not (
            c.kind == "SCHEMA" and (c.if_not_exists or table_key(c.node.sql()) in _DEFAULT_SCHEMAS)
        )
    ]


def _removed_since(
    plan: Plan, created: list[_Created], recorded: Iterable[HistoryRow]
) -> list[_Created]:
    """What history recorded as created and the current DDL does not create: views first,
    then tables and the rest newest first, schemas last."""
    from sqlglot import exp

    from seedkit.errors import display_path

    now = {(c.kind, c.key) for c in created}
    gone: list[tuple[int, _Created]] = []
    for row in recorded:
        if row.kind != "created" or ":" not in row.name:
            continue
        kind, name = row.name.split(":", 1)
        materialized = kind == "MATERIALIZED VIEW"
        kind = "VIEW" if materialized else kind
        node = exp.to_table(name, dialect=plan.source_dialect)
        if kind not in _KINDS or (kind, table_key(node.sql())) in now:
            continue
        where = plan.manifest.locate("project", "ddl")
        stmt = LocatedStatement(f"-- {row.name}", display_path(plan.manifest.path), where.line or 1)
        gone.append((row.rows, _Created(kind, node, stmt, materialized)))
    gone.sort(key=lambda item: -item[0])
    rank = {"VIEW": 0, "TABLE": 1, "SEQUENCE": 2, "TYPE": 2, "SCHEMA": 3}
    return sorted((c for _, c in gone), key=lambda c: rank[c.kind])


def _created_objects(plan: Plan, result: Teardown) -> list[_Created]:
    created: list[_Created] = []
    for ddl in plan.ddl:
        created += _created_in(ddl.path, plan.source_dialect, result)
    return created


def _created_in(path: Path, dialect: str | None, result: Teardown) -> list[_Created]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    from seedkit.sources.sql import read_statements

    created: list[_Created] = []
    for stmt in read_statements(path, dialect):
        head = " ".join(stmt.sql.split()[:4]).upper()
        if head.startswith("ALTER TABLE") and "RENAME" in stmt.sql.upper():
            _follow_rename(stmt, dialect, created)
            continue
        if not head.startswith("CREATE"):
            continue
        try:
            node = sqlglot.parse_one(stmt.sql, read=dialect)
        except SqlglotError:
            node = None
        if not isinstance(node, exp.Create):
            result.left.append(f"{head.lower()}… ({stmt.location})")
            continue
        kind = str(node.args.get("kind") or "").upper()
        if kind == "INDEX":
            continue  # goes with its table
        if kind not in _KINDS:
            result.left.append(f"{kind.lower() or head.lower()} ({stmt.location})")
            continue
        target_node = node.this
        if isinstance(target_node, exp.Schema):  # CREATE TABLE t (columns…)
            target_node = target_node.this
        materialized = any(
            isinstance(p, exp.MaterializedProperty)
            for p in (node.args.get("properties") or exp.Properties()).expressions
        )
        exists = bool(node.args.get("exists"))
        created.append(_Created(kind, target_node, stmt, materialized, exists))
    return created


def _follow_rename(stmt: LocatedStatement, dialect: str | None, created: list[_Created]) -> None:
    """`ALTER TABLE a RENAME TO b`: the table the DDL created as `a` is dropped as `b`."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        node = sqlglot.parse_one(stmt.sql, read=dialect)
    except SqlglotError:
        return
    if not isinstance(node, exp.Alter):
        return
    renames = [a for a in node.args.get("actions") or [] if isinstance(a, exp.AlterRename)]
    if not renames or not isinstance(node.this, exp.Table):
        return
    old = table_key(node.this.sql())
    new_name = renames[-1].this
    for item in created:
        if item.kind == "TABLE" and item.key == old and isinstance(new_name, exp.Table):
            renamed = item.node.copy()
            renamed.set("this", new_name.this.copy())
            if new_name.args.get("db") is not None:
                renamed.set("db", new_name.args["db"].copy())
            item.node = renamed


def _tables_in_drop_order(tables: list[_Created], plan: Plan) -> list[_Created]:
    """Children before parents; tables in a foreign-key cycle newest first."""
    by_key = {_schema_key(plan, t.key): t for t in tables}
    refs: dict[str, set[str]] = {k: set() for k in by_key}
    for key in by_key:
        spec = plan.schema.get(key)
        for fk in spec.foreign_keys if spec else ():
            parent = _schema_key(plan, fk.ref_table)
            if parent in by_key and parent != key:
                refs[key].add(parent)
    remaining = [_schema_key(plan, t.key) for t in reversed(tables)]
    out: list[_Created] = []
    while remaining:
        free = [k for k in remaining if not any(k in refs[o] for o in remaining if o != k)]
        pick = free[0] if free else remaining[0]
        out.append(by_key[pick])
        remaining.remove(pick)
    return out


def _schema_key(plan: Plan, name: str) -> str:
    spec = plan.schema.get(name)
    return table_key(spec.qualified_name) if spec else table_key(name)


def _drop(item: _Created, plan: Plan, target: Adapter, transpile_from: str | None) -> DropItem:
    from sqlglot import exp

    drop = exp.Drop(tables=[item.node.copy()], kind=item.kind, exists=True)
    if item.materialized:
        drop.set("materialized", True)
    sql = drop.sql(dialect=plan.source_dialect)
    stmt = LocatedStatement(sql, item.stmt.file, item.stmt.line, item.stmt.column)
    from seedkit.portable import port_drop

    ported = port_drop(stmt, transpile_from, target.sqlglot_name)
    statements = tuple(
        ported if ported is not None else target.prepare_statement(stmt, transpile_from)
    )
    kind = ("materialized view" if item.materialized else item.kind).lower()
    return DropItem(kind, item.node.sql(dialect=plan.source_dialect), statements, stmt.location)


def _empty_tables(
    plan: Plan, target: Adapter, transpile_from: str | None, result: Teardown
) -> None:
    seen: set[str] = set()
    for level in reversed(plan.levels):
        for name in level:
            step = plan.steps[name]
            if table_key(step.table_name) in seen:
                continue
            seen.add(table_key(step.table_name))
            location = plan.manifest.locate("steps", step.name)
            result.items.append(DropItem("rows of", step.table_name, (), location))


def run_teardown(conn: sa.Connection, target: Adapter, plan: Teardown) -> list[DropItem]:
    """Execute the drops on `conn`, inside the caller's transaction; return what ran."""
    done: list[DropItem] = []
    tables = _existing_tables(conn, target) if any(i.kind == "table" for i in plan.items) else None
    for item in plan.items:
        if item.kind == "rows of":
            if not target.table_exists(conn, item.name):
                continue
            sql = target.delete_all_sql(conn, item.name)
            target.execute(conn, sql, location=item.location)
        else:
            if not item.statements:
                continue  # nothing of it on this target (a schema, on a ported seed)
            for sql in item.statements:
                target.execute(conn, sql, location=item.location)
            bare = item.name.rsplit(".", 1)[-1]  # a ported seed's app.t is t on SQLite/MariaDB
            if (
                item.kind == "table"
                and tables is not None
                and not _listed(item.name, tables)
                and not (target.sqlglot_name in ("sqlite", "mysql") and _listed(bare, tables))
            ):
                continue  # DROP … IF EXISTS of a table that was not there: not reported
        done.append(item)
    return done


def _existing_tables(conn: sa.Connection, target: Adapter) -> set[str] | None:
    """Every table's key, bare and schema-qualified; None when the catalog cannot be read."""
    try:
        pairs = target.existing_tables(conn)
        found: set[str] = set()
        for schema, name in pairs:
            found |= {table_key(str(name)), table_key(f"{schema}.{name}")}
        return found
    except Exception:  # a catalog seedkit cannot list: report every drop, as before
        return None


def _listed(name: str, tables: set[str]) -> bool:
    return table_key(name) in tables


@dataclass
class ResetResult:
    """What a reset dropped, how many history rows it forgot, and what it left in place."""

    target: str
    dropped: list[str]
    history_rows: int
    left: list[str]


def run_reset(
    plan: Plan, target: Adapter, transpile: bool = True, lock_timeout: float | None = None
) -> ResetResult:
    """Drop what the DDL created and forget the project's history, under the project's lock;
    one transaction where DDL is transactional (a failure leaves everything as it was)."""
    from contextlib import nullcontext

    from seedkit.history import History, read_history
    from seedkit.transpile import needs_transpile

    source = plan.source_dialect
    transpile_from = source if transpile and needs_transpile(source, target.sqlglot_name) else None
    project = plan.manifest.model.project
    recorded = read_history(target, project.history_table, project.name, created=True)
    drops = teardown(plan, target, transpile_from, recorded)
    history = History(target, project.history_table, project.name)
    per_step = not target.SUPPORTS_TRANSACTIONAL_DDL
    with (
        target.connect_to_write(lock_timeout) as conn,
        target.apply_scope(conn, project.name, lock_timeout),
        conn.begin() if per_step else nullcontext(),
    ):
        done = run_teardown(conn, target, drops)
        forgotten = history.forget(conn) if target.SUPPORTS_HISTORY else 0
    return ResetResult(
        target.display_url, [f"{d.kind} {d.name}" for d in done], forgotten, drops.left
    )
