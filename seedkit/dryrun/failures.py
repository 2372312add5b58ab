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
from seedkit.dryrun.diagnose import pinpoint
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
