"""The row of a dump's data that a key added after it finds twice (PostgreSQL).

pg_dump writes a table's rows first and its primary key and unique constraints after
them (`ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id)`), so a key given twice
in the data is refused at that statement: `could not create unique index "t_pkey"`,
`Key (id)=(5) is duplicated.` The row at fault is the second one holding that key, in a
`COPY … FROM stdin` block or an INSERT of the SQL files run before: it is looked up
there (as the dry run names it), only once the statement has failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.errors import ApplyError
    from seedkit.plan.steps import Plan
    from seedkit.sources.base import LocatedStatement

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?"
_ADD_KEY = re.compile(
    rf"\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_NAME})\s+"
    rf"ADD\s+(?:CONSTRAINT\s+{_IDENT}\s+)?(?:PRIMARY\s+KEY|UNIQUE)\b",
    re.IGNORECASE,
)
_DUPLICATED = re.compile(
    r'could not create unique index ".*?Key \((?P<columns>.*?)\)=\((?P<values>.*)\) is duplicated',
    re.DOTALL,
)
_COPY = re.compile(
    rf"\s*COPY\s+(?P<table>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s+FROM\s+stdin", re.IGNORECASE
)
_INSERT = re.compile(
    rf"\s*INSERT\s+INTO\s+(?P<table>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s*(?:OVERRIDING\s+\w+\s+VALUE\s+)?VALUES\s*",
    re.IGNORECASE,
)
_CREATE = re.compile(r"\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\b", re.IGNORECASE)
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def name_row_of_repeated_key(plan: Plan, sql: str, error: ApplyError) -> None:
    """When `sql` added a primary key or unique constraint that found a key twice, point
    `error` at the source row repeating it; else leave `error` as it is."""
    statement, found = _ADD_KEY.match(sql), _DUPLICATED.search(error.message)
    if statement is None or found is None:
        return
    table = _bare(statement["table"])
    columns = [_bare(c) for c in found["columns"].split(",")]
    try:
        place = _second_row(plan, table, columns, found["values"])
    except Exception:  # noqa: BLE001 - a best-effort search must not hide the error
        return
    if place is not None:
        error.location = place
        error.hint = (
            f"this row repeats the key ({found['columns']}) = ({found['values']}), which "
            "the dump's constraint, added after the data, refuses; fix the row; nothing was "
            "applied"
        )


def _bare(name: str) -> str:
    """A name without its schema, unquoted, in the case the catalog keeps it."""
    last = re.split(r"\s*\.\s*(?=[^.]*$)", name.strip())[-1]
    return last[1:-1].replace('""', '"') if last.startswith('"') else last.lower()


def _second_row(plan: Plan, table: str, key: list[str], wanted: str) -> Location | None:
    seen = 0
    declared: list[str] | None = None  # the table's columns, where the SQL creates it
    for stmt in _statements(plan):
        if declared is None and _CREATE.match(stmt.sql):
            declared = _declared(plan, stmt.sql, table)
        if stmt.copy is not None:
            copy = _COPY.match(stmt.sql)
            if copy is None or _bare(copy["table"]) != table:
                continue
            columns = _columns(plan, table, copy["columns"], declared)
            if columns is None or any(c not in columns for c in key):
                return None
            positions = [columns.index(c) for c in key]
            for number, text in stmt.copy.lines():
                fields = text.split("\t")
                if len(fields) <= max(positions):
                    continue
                if ", ".join(_unescape(fields[p]) for p in positions) == wanted:
                    seen += 1
                    if seen == 2:
                        return Location.in_file(stmt.file, number)
            continue
        insert = _INSERT.match(stmt.sql)
        if insert is None or _bare(insert["table"]) != table:
            continue
        columns = _columns(plan, table, insert["columns"], declared)
        if columns is None or any(c not in columns for c in key):
            return None
        from seedkit.sqltext.rowlocate import value_rows

        positions = [columns.index(c) for c in key]
        for line, column, values in value_rows(stmt.sql, insert.end(), False):
            if len(values) <= max(positions):
                continue
            if ", ".join(values[p] for p in positions) == wanted:
                seen += 1
                if seen == 2:
                    column = column if line else column + stmt.column - 1
                    return Location.in_file(stmt.file, stmt.line + line, column)
    return None


def _statements(plan: Plan) -> Iterator[LocatedStatement]:
    """Every statement of the seed's SQL (DDL files, then SQL steps); a COPY block's data
    is read as the statement comes, or skipped."""
    from seedkit.sources.sql import read_statements

    paths: list[Path] = [ddl.path for ddl in plan.ddl]
    paths += [Path(p) for step in plan.ordered() if step.is_sql for p in step.source.files()]
    for path in paths:
        yield from read_statements(path, plan.source_dialect)


def _columns(
    plan: Plan, table: str, written: str | None, declared: list[str] | None
) -> list[str] | None:
    """The columns a COPY or INSERT gives, in order: its own list, else the table's (as the
    seed's SQL creates it, or the DDL's)."""
    if written is not None:
        return [_bare(c) for c in written.split(",")]
    if declared is not None:
        return declared
    found = next((t for t in plan.schema if _bare(t.name) == table), None)
    return None if found is None else [c.name for c in found.columns]


def _declared(plan: Plan, sql: str, table: str) -> list[str] | None:
    """The columns of `table` when `sql` creates it."""
    from seedkit.schema.ddl import schema_from_ddl

    made = schema_from_ddl(sql, plan.source_dialect)
    found = next((t for t in made if _bare(t.name) == table), None)
    return None if found is None else [c.name for c in found.columns]


def _unescape(field: str) -> str:
    """A COPY text field as the value it stands for (`\\N` stays as written)."""
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            out.append(_COPY_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
