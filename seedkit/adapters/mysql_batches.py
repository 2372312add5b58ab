"""MySQL and MariaDB's batches: many statements in one multi-statement query, sent on a
thread of their own while seedkit reads the next ones.

The connection is opened with CLIENT.MULTI_STATEMENTS, as the `mysql` client does. The
server stops at the first failing statement and the results before it say which one that
is, so the statements before it have run exactly as they would have one by one, and the
step's transaction rolls back as before. A statement holding a `;` of its own (a custom
DELIMITER) is sent alone, so results and statements stay one to one.

The server takes about as long to run a dump's INSERTs as seedkit takes to split them from
the file (1,000,000 rows of benchmarks/bench_sql.py: about 4.3 s of server CPU, 3 s of
splitting), and PyMySQL lets go of Python's lock while it waits on the socket. So each
query goes to a thread (`Sender`) and the apply's thread reads and cuts the next run
meanwhile, instead of each waiting for the other (which helps where a core is free). The
connection is only ever used by one thread at a time: whatever the apply sends itself (a
statement sent alone, COPY, the commit) first waits for the thread (`flush`), which is
where a failed statement is raised, named at its own file and line; the apply's error
path (`close`) waits for the queries already queued, raises a failed statement of theirs,
and ends the thread, before the transaction is rolled back. Queries after a failed one
are not sent.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seedkit.adapters import batches
from seedkit.adapters.batches import Batcher, _trace
from seedkit.adapters.trace import tracing

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.sources.base import LocatedRun, LocatedStatement

_DATA_MYSQL = re.compile(r"(?:insert|update|delete|replace)\b", re.IGNORECASE)
# MySQL text a `;` may hide in: strings, quoted names, comments.
_MYSQL_QUOTED = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*`|--[^\n]*|#[^\n]*|/\*.*?\*/",
    re.DOTALL,
)

Statements = Callable[[], list[tuple[str, "LocatedStatement"]]]
#: A query: its text (made on the thread), and its statements in order (to name one).
Job = tuple[Callable[[], str], Statements]


class Sender:
    """A thread sending multi-statement queries on one PyMySQL connection, in order."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.rows = 0  # written by the thread (read by the apply's progress as it goes)
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        #: The failed query's statements, how many of them ran, and the driver's error.
        self.failed: tuple[Statements, int, Exception] | None = None

    def submit(self, text: Callable[[], str], statements: Statements) -> None:
        """Queue a query (waiting while two are queued); nothing after a failed one."""
        if self.failed is not None:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="seedkit-mysql", daemon=True)
            self._thread.start()
        self._jobs.put((text, statements))

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self.failed is None:
                    self._send(*job)
            finally:
                self._jobs.task_done()

    def _send(self, text: Callable[[], str], statements: Statements) -> None:
        done = 0
        cursor = self.driver.cursor()
        try:
            # Bytes that are not UTF-8 (a dump's raw BLOB values, read as surrogates) go
            # back as those bytes.
            cursor.execute(text().encode(self.driver.encoding, "surrogateescape"))
            while True:
                self.rows += max(cursor.rowcount, 0)
                done += 1
                if not cursor.nextset():
                    break
        except Exception as exc:  # noqa: BLE001 (raised by MysqlBatcher, in the apply's thread)
            self.failed = (statements, done, exc)
        finally:
            cursor.close()

    def join(self) -> None:
        """Wait until every queued query has been sent and its results read (the thread
        stays, for the next ones: starting one costs more than a round trip)."""
        if self._thread is not None:
            self._jobs.join()

    def stop(self) -> None:
        """Send what is queued, then end the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None


class MysqlBatcher(Batcher):
    """MySQL and MariaDB: one multi-statement query at a time, sent on a thread; the
    results say which statement failed."""

    data = _DATA_MYSQL

    def __init__(self, target: Adapter, conn: sa.Connection) -> None:
        super().__init__(target, conn)
        self.sender = Sender(self.driver)

    def fits(self, sql: str) -> bool:
        """A statement with a `;` of its own would give more results than statements."""
        return ";" not in sql or ";" not in _MYSQL_QUOTED.sub("", sql)

    def add(self, sql: str, where: LocatedStatement) -> bool:
        """Queue a data statement (a full batch goes to the thread) and return True; return
        False, once everything queued is sent, for a statement that must be sent alone."""
        if self.data.match(sql) is None or not self.fits(sql):
            self.flush()
            return False
        self.pending.append((sql, where))
        self.chars += len(sql)
        if len(self.pending) >= batches.BATCH_STATEMENTS or self.chars >= batches.BATCH_CHARS:
            self._submit_pending()
        return True

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """The run in one multi-statement query, on the thread: as written where MySQL
        reads it as the source does (not transpiled, or transpiled with the same head and
        no backslash, the one character of a run's literals MySQL reads otherwise)."""
        self._submit_pending()

        def statements() -> list[tuple[str, LocatedStatement]]:
            return list(zip(self.run_statements(run, head, ported), run.statements(), strict=True))

        as_written = head == run.head and not (ported and "\\" in run.run.text)
        if not as_written:
            run.run.tuples()  # cut here, in the apply's thread, never in both at once

        def text() -> str:
            if as_written:
                return run.run.text[:-1]  # without its last `;`: one result per statement
            return ";\n".join(self.run_statements(run, head, ported))

        if tracing():
            _trace(statements())
        self.sender.submit(text, statements)
        return True

    def run_statements(self, run: LocatedRun, head: str, ported: bool) -> list[str]:
        """Each statement; where ported, each backslash (only ever in quoted text, in a
        run) doubled, as MySQL reads it as an escape and the source as itself."""
        if ported:
            return [f"{head} {tuples.replace(chr(92), chr(92) * 2)}" for tuples in run.run.tuples()]
        return super().run_statements(run, head, ported)

    def flush(self) -> None:
        """Send what is queued and wait for the thread: whatever the apply sends next goes
        after it, on the connection alone. A statement that failed is raised here."""
        if self.sender.failed is None:
            super().flush()  # the queued statements, to the thread
        self.pending, self.chars = [], 0
        self.sender.join()
        self.rows += self.sender.rows
        self.sender.rows = 0
        self._raise_failed()

    def _submit_pending(self) -> None:
        """The queued statements to the thread, without waiting for it (after a failed
        statement: raise it now, rather than once the whole file is read)."""
        if self.sender.failed is not None:
            self.flush()
        super().flush()

    def send(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        """Queue one batch's statements as a query for the thread."""
        _trace(batch)
        self.sender.submit(lambda: "\n;\n".join(sql for sql, _ in batch), lambda: batch)

    def written(self) -> int:
        """Rows written so far, those of the queries being sent included."""
        return self.rows + self.sender.rows

    def close(self) -> None:
        """The apply is failing: queue nothing more, and wait for the thread. The queries
        already queued (two at most) are still sent, so that a statement of theirs that
        fails is raised here: it comes before whatever failed since in the apply's thread
        (one by one, it would have stopped the apply first)."""
        self.pending, self.chars = [], 0
        self.sender.stop()
        self._raise_failed()

    def _raise_failed(self) -> None:
        import pymysql

        if self.sender.failed is None:
            return
        statements, done, exc = self.sender.failed
        self.sender.failed = None
        if not isinstance(exc, pymysql.Error):
            raise exc
        batch = statements()
        raise self.error(exc, batch[min(done, len(batch) - 1)][1]) from None
