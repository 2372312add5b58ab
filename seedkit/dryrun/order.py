"""Statement-level foreign keys: what a database checks at the end of each statement.

PostgreSQL (and SQLite, DuckDB) checks a foreign key that is not deferred when each
INSERT statement ends, so a SQL file whose INSERT names a parent row inserted one
statement later fails there, even though the parent is there when the step ends. The
dry run checks foreign keys by query after each step; for rows a SQL statement inserted
while the key was in force it also asks whether the parent row existed when that
statement ended, from the order the rows were inserted in (each row segment carries the
number of the statement that inserted it).

A key is in force from the statement declaring it (`CREATE TABLE … REFERENCES`, or
`ALTER TABLE … ADD FOREIGN KEY`) unless it is `INITIALLY DEFERRED`; not while MySQL's
`FOREIGN_KEY_CHECKS` is 0, PostgreSQL's `session_replication_role` is `replica`,
SQLite's `foreign_keys` pragma is off, or the table's triggers are disabled (pg_dump
`--disable-triggers`), as dump files do.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

from seedkit.dryrun.causes import created_name, short_name

if TYPE_CHECKING:
    from seedkit.dryrun.session import Segment, Session
    from seedkit.schema import ForeignKey, Table

_NAME = r'(?:"[^"]+"|`[^`]+`|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|`[^`]+`|[\w$]+))*'
_REFERENCES = re.compile(rf"\bREFERENCES\s+(?:ONLY\s+)?(?P<parent>{_NAME})", re.I)
_ALTER_CHILD = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?P<child>{_NAME})", re.I
)
_DEFERRED = re.compile(r"\bINITIALLY\s+DEFERRED\b", re.I)
_OFF = re.compile(
    r"\bFOREIGN_KEY_CHECKS\s*=\s*0\b|\bsession_replication_role\s*(?:=|TO)\s*'?replica"
    r"|\bPRAGMA\s+foreign_keys\s*=\s*(?:OFF|0|false)\b",
    re.I,
)
_ON = re.compile(
    r"\bFOREIGN_KEY_CHECKS\s*=\s*(?:1|@)|\bsession_replication_role\s*(?:=|TO)\s*'?(?:origin|DEFAULT)"
    r"|\bPRAGMA\s+foreign_keys\s*=\s*(?:ON|1|true)\b",
    re.I,
)
_TRIGGERS = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>{_NAME})\s+(?P<verb>ENABLE|DISABLE)\s+TRIGGER\s+ALL\b",
    re.I,
)


class FkOrder:
    """When each foreign key came into force, and whether checks are switched off."""

    def __init__(self) -> None:
        #: (child, parent) short names → the statement number declaring the key.
        self.since: dict[tuple[str, str], int] = {}
        self.checks_off = False
        self.triggers_off: set[str] = set()

    def note(self, text: str, seq: int) -> None:
        """Learn from statement number `seq` (run or skipped) what it does to foreign keys."""
        head = text[:40].upper()
        if "SET" in head or "PRAGMA" in head:
            if _OFF.search(text):
                self.checks_off = True
            elif _ON.search(text):
                self.checks_off = False
        if "REFERENCES" not in text.upper():
            if (m := _TRIGGERS.match(text)) is not None:
                table = short_name(m["table"])
                if m["verb"].upper() == "DISABLE":
                    self.triggers_off.add(table)
                else:
                    self.triggers_off.discard(table)
            return
        child = created_name(text)
        if child is None and (m := _ALTER_CHILD.match(text)) is not None:
            child = short_name(m["child"])
        if child is None or _DEFERRED.search(text):
            return
        for ref in _REFERENCES.finditer(text):
            self.since.setdefault((child, short_name(ref["parent"])), seq)

    def enforced(self, table: str) -> bool:
        """True when rows inserted into `table` now have their keys checked by statement."""
        return not self.checks_off and short_name(table) not in self.triggers_off


def check_statement_order(
    session: Session, table: Table, fk: ForeignKey, parent: str, low: int
) -> None:
    """Report rows whose parent row exists, but was inserted after the statement that
    inserted the row ended (the database refuses that statement)."""
    from seedkit.dryrun.checks import _q, _table
    from seedkit.dryrun.session import canonical

    since = session.order.since.get((short_name(table.qualified_name), short_name(parent)))
    if since is None:
        return
    child_segs = [
        s
        for s in session.segments.get(canonical(table.qualified_name), [])
        if s.strict and s.seq > since and s.first_rowid + s.count - 1 > low
    ]
    parent_segs = session.segments.get(canonical(parent), [])
    if not child_segs or not parent_segs:
        return
    ranges = _limits(child_segs, parent_segs)
    top = parent_segs[-1].first_rowid + parent_segs[-1].count - 1
    ranges = [r for r in ranges if r[2] < top]
    if not ranges:
        return  # every parent row was there before each child statement ended
    cols = ", ".join(f"c.{_q(c)}" for c in fk.columns)
    keys = ", ".join(_q(r) for r in fk.ref_columns)
    match = " AND ".join(
        f"f.{_q(r)} = c.{_q(c)}" for c, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    # Each child row's statement ended with the parent rows up to `pl` in place; the key's
    # first parent row (`first`) must be one of them. ASOF finds the row's range.
    sql = (
        "WITH lim AS (SELECT unnest(?::BIGINT[]) AS lo, unnest(?::BIGINT[]) AS hi, "
        "unnest(?::BIGINT[]) AS pl), "
        f"firsts AS (SELECT {keys}, min(rowid) AS first FROM {_table(parent)} GROUP BY ALL) "
        f"SELECT c.rowid, f.first, {cols} FROM {_table(table.qualified_name)} c "
        "ASOF JOIN lim ON c.rowid >= lim.lo "
        f"JOIN firsts f ON {match} "
        f"WHERE c.rowid > {low} AND c.rowid <= lim.hi AND f.first > lim.pl "
        "ORDER BY c.rowid LIMIT 20"
    )
    params: list[Any] = [[r[0] for r in ranges], [r[1] for r in ranges], [r[2] for r in ranges]]
    try:
        found = session.execute(sql, params).fetchall()
    except Exception:
        return
    found = [row for row in found if row[1] is not None]  # no parent at all: reported already
    if not found:
        return
    children = session.locate_rows(table.qualified_name, [r[0] for r in found], fk.columns[0])
    parents = session.locate_rows(parent, [int(r[1]) for r in found])
    name = f"`{fk.name}` " if fk.name else ""
    for row in found:
        values = ", ".join(f"{c} = {v!r}" for c, v in zip(fk.columns, row[2:], strict=True))
        later = parents.get(int(row[1]))
        at = f" (at {later.file}:{later.line})" if later is not None and later.file else ""
        session.problem(
            "foreign_key",
            f"foreign key {name}of `{table.qualified_name}`: {values} has no row in `{parent}` "
            f"when this statement ends; the parent row is inserted by a later statement{at}",
            children.get(row[0]) or session.created_at.get(short_name(table.qualified_name)),
            "insert the parent row in an earlier statement (the database checks the key at the "
            "end of each statement), or declare the key DEFERRABLE INITIALLY DEFERRED",
        )


def _limits(child_segs: list[Segment], parent_segs: list[Segment]) -> list[tuple[int, int, int]]:
    """(first rowid, last rowid, the last parent rowid in place) per run of child rows whose
    statements ended with the same parent rows in place."""
    seqs = [s.seq for s in parent_segs]
    before_any = parent_segs[0].first_rowid - 1
    out: list[tuple[int, int, int]] = []
    for seg in child_segs:
        at = bisect.bisect_right(seqs, seg.seq) - 1
        limit = parent_segs[at].first_rowid + parent_segs[at].count - 1 if at >= 0 else before_any
        lo, hi = seg.first_rowid, seg.first_rowid + seg.count - 1
        if out and out[-1][2] == limit and out[-1][1] + 1 == lo:
            out[-1] = (out[-1][0], hi, limit)
        else:
            out.append((lo, hi, limit))
    return out
