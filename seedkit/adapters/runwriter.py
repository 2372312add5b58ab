"""SQLite and DuckDB write a run of literal INSERTs while seedkit reads the next one.

Both run inside seedkit's process and let go of Python's lock while they execute a
statement, so the merged INSERTs of a run (seedkit.adapters.merge.send_run) go to a
thread of their own: reading and cutting the next run from the file overlaps with the
database writing this one, instead of each waiting for the other. The connection is
only ever used by one thread at a time: everything else the apply sends (any other
statement, the trigger check, the commit) first waits for the thread (`drain`), and
the apply's error path stops it (`close`) before the transaction is rolled back.

A merged INSERT that fails stops the thread; `drain` then does in the apply's thread
what `send_run` does: on SQLite, whose refused statement is backed out alone, the
failed INSERT again in a savepoint and then its statements one by one, so the one at
fault is named at its own line (and should none fail, the rest of the run and the runs
queued after it are sent in order); on DuckDB, or where the failure ended SQLite's
transaction, MergedInsertError, and the apply runs again without merging.

A job may also be one statement with its parameters standing for a whole run (DuckDB's
INSERT of bound column strings, seedkit.adapters.duckdb_runs): sent as it is, and when it
fails, MergedInsertError as on DuckDB.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from seedkit.adapters.merge import MergedInsertError, groups, rowcount, send_run

if TYPE_CHECKING:
    from seedkit.errors import ApplyError
    from seedkit.sources.base import LocatedRun, LocatedStatement

#: The run, its head in the target's spelling, characters per merged INSERT, and None; or
#: the run, one statement standing for all of it, 0 and the statement's parameters
#: (DuckDB's bound column lists, seedkit.adapters.duckdb_runs).
Job = tuple["LocatedRun", str, int, "Sequence[Any] | None"]


class RunWriter:
    """A thread sending runs' merged INSERTs on one connection, in order."""

    def __init__(
        self,
        execute: Callable[..., Any],
        error: Callable[[Exception, LocatedStatement], ApplyError],
        savepoint: bool,
        in_transaction: Callable[[], bool] = lambda: True,
    ) -> None:
        self.execute = execute
        self.error = error
        self.savepoint = savepoint
        self.in_transaction = in_transaction
        self.rows = 0  # written by the thread (read by the apply's progress as it goes)
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failed: tuple[Job, int, Exception] | None = None  # job, first tuple, error
        self._skipped: list[Job] = []  # queued after a failure, not sent
        self._stop = False

    def submit(
        self, run: LocatedRun, head: str, chars: int, params: Sequence[Any] | None = None
    ) -> None:
        """Queue a run (waiting while two are queued): as merged INSERTs of `head` and its
        tuples, about `chars` characters each; or, given `params`, as the one statement
        `head` with those parameters."""
        if self._failed is not None:
            self.drain()
        run.run.tuples()  # cut here, in the apply's thread, never in both at once
        if self._thread is None:
            self._stop = False
            self._thread = threading.Thread(target=self._work, name="seedkit-runs", daemon=True)
            self._thread.start()
        self._jobs.put((run, head, chars, params))

    def _work(self) -> None:
        execute = self.execute
        while (job := self._jobs.get()) is not None:
            if self._failed is not None or self._stop:
                self._skipped.append(job)
                continue
            run, head, chars, params = job
            if params is not None:
                try:
                    cursor = execute(head, params)
                except Exception as exc:  # noqa: BLE001 (dealt with by drain)
                    self._failed = (job, 0, exc)
                    continue
                self.rows += rowcount(cursor)
                continue
            for start, sql in groups(run, head, chars):
                # No savepoint around it: a statement SQLite refuses is backed out alone
                # (its ON CONFLICT ABORT), and `drain` checks the transaction is still
                # there. Each call here waits for Python's lock, which the apply's thread
                # holds through each regular expression: one call, not three.
                try:
                    cursor = execute(sql)
                except Exception as exc:  # noqa: BLE001 (dealt with by drain, in the apply's thread)
                    self._failed = (job, start, exc)
                    break
                self.rows += rowcount(cursor)

    def _join(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def drain(self) -> None:
        """Wait until every queued run is written; a failed one is dealt with here."""
        self._join()
        if self._failed is None:
            return
        (run, head, chars, params), start, exc = self._failed
        skipped, self._skipped, self._failed = self._skipped, [], None
        bound = params is not None or any(job[3] is not None for job in skipped)
        if not self.savepoint or not self.in_transaction() or bound:
            # DuckDB (no savepoint; runs of bound lists), or a failure that took the
            # transaction with it: the apply runs again without merging, to stop at the
            # statement at fault.
            raise MergedInsertError(
                str(exc), location=run.location, hint="run again without merging"
            ) from None
        self.rows += send_run(self.execute, run, head, self.error, True, chars, begin=start)
        for run, head, chars, _ in skipped:
            self.rows += send_run(self.execute, run, head, self.error, True, chars)

    def close(self) -> None:
        """Stop the thread without sending what is queued (the apply is failing)."""
        self._stop = True
        self._join()
        self._skipped, self._failed = [], None
