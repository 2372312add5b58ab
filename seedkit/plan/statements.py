"""How the executor sends a SQL file's statements: translated for the target, batched,
the file's own transaction control left out, the rows they write counted, and the
session settings the file changed put back after it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError
from seedkit.plan.partial import IMPLICIT_COMMIT, Running
from seedkit.sources.base import LocatedRun

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.batches import Batcher
    from seedkit.plan.results import Reporter
    from seedkit.plan.sink import ProblemSink
    from seedkit.plan.steps import Plan
    from seedkit.sources.base import LocatedStatement, Source

log = logging.getLogger("seedkit.sql")

# A statement whose row count is rows written (after any leading comments).
_WRITES = re.compile(
    r"(?:\s+|--[^\n]*\n|/\*.*?\*/)*(?:insert|update|delete|replace|merge|copy|upsert)\b",
    re.IGNORECASE | re.DOTALL,
)


class StatementRunner:
    """The executor's part that runs statements (seedkit.plan.executor.Executor)."""

    plan: Plan
    target: Adapter
    reporter: Reporter
    #: Where a refused statement's error goes: raised (an apply) or recorded (a dry run).
    sink: ProblemSink
    transpile_from: str | None
    batch_statements: bool
    merge_inserts: bool
    _session: Any
    _running: Running | None
    #: PostgreSQL statements rewritten for SQLite, MariaDB or DuckDB (seedkit.portable).
    porter: Any

    @contextmanager
    def _transaction(self, conn: sa.Connection, per_step: bool) -> Iterator[None]:
        """Each step's own transaction where DDL is not transactional; else the apply's."""
        with conn.begin() if per_step else nullcontext():
            yield

    def _run_sql(
        self,
        conn: sa.Connection,
        statements: Iterator[LocatedStatement | LocatedRun],
        step: str | None = None,
    ) -> tuple[int, int]:
        """Run one SQL file's statements, then put back the session settings it changed
        (`search_path`, `SET`, `USE`): each file runs as in a session of its own database
        client, and seedkit's own statements after it (history, sequences, later steps)
        see the session as the apply began."""
        done = self._run_statements(conn, statements, step)
        self.target.restore_session(conn, self._session)
        return done

    def _run_statements(
        self,
        conn: sa.Connection,
        statements: Iterator[LocatedStatement | LocatedRun],
        step: str | None = None,
    ) -> tuple[int, int]:
        """Run statements in order; return how many, and the rows their INSERT, UPDATE,
        DELETE, MERGE and COPY statements changed (a SELECT's rows are not written rows).
        With `step`, the reporter hears of the rows as they are written (a long file's
        progress). A statement the database refuses goes to the sink, which raises (an
        apply) or records it (a dry run: the rest of that statement's SQL is not sent,
        unless the sink mended it, and the next statement follows)."""
        from seedkit.adapters.batches import batcher_for

        batch = (
            batcher_for(self.target, conn, self.merge_inserts) if self.batch_statements else None
        )
        heads: dict[str, str | None] = {}
        try:
            return self._run_units(conn, statements, step, batch, heads)
        finally:
            if batch is not None:
                batch.close()

    def _run_units(
        self,
        conn: sa.Connection,
        statements: Iterator[LocatedStatement | LocatedRun],
        step: str | None,
        batch: Batcher | None,
        heads: dict[str, str | None],
    ) -> tuple[int, int]:
        count = rows = reported = 0
        for unit in statements:
            if isinstance(unit, LocatedRun):
                if batch is not None and self._send_run(batch, unit, heads):
                    count += unit.run.count
                    if step is not None and (written := batch.written()) > reported:
                        self.reporter.step_progress(step, written - reported)
                        reported = written
                    continue
                todo: Iterable[LocatedStatement] = unit.statements()
            else:
                todo = (unit,)
            rows, reported, count = self._run_each(conn, todo, batch, step, rows, reported, count)
        if batch is not None:
            batch.flush()
            rows += batch.rows
            if step is not None and batch.rows > reported:
                self.reporter.step_progress(step, batch.rows - reported)
        return count, rows

    def _run_each(
        self,
        conn: sa.Connection,
        statements: Iterable[LocatedStatement],
        batch: Batcher | None,
        step: str | None,
        rows: int,
        reported: int,
        count: int,
    ) -> tuple[int, int, int]:
        """`_run_statements` for statements one at a time: the rows they wrote, the rows
        reported and the statements run, each added to what it is given."""
        for stmt in statements:
            if stmt.copy is not None:
                if batch is not None:
                    batch.flush()
                if self.porter is not None:
                    rows += self.porter.load_copy(conn, self.target, stmt)
                else:
                    rows += self.target.copy_from_stdin(conn, stmt)
                count += 1
                continue
            for sql in self._translate(stmt):
                if self._transaction_control(sql, stmt):
                    continue
                if batch is not None and batch.add(sql, stmt):
                    continue
                try:
                    with self.target.sending(conn, stmt, sql):
                        result = self.target.execute(conn, sql, location=stmt.location)
                except ApplyError as exc:
                    if self.sink.failed(exc, stmt, sql):
                        continue
                    break
                if self._running is not None and IMPLICIT_COMMIT.match(sql):
                    self._running.committed_at = stmt.location
                if _WRITES.match(sql):
                    written = max(getattr(result, "rowcount", 0) or 0, 0)
                    rows += written
                    if step is not None:
                        self.reporter.step_progress(step, written)
            count += 1
            if step is not None and batch is not None and batch.rows > reported:
                self.reporter.step_progress(step, batch.rows - reported)
                reported = batch.rows
        return rows, reported, count

    def _units(self, source: Source) -> Iterator[LocatedStatement | LocatedRun]:
        """A SQL step's statements, with runs of literal INSERTs kept whole where they may
        be sent whole (batches on): as written when not transpiled, else only those of
        literals every dialect reads alike (seedkit.sqltext.runs)."""
        if not self.batch_statements or not self.target.takes_runs():
            return source.statements()
        return source.units(self.transpile_from is None)

    def _send_run(self, batch: Batcher, run: LocatedRun, heads: dict[str, str | None]) -> bool:
        """Hand a run of literal INSERTs to the batcher with its head in the target's
        spelling; False when it must go statement by statement (its head does not keep,
        or the batcher does not take runs)."""
        if run.head not in heads:
            heads[run.head] = self._run_head(run.head)
        head = heads[run.head]
        return head is not None and batch.add_run(run, head, self.transpile_from is not None)

    def _run_head(self, head: str) -> str | None:
        if self.porter is not None:
            return self.porter.run_head(head)
        if self.transpile_from is None or not self.target.sqlglot_name:
            return head
        from seedkit.transpile_shapes import run_head

        return run_head(head, self.transpile_from, self.target.sqlglot_name)

    def _transaction_control(self, sql: str, stmt: LocatedStatement) -> bool:
        """A file's own BEGIN / COMMIT (LOCK TABLES on MySQL) is not sent: it runs in the
        apply's transaction (or its step's)."""
        try:
            skip = bool(self.target.transaction_control(sql))
        except ApplyError as exc:
            exc.location = stmt.location
            raise
        if skip:
            log.debug(
                "%s: not sent (seedkit runs the file in its transaction): %s", stmt.location, sql
            )
        return skip

    def _translate(self, stmt: LocatedStatement) -> list[str]:
        if self.porter is not None:
            return self.porter.prepare(stmt)
        return self.target.prepare_statement(stmt, self.transpile_from)
