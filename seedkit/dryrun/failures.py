"""What the dry run does when DuckDB lacks a function, or refuses a row of a literal INSERT.

Split from seedkit.dryrun.session: a function the seed never creates and the dialect
lacks is a problem at its statement; one the seed creates or the dialect provides makes
the statement run without the defaults calling it, or a fidelity entry. A refused row
is remembered with its values, so rows naming its key are "not checked", not blamed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from seedkit.dryrun.causes import short_name
from seedkit.dryrun.diagnose import pinpoint, same_place
from seedkit.dryrun.functions import missing_function, without_calls

if TYPE_CHECKING:
    from seedkit.dryrun.policy import Decision, LiteralInsert
    from seedkit.dryrun.session import Session
    from seedkit.errors import Location
    from seedkit.sources.base import LocatedStatement


def unknown_function(session: Session, stmt: LocatedStatement, name: str, what: str) -> None:
    """A statement names a function the seed never creates and the dialect lacks."""
    if session.functions.extensions:
        session.fidelity(
            stmt,
            "skipped",
            f"{what} `{short_name(name)}` is not created by the seed: it may come from "
            f"an extension ({', '.join(session.functions.extensions)})",
        )
        return
    where = pinpoint(stmt, short_name(name)) or stmt.location
    session.problem(
        "sql",
        session.functions.unknown_message(name, what),
        where,
        "create the function earlier in the seed, or fix its name",
    )


def function_missing(
    session: Session, stmt: LocatedStatement, decision: Decision, sql: str, name: str
) -> bool:
    """DuckDB lacks a function the statement calls. Unknown to the seed and dialect: a
    problem. Known: the statement runs without the defaults calling it (True), or is
    named in the fidelity report. False when the statement is done with."""
    if not session.functions.known(name):
        unknown_function(session, stmt, name, "function")
        session.causes.creation_failed(stmt.sql, stmt.location)
        return False
    retry = without_calls(sql, name)
    if retry:
        try:
            session.execute(retry)
        except Exception as exc:
            again = missing_function(exc)
            if again is not None and again != name:
                return function_missing(session, stmt, decision, retry, again)
        else:
            session.fidelity(
                stmt,
                "changed",
                f"default calling `{short_name(name)}` dropped: DuckDB lacks it",
            )
            return True
    session.fidelity(
        stmt,
        "skipped",
        f"it calls `{short_name(name)}`, which DuckDB does not have"
        + ("" if retry == "" else f"; {decision.tolerate or 'not run'}"),
    )
    session.causes.creation_failed(stmt.sql, stmt.location, "DuckDB could not run")
    if decision.table and decision.verb == "insert":
        session.causes.row_refused(decision.table, None, None, stmt.location)
    return False


def refuse_literal(session: Session, lit: LiteralInsert, row: str, where: Location) -> None:
    """Record a refused row of a literal INSERT with its values, read back by DuckDB."""
    try:
        values = session.execute(f"SELECT * FROM (VALUES {row})").fetchone()
        m = re.search(r"\((.*)\)\s*VALUES\s*$", lit.head, re.S)
        if m is not None:
            columns = [c.strip() for c in m[1].split(",")]
        else:
            columns = [
                name
                for (name,) in session.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "ORDER BY column_index",
                    [short_name(lit.table)],
                ).fetchall()
            ]
    except Exception:
        values, columns = None, None
    session.causes.row_refused(lit.table, columns, tuple(values) if values else None, where)


def _refuse_generated(session: Session, table: str, sql: str, where: Location) -> None:
    """Record a refused row of a one-row INSERT written for DuckDB, with its values."""
    m = re.match(r"INSERT\s+INTO\s+.*?(\(([^()]*)\)\s*)?VALUES\s*(\(.*\))\s*$", sql, re.S | re.I)
    if m is None:
        session.causes.row_refused(table, None, None, where)
        return
    from seedkit.dryrun.policy import LiteralInsert

    head = f"INSERT INTO {table}" + (f" ({m[2]})" if m[2] else "") + " VALUES "
    refuse_literal(session, LiteralInsert(table, head, m[3], 0), m[3], where)


def _tuple_spans(text: str, start: int, backslash: bool) -> list[tuple[int, int]]:
    """(start, end) of each top-level `( … )` of a VALUES list from `start`, strings and
    quoted names skipped (backslash escapes too, for MySQL)."""
    spans: list[tuple[int, int]] = []
    depth, i, n, opened = 0, start, len(text), 0
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            i += 1
            while i < n:
                if backslash and text[i] == "\\" and ch != "`":
                    i += 2
                    continue
                if text[i] == ch:
                    if i + 1 < n and text[i + 1] == ch:
                        i += 2
                        continue
                    break
                i += 1
        elif ch == "(":
            if depth == 0:
                opened = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                spans.append((opened, i + 1))
        elif ch == ";" and depth == 0:
            break
        i += 1
    return spans


def narrow_insert(session: Session, stmt: LocatedStatement, exc: Exception) -> bool:
    """A multi-row INSERT DuckDB refused, whose rows are not plain literals (MySQL escapes,
    functions): run it row by row, each row written in the seed's dialect and transpiled,
    and report each refused row at its own line. False when it has one row or no VALUES."""
    from seedkit.dryrun.policy import _INSERT_HEAD, decide
    from seedkit.errors import Location

    if session.causes.missing(exc) is not None:
        return False
    head = _INSERT_HEAD.match(stmt.sql)
    if head is None:
        return False
    spans = _tuple_spans(stmt.sql, head.end(), session.dialect == "mysql")
    if len(spans) <= 1 or stmt.sql[spans[-1][1] :].strip().rstrip(";").strip():
        return False  # one row, or something after the rows (ON DUPLICATE KEY …)
    prefix = stmt.sql[: head.end()]
    for start, end in spans:
        if session.saturated:
            break
        before_text = stmt.sql[:start]
        line = stmt.line + before_text.count("\n")
        column = (
            stmt.column + len(before_text)
            if "\n" not in before_text
            else len(before_text) - before_text.rfind("\n")
        )
        where = Location(stmt.file, line, column)
        decision = decide(prefix + stmt.sql[start:end], session.policy)
        table = decision.table or (decision.literal.table if decision.literal else None)
        sql = decision.sql or (
            [decision.literal.head + decision.literal.values] if decision.literal else []
        )
        if table is None or not sql:
            return False
        before = session.max_rowid(table)
        try:
            for one in sql:
                session.execute(one)
        except Exception as row_exc:
            session.db_problem(row_exc, where)
            _refuse_generated(session, table, sql[-1], where)
            continue
        added = session.max_rowid(table) - before
        session.add_segment(
            table, before + 1, added, same_place(where), range(added), session.statements
        )
    return True
