"""Foreign keys and text lengths, checked by seedkit's own queries after each step.

DuckDB's foreign keys cannot stand in for a real database's (no ALTER TABLE … ADD
FOREIGN KEY, no cascades, no deferral, errors naming no table), and it ignores
`varchar(n)` lengths. So the dry run creates tables without foreign keys and, after
each step, looks for rows added since the last check (DuckDB's `rowid` is the
watermark) whose foreign key has no parent row, or whose text is too long; each is
reported at the file and line its row came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seedkit.dryrun.session import MAX_PROBLEMS_PER_STEP, canonical
from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.schema import ForeignKey, Table

LIMIT = MAX_PROBLEMS_PER_STEP


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(name: str) -> str:
    return ".".join(_q(p) for p in name.split("."))


def checkpoint(session: Session) -> None:
    """Check the rows added (or tables changed) since the last checkpoint."""
    session.flush()
    existing = {
        canonical(f"{schema}.{name}")
        for schema, name in session.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
    }
    dirty = set(session.dirty)
    session.dirty.clear()
    for table in session.plan.schema:
        key = canonical(table.qualified_name)
        if key not in existing:
            continue
        top = session.max_rowid(_table(table.qualified_name))
        mark = session.watermarks.get(key, -1)
        parents_changed = any(
            canonical(_parent_name(session, fk)) in dirty for fk in table.foreign_keys
        )
        if top <= mark and key not in dirty and not parents_changed:
            continue
        low = -1 if key in dirty or parents_changed else mark
        for fk in table.foreign_keys:
            _check_fk(session, table, fk, low)
        _check_lengths(session, table, mark if key not in dirty else -1)
        session.watermarks[key] = top


def _parent_name(session: Session, fk: ForeignKey) -> str:
    parent = session.plan.schema.get(fk.ref_table)
    return parent.qualified_name if parent is not None else fk.ref_table


def _check_fk(session: Session, table: Table, fk: ForeignKey, low: int) -> None:
    parent = _parent_name(session, fk)
    if not fk.ref_columns or len(fk.ref_columns) != len(fk.columns):
        return
    cols = ", ".join(f"c.{_q(c)}" for c in fk.columns)
    not_null = " AND ".join(f"c.{_q(c)} IS NOT NULL" for c in fk.columns)
    match = " AND ".join(
        f"p.{_q(r)} = c.{_q(c)}" for c, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    sql = (
        f"SELECT c.rowid, {cols} FROM {_table(table.qualified_name)} c "
        f"WHERE c.rowid > {low} AND {not_null} AND NOT EXISTS "
        f"(SELECT 1 FROM {_table(parent)} p WHERE {match}) ORDER BY c.rowid LIMIT {LIMIT}"
    )
    try:
        found = session.execute(sql).fetchall()
    except Exception:
        return  # the parent table is missing: the statement creating it was reported
    if not found:
        return
    locations = session.locate_rows(table.qualified_name, [r[0] for r in found], fk.columns[0])
    name = f"`{fk.name}` " if fk.name else ""
    later = _later_step(session, parent)
    hint = (
        f"`{parent}` is loaded by step `{later}`, which runs after this one: "
        f'add depends_on = ["{later}"] to the step loading `{table.qualified_name}`'
        if later
        else f"load the parent row into `{parent}` first, or fix the value"
    )
    for row in found:
        values = ", ".join(f"{c} = {v!r}" for c, v in zip(fk.columns, row[1:], strict=True))
        loc = locations.get(row[0]) or Location(key=f"table {table.qualified_name}")
        session.problem(
            "foreign_key",
            f"foreign key {name}of `{table.qualified_name}`: {values} has no row in "
            f"`{parent}` ({', '.join(fk.ref_columns)})",
            loc,
            hint,
        )


def _later_step(session: Session, parent: str) -> str | None:
    """The step loading `parent`, when it runs after the current one."""
    order = [s.name for s in session.plan.ordered()]
    current = order.index(session.step) if session.step in order else len(order)
    for name in order[current + 1 :]:
        step = session.plan.steps[name]
        if canonical(step.table_name) == canonical(parent):
            return name
    return None


def _check_lengths(session: Session, table: Table, low: int) -> None:
    limited = [c for c in table.columns if c.length is not None]
    if not limited:
        return
    over = " OR ".join(f"length({_q(c.name)}) > {c.length}" for c in limited)
    cols = ", ".join(_q(c.name) for c in limited)
    sql = (
        f"SELECT rowid, {cols} FROM {_table(table.qualified_name)} "
        f"WHERE rowid > {low} AND ({over}) ORDER BY rowid LIMIT {LIMIT}"
    )
    try:
        found = session.execute(sql).fetchall()
    except Exception:
        return
    for row in found:
        for column, value in zip(limited, row[1:], strict=True):
            if value is None or column.length is None or len(str(value)) <= column.length:
                continue
            loc = session.locate_rows(table.qualified_name, [row[0]], column.name).get(row[0])
            shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
            session.problem(
                "length",
                f"column `{column.name}` of `{table.qualified_name}`: {shown!r} has "
                f"{len(str(value))} characters, more than {column.type} allows",
                loc or Location(key=f"table {table.qualified_name}"),
                f"shorten the value to at most {column.length} characters, or widen the column",
            )
            break
