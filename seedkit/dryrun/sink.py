"""The dry run's problem sink: a statement DuckDB refused becomes a located problem.

The executor hands each refused statement to its run's sink (seedkit.plan.sink); an
apply's raises, this one records and returns, so the walk goes on to the next statement.
It reads DuckDB's own error (`RefusedStatement.original`) as the dry run always has:
an error that only follows an earlier failure is "not checked" (one cause, one problem),
a function DuckDB lacks is mended or named, what DuckDB cannot emulate is a fidelity
entry, a refused multi-row INSERT is narrowed to its row, and anything else is a problem
of the seed at its statement (at the word it names, where it names one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seedkit.dryrun.diagnose import duplicate_rows, first_line
from seedkit.dryrun.failures import function_missing, narrow_insert
from seedkit.dryrun.functions import missing_function
from seedkit.errors import ApplyError, Location

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.sources.base import LocatedStatement


class RefusedStatement(ApplyError):
    """DuckDB refused a statement of the dry run; `original` is DuckDB's own exception,
    whose words say what kind of problem it is (seedkit.dryrun.diagnose.classify)."""

    def __init__(self, message: str, original: Exception, location: Location | None) -> None:
        super().__init__(message, location=location)
        self.original = original


class DryRunSink:
    """Records each refused statement of a dry run in its session, and lets the walk go on."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def failed(self, error: ApplyError, stmt: LocatedStatement, sql: str) -> bool:
        """Record `error` of `sql` at the session's current statement (the source statement
        as the policy read it); True when mended (a default calling a function DuckDB
        lacks was dropped and the statement ran)."""
        from seedkit.dryrun.sending import sent

        session = self.session
        exc: Exception = error.original if isinstance(error, RefusedStatement) else error
        current, decision = session.current, session.decision
        if current is None or decision is None:
            session.db_problem(exc, error.location or stmt.location, stmt=stmt)
            return False
        stmt = current
        if decision.unique is not None and duplicate_rows(session, stmt, decision.unique, exc):
            return False
        if (cause := session.causes.missing(exc)) is not None:
            session.causes.not_checked(stmt.location, stmt.sql, cause)
            session.causes.creation_failed(stmt.sql, stmt.location, "was not checked")
            return False
        if (name := missing_function(exc)) is not None:
            if function_missing(session, stmt, decision, sql, name):
                sent(session)
                return True
            return False
        if decision.tolerate:
            session.fidelity(stmt, "skipped", f"{decision.tolerate}: {first_line(exc)}")
            session.causes.creation_failed(stmt.sql, stmt.location, "DuckDB could not run")
            return False
        if str(exc).startswith("Dependency Error"):
            # DuckDB cannot alter a table an index depends on; the database can.
            session.fidelity(stmt, "skipped", f"DuckDB cannot run it: {first_line(exc)}")
            return False
        if decision.table and decision.verb == "insert":
            if narrow_insert(session, stmt, exc):
                return False
            session.causes.row_refused(decision.table, None, None, stmt.location)
        session.db_problem(exc, stmt.location, stmt=stmt)
        session.causes.creation_failed(stmt.sql, stmt.location)
        return False
