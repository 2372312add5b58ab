"""Send a SQL step's statements in batches: one round trip for many, errors still located.

A dump holds thousands of INSERTs, and sending each alone costs a round trip and the
driver's per-statement work, far more than the database spends on it. So runs of plain
data statements (INSERT, UPDATE, DELETE, and REPLACE on MySQL) go to the database
together, each batch as the database's own client would send a script:

- PostgreSQL: one simple-query message holding the batch (psycopg sends a query without
  parameters that way), after a SAVEPOINT. When it fails, the batch is rolled back to the
  savepoint and run again one statement at a time, so the error names the statement's own
  file and line; the apply then rolls back as before.
- MySQL and MariaDB: one multi-statement query (the connection is opened with
  CLIENT.MULTI_STATEMENTS, as the `mysql` client does). The server stops at the first
  failing statement and the results before it say which one that is, so the statements
  before it have run exactly as they would have one by one, and the step's transaction
  rolls back as before. A statement holding a `;` of its own (a custom DELIMITER) is sent
  alone, so results and statements stay one to one.
- SQLite and DuckDB: each statement on the driver's own connection, without SQLAlchemy's
  per-statement work (neither takes several statements in one call without committing or
  losing which one failed).

Other statements (DDL, SET, COPY, transaction control, anything else) are sent alone, in
order, after the batch before them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seedkit.adapters.trace import trace, tracing
from seedkit.errors import ApplyError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.sources.base import LocatedRun, LocatedStatement

#: Statements per batch, and characters: a failed batch is re-run one by one, so not huge.
BATCH_STATEMENTS = 1000
BATCH_CHARS = 1 << 20

_DATA = re.compile(r"(?:insert|update|delete)\b", re.IGNORECASE)
_SAVEPOINT = "seedkit_sql_batch"


def _trace(batch: list[tuple[str, LocatedStatement]]) -> None:
    """Each statement of a batch in the `seedkit.sql` trace (sent through the driver)."""
    if tracing():
        for sql, where in batch:
            trace("raw", sql, where.location)


def batcher_for(target: Adapter, conn: sa.Connection, merge: bool = True) -> Batcher | None:
    """The batcher the target's adapter gives (Adapter.batcher), or None to send every
    statement alone; `merge` lets SQLite and DuckDB merge runs of literal INSERTs."""
    return target.batcher(conn, merge)


class Batcher:
    """Collects data statements and sends them together; `rows` counts what they changed."""

    data = _DATA

    def __init__(self, target: Adapter, conn: sa.Connection) -> None:
        self.target = target
        self.conn = conn
        self.driver: Any = target.raw(conn)
        self.pending: list[tuple[str, LocatedStatement]] = []
        self.chars = 0
        self.rows = 0

    def add(self, sql: str, where: LocatedStatement) -> bool:
        """Queue a data statement (sending the batch when full) and return True; return
        False, after sending what is queued, for a statement that must be sent alone."""
        if self.data.match(sql) is None or not self.fits(sql):
            self.flush()
            return False
        self.pending.append((sql, where))
        self.chars += len(sql)
        if len(self.pending) >= BATCH_STATEMENTS or self.chars >= BATCH_CHARS:
            self.flush()
        return True

    def fits(self, sql: str) -> bool:
        """Whether the statement may share a batch (overridden per database)."""
        return True

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """Send a run of literal INSERTs (seedkit.sqltext.runs) whole, after what is
        queued; each of its statements is `head` (the target's spelling of the run's head)
        then its tuples as written, with backslashes doubled where ``ported`` to a
        database that reads them as escapes. A failing statement is named at its own
        line. False (nothing sent) where this database takes runs statement by statement."""
        return False

    def run_statements(self, run: LocatedRun, head: str, ported: bool) -> list[str]:
        """The SQL of each statement of a run, in the target's spelling."""
        return [f"{head} {tuples}" for tuples in run.run.tuples()]

    def flush(self) -> None:
        """Send what is queued."""
        if self.pending:
            batch, self.pending, self.chars = self.pending, [], 0
            self.send(batch)

    def send(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        """Run the statements of one batch, raising an ApplyError at the one that fails."""
        raise NotImplementedError

    def close(self) -> None:
        """The apply failed: stop anything still being sent (its transaction rolls back)."""

    def written(self) -> int:
        """Rows written so far, for progress (`rows` once everything is sent)."""
        return self.rows

    def error(self, exc: Exception, where: LocatedStatement) -> ApplyError:
        """The database's error as seedkit shows it, at the statement's place (or, in a
        multi-row INSERT, its row's: Adapter.statement_error)."""
        return self.target.statement_error(exc, where.sql, where.location)


class Direct(Batcher):
    """SQLite and DuckDB: each statement on the driver's connection, runs of literal INSERTs
    into one table merged into one statement (seedkit.adapters.merge)."""

    def __init__(
        self, target: Adapter, conn: sa.Connection, merge: bool, sqlite: bool = False
    ) -> None:
        from seedkit.adapters.runwriter import RunWriter

        super().__init__(target, conn)
        self.merge = merge
        #: SQLite: merged INSERTs in a savepoint, and none where a trigger could tell.
        self.sqlite = sqlite
        self._triggers: bool | None = None  # known since the last other statement
        #: Runs are written on a thread of their own (seedkit.adapters.runwriter).
        self.writer = RunWriter(
            self.driver.execute,
            self.error,
            savepoint=sqlite,
            in_transaction=lambda: bool(getattr(self.driver, "in_transaction", True)),
        )

    def flush(self) -> None:
        """Wait for the runs being written, then send what is queued: whatever the apply
        sends next goes after them, on the connection alone."""
        self.drain()
        self._triggers = None  # the next statement may make a trigger
        super().flush()

    def drain(self) -> None:
        """Wait for the runs being written (a failed one raises here, at its line)."""
        self.writer.drain()
        self.rows += self.writer.rows
        self.writer.rows = 0

    def close(self) -> None:
        """Stop writing runs (the apply failed; its transaction rolls back)."""
        self.writer.close()

    def written(self) -> int:
        """Rows written so far, those of the runs being written included."""
        return self.rows + self.writer.rows

    def send(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        from seedkit.adapters.merge import send_merged

        execute = self.driver.execute
        _trace(batch)
        if self.merge and not (self.sqlite and self._sqlite_triggers()):
            self.rows += send_merged(execute, batch, self.error, savepoint=self.sqlite)
            return
        for sql, where in batch:
            try:
                cursor = execute(sql)
            except Exception as exc:
                raise self.error(exc, where) from None
            self.rows += max(getattr(cursor, "rowcount", 0) or 0, 0)

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """The run as multi-row INSERTs (seedkit.adapters.merge.send_run)."""
        from seedkit.adapters.merge import MERGE_CHARS, SQLITE_MERGE_CHARS

        if not self.merge:
            return False
        if self.pending:
            self.flush()
        if self.sqlite and self._triggers is None:
            self.drain()
            self._triggers = self._sqlite_triggers()
        if self._triggers:
            return False
        if tracing():
            for sql, where in zip(
                self.run_statements(run, head, ported), run.statements(), strict=True
            ):
                trace("raw", sql, where.location)
        self.writer.submit(run, head, SQLITE_MERGE_CHARS if self.sqlite else MERGE_CHARS)
        return True

    def _sqlite_triggers(self) -> bool:
        """Whether any schema of the SQLite connection holds a trigger (which could see that
        rows came in one statement rather than several)."""
        execute = self.driver.execute
        for _, schema, *_ in execute("PRAGMA database_list").fetchall():
            quoted = '"' + schema.replace('"', '""') + '"'
            found = f"SELECT 1 FROM {quoted}.sqlite_master WHERE type = 'trigger' LIMIT 1"
            if execute(found).fetchone() is not None:
                return True
        return False


class PostgresBatcher(Batcher):
    """PostgreSQL: the batch in one simple-query message, after a savepoint."""

    def send(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        if len(batch) == 1:
            self._one_by_one(batch)
            return
        _trace(batch)
        self._send_text("\n;\n".join(sql for sql, _ in batch), lambda: batch)

    def _send_text(
        self, text: str, batch: Callable[[], list[tuple[str, LocatedStatement]]]
    ) -> None:
        """Statements in one message after a savepoint; on failure, back to the savepoint
        and the statements of ``batch()`` one by one."""
        import psycopg

        with self.driver.cursor() as cursor:
            cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
            try:
                cursor.execute(f"{text}\n;\nRELEASE SAVEPOINT {_SAVEPOINT}")
            except psycopg.Error:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
                cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
                self._one_by_one(batch())
                return
            rows = max(cursor.rowcount, 0)
            while cursor.nextset():
                rows += max(cursor.rowcount, 0)
        self.rows += rows

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """The run in one simple-query message: as written when not transpiled."""
        self.flush()
        if ported or head != run.head:
            self.send(
                list(zip(self.run_statements(run, head, ported), run.statements(), strict=True))
            )
            return True
        if tracing():
            _trace([(where.sql, where) for where in run.statements()])
        # As written, without the last `;` (the savepoint's release follows it).
        self._send_text(run.run.text[:-1], lambda: [(w.sql, w) for w in run.statements()])
        return True

    def _one_by_one(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        for sql, where in batch:
            result = self.target.execute(self.conn, sql, location=where.location)
            self.rows += max(getattr(result, "rowcount", 0) or 0, 0)
