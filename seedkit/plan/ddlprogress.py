"""A DDL file's progress, statement by statement, where DDL commits by itself (MySQL,
MariaDB), so an apply killed inside the file resumes after what it committed.

There each CREATE, ALTER, DROP, RENAME or TRUNCATE commits, and the file's history row
can only be written at its end: an apply killed in the middle used to leave committed
tables and no record, and the next apply stopped at `CREATE TABLE` ("already exists").
Now, before each statement that commits by itself, the executor records the statement's
position in a `ddl-progress` history row; that statement's own implicit commit commits
the row together with everything before it. So a row saying statement k means every
statement before k is committed, and k itself may or may not be.

The next apply of the same file (same fingerprint) then skips the statements before k
(running again only those that set the session: `SET`, `USE`), runs k again and takes an
error saying its work is already there ("already exists", "Unknown table" for a DROP…)
as done, and runs the rest. The row is deleted with the file's own history row. A file
that changed since is refused: what ran of it cannot be told apart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from seedkit.errors import ApplyError, Location
from seedkit.plan.partial import IMPLICIT_COMMIT

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.history import History, HistoryRow
    from seedkit.sources.base import LocatedStatement

#: The history kind of a DDL file's progress.
KIND = "ddl-progress"

log = logging.getLogger("seedkit.sql")

_SESSION = re.compile(r"\s*(?:/\*!\d*\s*)?(?:SET|USE)\b", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(
    r"\A(?:\s*(?:--[^\n]*(?:\n|\Z)|#[^\n]*(?:\n|\Z)|/\*(?!!).*?\*/))*", re.DOTALL
)
# MySQL and MariaDB errors saying a statement's work is already there: the database or
# table exists (1007, 1050), is already gone (1008, 1051), the column, index, primary key,
# routine, trigger, event or foreign key exists (1060, 1061, 1068, 1304, 1359, 1537,
# 1826) or is already gone (1091, 1305, 1360).
_DONE = {1007, 1008, 1050, 1051, 1060, 1061, 1068, 1091, 1304, 1305, 1359, 1360, 1537, 1826}
_CODE = re.compile(r"\((\d+)\)\s*\Z")


class DdlProgress:
    """Records and resumes one DDL file's progress (see the module's docstring)."""

    def __init__(
        self,
        history: History,
        conn: sa.Connection,
        name: str,
        fingerprint: str,
        recorded: HistoryRow | None,
        where: Location,
    ) -> None:
        self.history, self.conn = history, conn
        self.name, self.fingerprint = name, fingerprint
        self.resume_at: int | None = None
        if recorded is not None:
            if recorded.fingerprint != fingerprint:
                from seedkit.history import DdlChangedError

                raise DdlChangedError(
                    f"an apply stopped inside this DDL file on {recorded.applied_at[:19]}, "
                    f"after its first {recorded.rows} statement(s) had committed, and the "
                    "file changed since: what ran of it cannot be told apart",
                    location=where,
                    hint="drop what the DDL created and seed again: `seedkit apply --fresh`",
                )
            self.resume_at = recorded.rows

    def statements(
        self,
        statements: Iterable[LocatedStatement],
        run_again: Callable[[LocatedStatement], object],
    ) -> Iterator[LocatedStatement]:
        """`statements` to run, recording progress before each that commits by itself; on
        resume, without those already committed. `run_again` runs the one statement that
        may or may not have committed before the apply stopped (its error saying the
        work is there is taken as done)."""
        for index, stmt in enumerate(statements):
            code = _LEADING_COMMENTS.sub("", stmt.sql)
            if self.resume_at is not None and index < self.resume_at:
                if _SESSION.match(code):
                    yield stmt  # the session the rest of the file ran in
                continue
            if not IMPLICIT_COMMIT.match(code):
                yield stmt
                continue
            self.history.record(self.conn, KIND, self.name, self.fingerprint, index, 0)
            if index != self.resume_at:
                yield stmt
                continue
            try:
                run_again(stmt)
            except ApplyError as exc:
                found = _CODE.search(exc.message)
                if found is None or int(found[1]) not in _DONE:
                    raise
                log.debug(
                    "%s: already done before the apply stopped (%s)", stmt.location, exc.message
                )

    def finish(self) -> None:
        """Forget the progress, inside the transaction that records the whole file."""
        self.history.delete(self.conn, KIND, self.name)
