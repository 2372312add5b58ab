"""Foreign keys and text lengths, checked by seedkit's own queries after each step.

DuckDB's foreign keys cannot stand in for a real database's (no ALTER TABLE … ADD
FOREIGN KEY, no cascades, no deferral, errors naming no table), and it ignores
`varchar(n)` lengths. So the dry run creates tables without foreign keys and, after
each step, looks for rows added since the last check (DuckDB's `rowid` is the
watermark) whose foreign key has no parent row, or whose text is too long; each is
reported at the file and line its row came from.

A foreign key the apply enforces after the data (a self-reference, or a key inside a
group of steps: `seedkit.plan.latekeys`) is checked once the last step writing either
table has run, over the whole table, so rows in any order inside the group are fine,
as they are for the apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seedkit.dryrun.causes import short_name
from seedkit.dryrun.order import check_statement_order
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
    waiting = _waiting_keys(session)
    for table in session.plan.schema:
        key = canonical(table.qualified_name)
        if key not in existing:
            continue
        _check_parents(session, table, existing)
        top = session.max_rowid(_table(table.qualified_name))
        mark = session.watermarks.get(key, -1)
        parents_changed = any(
            canonical(_parent_name(session, fk)) in dirty for fk in table.foreign_keys
        )
        due = [fk for fk in table.foreign_keys if waiting.get((key, fk)) == "due"]
        if top <= mark and key not in dirty and not parents_changed and not due:
            continue
        low = -1 if key in dirty or parents_changed else mark
        for fk in table.foreign_keys:
            state = waiting.get((key, fk))
            if state == "waits":
                continue  # checked after the last step writing either table
            if state is not None:
                session.late_checked.add((key, fk))
            _check_fk(session, table, fk, -1 if state == "due" else low, late=state is not None)
        _check_lengths(session, table, mark if key not in dirty else -1)
        session.watermarks[key] = top


def _parent_name(session: Session, fk: ForeignKey) -> str:
    parent = session.plan.schema.get(fk.ref_table)
    return parent.qualified_name if parent is not None else fk.ref_table


def _check_parents(session: Session, table: Table, existing: set[str]) -> None:
    """A foreign key whose parent table the seed never creates is a problem, once, where
    the key is declared (the database refuses the CREATE or ALTER naming it)."""
    for fk in table.foreign_keys:
        parent = _parent_name(session, fk)
        mark = (canonical(table.qualified_name), fk.columns, canonical(parent))
        if mark in session.parents_checked or canonical(parent) in existing:
            continue
        session.parents_checked.add(mark)
        if short_name(parent) in session.causes.lost:
            continue  # its CREATE failed or was skipped: that is the problem, or the fidelity entry
        child = short_name(table.qualified_name)
        where = next(
            (loc for p, loc in session.fk_added_at.get(child, []) if p == short_name(parent)),
            session.created_at.get(child) or Location(key=f"table {table.qualified_name}"),
        )
        name = f"`{fk.name}` " if fk.name else ""
        session.problem(
            "foreign_key",
            f"foreign key {name}of `{table.qualified_name}` ({', '.join(fk.columns)}) "
            f"references `{parent}`, which the seed does not create",
            where,
            f"create `{parent}` in the DDL before this, or fix the table the key references",
        )


def _waiting_keys(session: Session) -> dict[tuple[str, ForeignKey], str]:
    """The keys enforced after the data, by (table, key): "waits" while a step writing
    either table has still to run, "due" once none has and the key is not yet checked
    whole, "done" after."""
    from seedkit.plan.latekeys import late_keys

    if session.step in session.plan.steps:
        session.steps_done.add(session.step)
    found: dict[tuple[str, ForeignKey], str] = {}
    for late in late_keys(session.plan):
        mark = (canonical(late.child.qualified_name), late.fk)
        if mark in session.late_checked:
            found[mark] = "done"
        elif session.finished or set(late.steps) <= session.steps_done:
            found[mark] = "due"
        else:
            found[mark] = "waits"
    return found


def _check_fk(session: Session, table: Table, fk: ForeignKey, low: int, late: bool = False) -> None:
    parent = _parent_name(session, fk)
    if not fk.ref_columns or len(fk.ref_columns) != len(fk.columns):
        return
    cols = ", ".join(f"c.{_q(c)}" for c in fk.columns)
    not_null = " AND ".join(f"c.{_q(c)} IS NOT NULL" for c in fk.columns)
    match = " AND ".join(
        f"p.{_q(r)} = c.{_q(c)}" for c, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    refusals = session.causes.has_refusals(parent)
    if refusals:
        session.causes.resolve(parent, lambda step, places: _read_refused(session, step, places))
    # Rows naming a refused parent row are set aside: look further for the others.
    limit = LIMIT * 50 if refusals else LIMIT
    sql = (
        f"SELECT c.rowid, {cols} FROM {_table(table.qualified_name)} c "
        f"WHERE c.rowid > {low} AND {not_null} AND NOT EXISTS "
        f"(SELECT 1 FROM {_table(parent)} p WHERE {match}) ORDER BY c.rowid LIMIT {limit}"
    )
    try:
        found = session.execute(sql).fetchall()
    except Exception:
        # The parent table is missing: reported once by _check_parents, or lost earlier.
        why = session.causes.lost.get(
            short_name(parent), "see the problem where the key is declared"
        )
        first = session.scalar(
            f"SELECT min(rowid) FROM {_table(table.qualified_name)} WHERE rowid > {low}"
        )
        where = (
            session.locate_rows(table.qualified_name, [int(first)]).get(int(first))
            if first is not None
            else None
        ) or session.created_at.get(short_name(table.qualified_name), Location())
        session.causes.not_checked(
            where,
            f"foreign key of {table.qualified_name}",
            f"foreign key of `{table.qualified_name}` to `{parent}`: `{parent}` does not exist "
            f"({why})",
        )
        return
    if refusals:
        found = _not_caused_by_refused_parents(session, table, fk, parent, found)
    _report_missing_parents(session, table, fk, parent, found)
    if not session.saturated and not late:  # a late key: the order of rows does not matter
        check_statement_order(session, table, fk, parent, low)


def _report_missing_parents(
    session: Session, table: Table, fk: ForeignKey, parent: str, found: list[Any]
) -> None:
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


def _not_caused_by_refused_parents(
    session: Session, table: Table, fk: ForeignKey, parent: str, found: list[Any]
) -> list[Any]:
    """The violations a refused parent row does not explain; the others are not checked."""
    kept, caused = [], []
    for row in found:
        if session.causes.refused_key(parent, fk.ref_columns, tuple(row[1:])):
            caused.append(row)
        else:
            kept.append(row)
    if caused:
        first = session.locate_rows(table.qualified_name, [caused[0][0]], fk.columns[0])
        where = first.get(caused[0][0]) or Location(key=f"table {table.qualified_name}")
        at = session.causes.refused_at.get(short_name(parent), "an earlier problem")
        session.causes.not_checked(
            where,
            f"foreign key of {table.qualified_name}",
            f"rows of `{table.qualified_name}` name a key of `{parent}` whose row was refused "
            f"(at {at})",
            len(caused),
            "row",
        )
    return kept[:LIMIT]


def _read_refused(
    session: Session, step_name: str, places: list[Location]
) -> list[dict[str, str]] | None:
    """The fields (by header name) of a CSV step's refused rows; None for other sources."""
    from pathlib import Path

    from seedkit.sources.csv import CsvSource
    from seedkit.sources.csvreader import CsvFile

    step = session.plan.steps.get(step_name)
    if step is None or not isinstance(step.source, CsvSource):
        return None
    wanted: dict[Path, set[int]] = {}
    for place in places:
        if place.file is None or place.line is None:
            return None
        wanted.setdefault(Path(place.file).resolve(), set()).add(place.line)
    rows: list[dict[str, str]] = []
    try:
        for path in step.source.files():
            lines = wanted.pop(path.resolve(), None)
            if not lines:
                continue
            with CsvFile(path, step.source.reader_options()) as csv_file:
                header = [h.lower() for h in csv_file.header]
                for record in csv_file.records():
                    if record.line in lines:
                        rows.append(
                            {
                                h: f
                                for h, f in zip(header, record.fields, strict=False)
                                if f is not None
                            }
                        )
                    if record.line >= max(lines):
                        break
    except Exception:
        return None
    return None if wanted else rows


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
