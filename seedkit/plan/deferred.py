"""DDL indexes built after the steps have loaded their rows, as pg_restore does.

Filling a table and then building its index is much faster than keeping the index up
to date row by row: for the benchmark's million rows, psql's whole load takes 2.1 s
instead of 4.7 s, DuckDB's 1.5 s instead of 1.7 s (`benchmarks/index_after.py`). Where
the DDL is transactional (PostgreSQL, SQLite, DuckDB), the executor holds back a DDL
file's `CREATE [UNIQUE] INDEX` statements that nothing before the end of the apply can
need, and runs them after the last step, in the same transaction. It holds back only
what is certainly safe to hold back:

- a plain index: `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col, …)`, no
  expression, no WHERE, no USING;
- on a table the same DDL run creates, so every row in it comes from this apply;
- whose table and name no later DDL statement mentions (a foreign key, a comment);
- on a table no foreign key references (PostgreSQL needs a referenced key's unique
  index when the foreign key is made, SQLite when a child row is written);
- on a table that no upsert or mirror step writes (ON CONFLICT needs the index) and no
  SQL step mentions;
- not after a statement of its file that changes the session (`SET`, `set_config`,
  `USE`): the executor puts the session back after each file, so an index written
  under the file's `search_path` runs only there.

A unique index that fails to build names the row whose key came twice, found in the
sources of the steps that wrote the table: the row the index would have refused had it
been there from the start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seedkit.manifest.models import Mode

if TYPE_CHECKING:
    from pathlib import Path

    from seedkit.errors import Location
    from seedkit.plan.steps import LoadStep, Plan
    from seedkit.sources.base import LocatedStatement

_IDENT = r'(?:"[^"]+"|`[^`]+`|[A-Za-z_][A-Za-z0-9_$]*)'
_INDEX = re.compile(
    rf"\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_IDENT})"
    rf"\s+ON\s+(?P<table>{_IDENT}(?:\.{_IDENT})?)\s*"
    rf"\(\s*(?P<columns>{_IDENT}(?:\s*,\s*{_IDENT})*)\s*\)\s*;?\s*",
    re.IGNORECASE,
)
_TABLE = re.compile(
    rf"\s*CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{_IDENT}(?:\.{_IDENT})?)",
    re.IGNORECASE,
)
_LEADING_COMMENTS = re.compile(r"\A(?:\s*(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/))*\s*", re.DOTALL)
_SESSION = re.compile(
    r"\s*(?:SET|RESET|USE)\b|\s*SELECT\s+(?:pg_catalog\s*\.\s*)?set_config\s*\(", re.IGNORECASE
)
_SQL_CHUNK = 1 << 20


@dataclass(frozen=True)
class DeferredIndex:
    """A held-back CREATE INDEX: the statement, and the table and columns it indexes."""

    statement: LocatedStatement
    table: str
    columns: tuple[str, ...]
    unique: bool
    #: The table and columns as the statement spells them, for a query of our own.
    written: tuple[str, tuple[str, ...]] = ("", ())

    def duplicate_sql(self) -> str:
        """A query giving one key two rows share (NULLs are never equal), or no row."""
        table, columns = self.written
        cols = ", ".join(columns)
        present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        return (
            f"SELECT {cols} FROM {table} WHERE {present} "
            f"GROUP BY {cols} HAVING count(*) > 1 LIMIT 1"
        )


def name_of(identifier: str) -> str:
    """A name as the schema looks it up (`table_key`), without its schema."""
    from seedkit.schema import table_key

    return table_key(identifier).rsplit(".", 1)[-1]


def plan_deferral(
    plan: Plan, files: Iterable[tuple[Path, list[LocatedStatement]]]
) -> dict[tuple[str, int, int], DeferredIndex]:
    """The index statements of `files` (the DDL about to run, each with its statements)
    that can wait until after the steps, keyed by (file, line, column)."""
    statements: list[LocatedStatement] = []
    settled: set[int] = set()  # statements after one that changes the session
    for _, stmts in files:
        changed = False
        for stmt in stmts:
            if changed:
                settled.add(id(stmt))
            elif _SESSION.match(_LEADING_COMMENTS.sub("", stmt.sql)):
                changed = True
            statements.append(stmt)
    created: set[str] = set()
    candidates: list[tuple[int, DeferredIndex, str]] = []
    for position, stmt in enumerate(statements):
        code = _LEADING_COMMENTS.sub("", stmt.sql)
        if table := _TABLE.match(code):
            created.add(name_of(table["table"]))
        elif (
            (index := _INDEX.fullmatch(code))
            and name_of(index["table"]) in created
            and id(stmt) not in settled
        ):
            written = tuple(re.split(r"\s*,\s*", index["columns"].strip()))
            deferred = DeferredIndex(
                stmt,
                name_of(index["table"]),
                tuple(name_of(c) for c in written),
                bool(index["unique"]),
                (index["table"], written),
            )
            candidates.append((position, deferred, name_of(index["name"])))
    if not candidates:
        return {}
    referenced = {
        name_of(fk.ref_table) for table in plan.schema.tables.values() for fk in table.foreign_keys
    }
    steps = plan.ordered()
    keyed = {name_of(s.table_name) for s in steps if s.mode in (Mode.UPSERT, Mode.MIRROR)}
    mentioned_by_sql = _mentioned_by_sql(steps, {d.table for _, d, _ in candidates})
    chosen: dict[tuple[str, int, int], DeferredIndex] = {}
    indexes = {id(d.statement) for _, d, _ in candidates}
    for position, deferred, index_name in candidates:
        later = statements[position + 1 :]
        # Other plain indexes on the table may name it: they do not need this one.
        others = [stmt for stmt in later if id(stmt) not in indexes]
        if (
            deferred.table in referenced
            or deferred.table in keyed
            or deferred.table in mentioned_by_sql
            or _mentions(others, deferred.table)
            or _mentions(later, index_name)
        ):
            continue
        stmt = deferred.statement
        chosen[(stmt.file, stmt.line, stmt.column)] = deferred
    return chosen


def hold_back(
    statements: Iterable[LocatedStatement],
    held: dict[tuple[str, int, int], DeferredIndex],
    waiting: list[DeferredIndex],
) -> Iterator[LocatedStatement]:
    """`statements` without those `plan_deferral` chose, which go to `waiting` instead."""
    for stmt in statements:
        index = held.get((stmt.file, stmt.line, stmt.column))
        if index is None:
            yield stmt
        else:
            waiting.append(index)


def _word(name: str) -> str:
    """A pattern finding `name` as a whole identifier, not inside a longer one."""
    return rf"(?<![A-Za-z0-9_$]){re.escape(name)}(?![A-Za-z0-9_$])"


def _mentions(statements: list[LocatedStatement], name: str) -> bool:
    word = re.compile(_word(name), re.IGNORECASE)
    return any(word.search(stmt.sql) for stmt in statements)


def _mentioned_by_sql(steps: list[LoadStep], tables: set[str]) -> set[str]:
    """Which of `tables` a SQL step's files name (as a word, in any case)."""
    words = {t: re.compile(_word(t).encode(), re.IGNORECASE) for t in tables}
    found: set[str] = set()
    for step in steps:
        if not step.is_sql:
            continue
        for path in step.source.files():
            for chunk in _chunks(path, max((len(t) for t in tables), default=0)):
                found.update(t for t, word in words.items() if word.search(chunk))
    return found


def _chunks(path: Path, overlap: int) -> Iterator[bytes]:
    """A file's bytes a megabyte at a time, each chunk starting `overlap` bytes early."""
    carry = b""
    with open(path, "rb") as handle:
        while block := handle.read(_SQL_CHUNK):
            yield carry + block
            carry = block[-overlap:] if overlap else b""


def duplicate_row(plan: Plan, deferred: DeferredIndex) -> Location | None:
    """Where the first row whose key an earlier row of the table already had is, in the
    sources of the steps that wrote the table; None when it cannot be found."""
    seen: set[tuple[object, ...]] = set()
    try:
        for step in plan.ordered():
            if step.is_sql or name_of(step.table_name) != deferred.table:
                continue
            names = [name_of(c) for c in step.source.columns(step.table)]
            if any(c not in names for c in deferred.columns):
                return None
            positions = [names.index(c) for c in deferred.columns]
            for batch in step.source.batches(step.table):
                for i, row in enumerate(batch.rows):
                    key = tuple(row[p] for p in positions)
                    if None in key:
                        continue
                    if key in seen:
                        return batch.location(i)
                    seen.add(key)
    except Exception:  # noqa: BLE001 - a best-effort search must not hide the index's error
        return None
    return None
