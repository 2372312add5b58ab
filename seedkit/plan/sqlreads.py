"""What a SQL step's statements read and write, for the graph (DESIGN §3).

A SQL step that reads a table another step loads (`INSERT INTO venue_stats SELECT …
FROM events`) must run after that step: each statement is read with sqlglot, in the
manifest's dialect, for the tables it reads and the tables it writes. What sqlglot
cannot read adds nothing and is kept, to be listed by `seedkit plan -v`.

Reading must stay cheap on dumps of any size:
- a plain `INSERT INTO t … VALUES …` (no SELECT in it) and a `COPY t … FROM stdin` block
  write `t` and read nothing; a short regular expression says so, without sqlglot;
- sqlglot reads at most `MAX_PARSED` statements of a step, each at most `MAX_STATEMENT`
  characters long; the files are read up to `MAX_BYTES` characters in all. What lies
  beyond is not read, and `plan -v` says where reading stopped;
- results are cached by file, size and modification time, since one command may build
  its plan more than once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.sources.base import LocatedStatement

MAX_BYTES = 8 * 1024 * 1024
MAX_PARSED = 2_000
MAX_STATEMENT = 64 * 1024

_NAME = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
_QUALIFIED = rf"{_NAME}(?:\s*\.\s*{_NAME}){{0,2}}"
_PLAIN_INSERT = re.compile(
    rf"\s*INSERT\s+(?:IGNORE\s+)?INTO\s+({_QUALIFIED})\s*(?:\([^()]*\)\s*)?VALUES\b",
    re.IGNORECASE,
)
_COPY_IN = re.compile(rf"\s*COPY\s+({_QUALIFIED})[\s(]", re.IGNORECASE)
_SELECT = re.compile(r"\bselect\b", re.IGNORECASE)
_STRINGS = re.compile(r"'(?:[^'\\]|''|\\.)*'")
_COMMENTS = re.compile(r"\s*(?:--[^\n]*\n|/\*.*?\*/)", re.DOTALL)


@dataclass(frozen=True)
class Unread:
    """A statement sqlglot could not read for tables, or where reading stopped."""

    file: str
    line: int
    reason: str


@dataclass
class SqlTables:
    """The tables a SQL step's statements read and write (lower-case keys, as written)."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    unread: list[Unread] = field(default_factory=list)


_cache: dict[tuple[str, int, int, str | None, int, int], tuple[SqlTables, list[int]]] = {}


def sql_tables(files: list[Path], dialect: str | None) -> SqlTables:
    """What the statements of `files` (a SQL step's, in order) read and write."""
    found = SqlTables()
    budget = [MAX_BYTES, MAX_PARSED]
    for path in files:
        part = _file_tables(path, dialect, budget)
        found.reads |= part.reads
        found.writes |= part.writes
        found.unread += part.unread
    return found


def _file_tables(path: Path, dialect: str | None, budget: list[int]) -> SqlTables:
    from seedkit.sources.base import LocatedRun
    from seedkit.sources.sql import read_units

    try:
        stat = path.stat()
    except OSError:
        return SqlTables()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, dialect, budget[0], budget[1])
    if key in _cache:
        cached, left = _cache[key]
        budget[:] = left
        return cached
    found = SqlTables()
    for unit in read_units(path, dialect, runs=True):
        if isinstance(unit, LocatedRun) and len(unit.run.text) < budget[0]:
            plain = _PLAIN_INSERT.match(unit.head)
            if plain is not None:  # literal INSERTs: they write the table they name
                budget[0] -= len(unit.run.text)
                found.writes.add(table_name(plain.group(1)))
                continue
        for stmt in unit.statements() if isinstance(unit, LocatedRun) else (unit,):
            if budget[0] <= 0:
                found.unread.append(
                    Unread(
                        stmt.file,
                        stmt.line,
                        f"not read for dependencies from here on (reading stops after "
                        f"{MAX_BYTES // (1024 * 1024)} MiB of SQL); declare `depends_on` for "
                        "what the rest reads",
                    )
                )
                break
            budget[0] -= len(stmt.sql)
            _statement_tables(stmt, dialect, found, budget)
        if budget[0] <= 0 and found.unread and found.unread[-1].reason.startswith("not read"):
            break
    _cache[key] = (found, list(budget))
    return found


def _statement_tables(
    stmt: LocatedStatement, dialect: str | None, found: SqlTables, budget: list[int]
) -> None:
    text = _COMMENTS.sub(" ", stmt.sql[:4096], count=8)
    plain = _PLAIN_INSERT.match(text) or _COPY_IN.match(text)
    if plain and (
        text.lstrip()[:4].upper() == "COPY" or not _SELECT.search(_STRINGS.sub("''", stmt.sql))
    ):
        found.writes.add(table_name(plain.group(1)))
        return
    if len(stmt.sql) > MAX_STATEMENT:
        found.unread.append(Unread(stmt.file, stmt.line, "too long to read for tables"))
        return
    if budget[1] <= 0:
        if not any(u.reason.startswith("sqlglot read") for u in found.unread):
            found.unread.append(
                Unread(
                    stmt.file,
                    stmt.line,
                    f"sqlglot read {MAX_PARSED} statements of this step; not those from here on",
                )
            )
        return
    budget[1] -= 1
    _parsed_tables(stmt, dialect, found)


def _parsed_tables(stmt: LocatedStatement, dialect: str | None, found: SqlTables) -> None:
    import sqlglot
    from sqlglot import exp

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is ours to say
    try:
        trees = sqlglot.parse(stmt.sql, read=dialect)
    except Exception as exc:  # noqa: BLE001 - sqlglot's errors have many types
        found.unread.append(Unread(stmt.file, stmt.line, _first_line(str(exc))))
        return
    finally:
        logger.setLevel(level)
    for tree in trees:
        if tree is None:
            continue
        if isinstance(tree, exp.Command):
            found.unread.append(
                Unread(stmt.file, stmt.line, f"sqlglot cannot read `{_head(stmt.sql)}`")
            )
            continue
        if isinstance(tree, exp.Create) and not isinstance(tree.expression, exp.Query):
            continue  # CREATE TABLE/VIEW/FUNCTION/INDEX: needs tables, not their rows
        target = None
        if isinstance(
            tree, exp.Insert | exp.Update | exp.Delete | exp.Merge | exp.Copy | exp.Create
        ):
            target = tree.this.find(exp.Table) if tree.this is not None else None
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        if target is not None and isinstance(target.this, exp.Identifier):
            found.writes.add(_table_of(target))
            if isinstance(tree, exp.Update | exp.Delete | exp.Merge):
                found.reads.add(_table_of(target))  # it changes rows: they must be there
        for table in tree.find_all(exp.Table):
            if table is target or not isinstance(table.this, exp.Identifier):
                continue
            name = _table_of(table)
            if not table.db and name in ctes:
                continue
            found.reads.add(name)


def _table_of(table: object) -> str:
    from sqlglot import exp

    assert isinstance(table, exp.Table)
    parts = [p for p in (table.catalog, table.db, table.name) if p]
    return ".".join(parts).lower()


def table_name(written: str) -> str:
    """A table name as written in SQL, as a lower-case key without quotes."""
    parts = re.findall(_NAME, written)
    return ".".join(p.strip('"`[]') for p in parts).lower()


def _head(sql: str) -> str:
    words = sql.split()
    return " ".join(words[:4]) + (" …" if len(words) > 4 else "")


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "sqlglot cannot read it"
    return line[:200]
