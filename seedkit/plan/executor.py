"""The walker that executes a plan against a target, in one transaction where it can.

Phases (DESIGN §4): take the project's lock; with `fresh`, drop what the DDL created;
read history; stop if a recorded DDL file changed; run the DDL files history has not
recorded; run each selected step in graph order, skipping those whose fingerprint is
unchanged (unless `force`); record each DDL file and step in history inside the
transaction of its work; release.

Where DDL is transactional (PostgreSQL, SQLite, DuckDB) all of it is one transaction;
elsewhere (MySQL, MariaDB) each DDL file and each step is its own, so a failed apply
leaves the earlier steps recorded and the next apply resumes after them. In the one
transaction, the DDL's plain indexes that nothing needs sooner are built after the last
step (`seedkit.plan.deferred`; the dry run builds them in place). Foreign keys inside a
group of steps (a cycle of keys) and self-references are enforced after the data
(`seedkit.plan.latekeys`): after the last step of the apply's transaction, or, where each
step is its own transaction, after the last step writing their tables, the steps between
run as one transaction.

Hooks for other targets: a dialect with `SUPPORTS_HISTORY = False` (or
`Executor(..., history=False)`) records and skips nothing; `Dialect.prepare_statement`
rewrites each statement; `Dialect.after_step` runs inside each step's transaction;
`_run_step` runs one step and may be overridden (for example to collect errors).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from seedkit.background import helper_pool
from seedkit.errors import ApplyError, Location, SeedError
from seedkit.history import DdlChangedError, History, HistoryRow, ddl_name, step_fingerprint
from seedkit.manifest.models import Mode
from seedkit.plan.ddlprogress import DdlProgress
from seedkit.plan.deferred import DeferredIndex, hold_back
from seedkit.plan.heldkeys import hold_keys
from seedkit.plan.keyrow import name_row_of_repeated_key
from seedkit.plan.latekeys import check_keys
from seedkit.plan.partial import IMPLICIT_COMMIT, Running
from seedkit.plan.partial import describe as describe_partial
from seedkit.plan.steps import LoadStep, Plan
from seedkit.sources.base import LocatedStatement, Source, TableReader
from seedkit.text import plural
from seedkit.transpile import needs_transpile

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter

Recorded = dict[tuple[str, str], HistoryRow]
log = logging.getLogger("seedkit.sql")

# A statement whose row count is rows written (after any leading comments).
_WRITES = re.compile(
    r"(?:\s+|--[^\n]*\n|/\*.*?\*/)*(?:insert|update|delete|replace|merge|copy|upsert)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class StepResult:
    """What happened to one step (or DDL file): status, rows written and seconds taken.

    `status` is `applied`, or `skipped` when history shows it unchanged.
    """

    name: str
    kind: str
    status: str
    rows: int = 0
    seconds: float = 0.0
    detail: str = ""


@dataclass
class ApplyResult:
    """The outcome of an apply: per-step results, what `--fresh` dropped, the whole time."""

    target: str
    transactional: bool
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    dropped: list[str] = field(default_factory=list)
    #: What porting PostgreSQL SQL to the target changed, dropped and skipped.
    ported: Any = None

    @property
    def rows(self) -> int:
        """Rows written by every step."""
        return sum(s.rows for s in self.steps)

    @property
    def skipped(self) -> list[StepResult]:
        """The DDL files and steps left alone because history shows them unchanged."""
        return [s for s in self.steps if s.status == "skipped"]


class Reporter(Protocol):
    """Receives progress while a plan runs (the CLI draws bars or prints lines)."""

    def step_started(self, name: str, kind: str, total: int | None) -> None:
        """A step or DDL file begins."""

    def step_progress(self, name: str, rows: int) -> None:
        """`rows` more rows were written."""

    def step_finished(self, result: StepResult) -> None:
        """A step or DDL file ended (or was skipped)."""


class _Silent:
    def step_started(self, name: str, kind: str, total: int | None) -> None:
        pass

    def step_progress(self, name: str, rows: int) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        pass


def _hash_beside_the_load(hasher: ThreadPoolExecutor, load: LoadStep) -> Future[str]:
    """The step's fingerprint, computed while the step loads when nothing needs it sooner.

    hashlib lets go of the GIL on large reads, so hashing a big file beside the load
    costs little time. Only the built-in fingerprint (a hash of the source's files and
    options) runs in the thread; a plugin's own may touch state its load uses.
    """
    if type(load.source).fingerprint is Source.fingerprint:
        return hasher.submit(step_fingerprint, load)
    return _done(step_fingerprint(load))


def _done(value: str) -> Future[str]:
    """A future that already holds `value`."""
    done: Future[str] = Future()
    done.set_result(value)
    return done


class Executor:
    """Runs DDL, then each selected step in graph order, writing rows by the step's mode."""

    def __init__(
        self,
        plan: Plan,
        target: Adapter,
        reporter: Reporter | None = None,
        transpile_sql: bool = True,
        *,
        history: bool = True,
        force: bool = False,
        fresh: bool = False,
        lock_timeout: float | None = None,
        defer_indexes: bool = True,
        batch_statements: bool = True,
        skip_unportable: bool = False,
    ) -> None:
        self.plan = plan
        self.target = target
        self.reporter = reporter or _Silent()
        self.transpile_from = (
            plan.source_dialect
            if transpile_sql and needs_transpile(plan.source_dialect, target.sqlglot_name)
            else None
        )
        from seedkit.portable import porter_for

        #: PostgreSQL statements rewritten for SQLite, MariaDB or DuckDB (seedkit.portable).
        self.porter = (
            porter_for(
                plan, self.transpile_from, target.sqlglot_name, skip_unportable=skip_unportable
            )
            if self.transpile_from and target.SUPPORTS_HISTORY
            else None
        )
        project = plan.manifest.model.project
        self.project = project.name
        self.history: History | None = (
            History(target, project.history_table, project.name, plan.manifest.env)
            if history and target.SUPPORTS_HISTORY
            else None
        )
        self.force = force
        #: Send runs of data statements together (seedkit.adapters.batches).
        self.batch_statements = batch_statements
        #: SQLite and DuckDB: runs of literal INSERTs into one table as one statement.
        self.merge_inserts = True
        self.fresh = fresh
        self.lock_timeout = lock_timeout
        # Indexes built after the steps (see seedkit.plan.deferred): transactional DDL only.
        self.defer_indexes = defer_indexes and target.SUPPORTS_TRANSACTIONAL_DDL
        self._deferred: list[tuple[DeferredIndex, StepResult]] = []
        #: Tables whose inline keys wait for the data (seedkit.plan.heldkeys).
        self._holdable: dict[str, Any] = {}
        from seedkit.plan.latekeys import late_keys

        #: Foreign keys enforced after the data (seedkit.plan.latekeys).
        self._late = late_keys(plan)
        self._session: Any = None  # the session settings before any SQL file ran
        self._running: Running | None = None  # the DDL file or step running now

    def run(self) -> ApplyResult:
        """Apply the plan; on any error the transaction (or the current step's) rolls back."""
        from seedkit.adapters.merge import MergedInsertError

        self.target.refuse_key_cycles(self.plan)
        if self.porter is not None:
            self.porter.refuse_unportable()
        try:
            return self._run()
        except MergedInsertError:
            # DuckDB refused INSERTs merged into one (seedkit.adapters.merge) and cannot go back
            # to before them: everything is rolled back, and the apply runs again with each
            # statement on its own, to stop at the one at fault (and name it).
            self.merge_inserts = False
            if self.porter is not None:
                self.porter = self.porter.again()
            self.reporter = _Silent()
            self._deferred = []
            return self._run()

    def _run(self) -> ApplyResult:
        result = ApplyResult(self.target.display_url, self.target.SUPPORTS_TRANSACTIONAL_DDL)
        per_step = not self.target.SUPPORTS_TRANSACTIONAL_DDL
        started = time.perf_counter()
        if per_step:  # before anything, the history table included, is written
            self._check_sql_syntax()
        with (
            self.target.connect_to_write(self.lock_timeout) as conn,
            self.target.apply_scope(conn, self.project, self.lock_timeout),
        ):
            with self._transaction(conn, per_step):
                if self.fresh:
                    result.dropped = self._reset(conn)
                recorded = self._read_history(conn)
                self._session = self.target.session_state(conn)
            self._check_ddl(recorded)
            try:
                self._run_ddl(conn, result, per_step, recorded)
                inline = hold_keys(self.target, conn, self._holdable)
                late = self._late if not per_step and self.target.DEFERS_KEYS else []
                keys = self.target.defer_keys(conn, late) if late else None
                self._run_steps(conn, result, per_step, recorded)
                if late:
                    check_keys(self.plan, self.target, conn, late, "nothing was applied")
                    self.target.restore_keys(conn, late, keys)
                inline.rebuild(self.plan, self.target, conn, fks=False)
                self._build_deferred(conn)
                inline.rebuild(self.plan, self.target, conn, fks=True)
            except SeedError as exc:
                if per_step:  # "nothing was applied" is not true there
                    describe_partial(exc, result.steps, self._running)
                raise
        result.seconds = time.perf_counter() - started
        result.ported = self.porter.report if self.porter is not None else None
        return result

    # -- phases ------------------------------------------------------------------------

    def _reset(self, conn: sa.Connection) -> list[str]:
        from seedkit.plan.reset import run_teardown, teardown

        known = self.history is not None and self.history.exists(conn)
        recorded = self.history.read(conn).values() if self.history and known else ()
        done = run_teardown(
            conn, self.target, teardown(self.plan, self.target, self.transpile_from, recorded)
        )
        if self.history is not None:
            self.history.forget(conn)
        return [f"{item.kind} {item.name}" for item in done]

    def _read_history(self, conn: sa.Connection) -> Recorded:
        if self.history is None:
            return {}
        self.history.ensure(conn)
        return self.history.read(conn)

    def _check_ddl(self, recorded: Recorded) -> None:
        """A DDL file that changed since it was applied stops the apply before anything runs."""
        for ddl in self.plan.ddl:
            before = recorded.get(("ddl", ddl_name(self.plan, ddl)))
            if before is not None and before.fingerprint != ddl.fingerprint:
                raise DdlChangedError(
                    f"this DDL file changed since it was applied on {before.applied_at[:19]} "
                    f"(fingerprint {before.fingerprint} then, {ddl.fingerprint} now); "
                    "seedkit does not migrate schemas",
                    location=Location.in_file(ddl.path),
                    hint="drop what the DDL created and seed again: `seedkit reset` then "
                    "`seedkit apply`, or `seedkit apply --fresh`",
                )

    def _check_sql_syntax(self) -> None:
        """Split every SQL step's files once before anything runs, where DDL is not
        transactional (MySQL, MariaDB): SQL files are split as they are read, so a syntax
        error at the end of one would otherwise come after its first statements had run
        and, being DDL there, committed. DDL files were split when the plan was built."""
        from seedkit.sources.sql import read_statements

        dialect = self.plan.source_dialect
        for load in self.plan.ordered():
            for path in load.source.files() if load.is_sql else ():
                for _ in read_statements(path, dialect):
                    pass

    def _run_ddl(
        self, conn: sa.Connection, result: ApplyResult, per_step: bool, recorded: Recorded
    ) -> None:
        from seedkit.plan.reset import created_records
        from seedkit.sources.sql import read_statements

        read, held = self._plan_deferral(recorded)
        for ddl in self.plan.ddl:
            name = ddl_name(self.plan, ddl)
            if ("ddl", name) in recorded:
                self._skip(result, StepResult(ddl.shown, "ddl", "skipped", detail="unchanged"))
                continue
            self.reporter.step_started(ddl.shown, "ddl", None)
            self._running = Running("ddl", ddl.shown)
            began = time.perf_counter()
            waiting: list[DeferredIndex] = []
            statements = hold_back(
                read.get(ddl.path) or read_statements(ddl.path, self.plan.source_dialect),
                held,
                waiting,
            )
            with self._transaction(conn, per_step):
                progress = self._progress(conn, ddl, name, recorded) if per_step else None
                if progress is not None:
                    statements = progress.statements(
                        statements, lambda stmt: self._run_statements(conn, iter([stmt]))
                    )
                count, _ = self._run_sql(conn, statements)
                seconds = time.perf_counter() - began
                if self.history is not None:
                    self.history.record(conn, "ddl", name, ddl.fingerprint, 0, seconds)
                    created = created_records(ddl.path, self.plan.source_dialect)
                    self.history.record_created(conn, ddl, created)
                if progress is not None:
                    progress.finish()
            count += len(waiting)
            step = StepResult(ddl.shown, "ddl", "applied", 0, seconds, plural(count, "statement"))
            self._deferred += [(index, step) for index in waiting]
            result.steps.append(step)
            self._running = None
            self.reporter.step_finished(step)

    def _progress(
        self, conn: sa.Connection, ddl: Any, name: str, recorded: Recorded
    ) -> DdlProgress | None:
        """Where DDL commits by itself: the file's progress, recorded statement by statement
        so an apply killed inside it resumes there (seedkit.plan.ddlprogress)."""
        from seedkit.plan.ddlprogress import KIND

        if self.history is None:
            return None
        row = recorded.get((KIND, name))
        where = Location.in_file(ddl.path)
        return DdlProgress(self.history, conn, name, ddl.fingerprint, row, where)

    def _plan_deferral(
        self, recorded: Recorded
    ) -> tuple[dict[Path, list[LocatedStatement]], dict[tuple[str, int, int], DeferredIndex]]:
        """The statements of the DDL about to run, by file (read once, for `_run_ddl` too;
        none when deferral is off), and those of them that can wait for the steps."""
        from seedkit.plan.deferred import plan_deferral
        from seedkit.plan.heldkeys import holdable_tables
        from seedkit.sources.sql import read_statements

        if not self.defer_indexes:
            return {}, {}
        read = {
            ddl.path: list(read_statements(ddl.path, self.plan.source_dialect, keep_copy=True))
            for ddl in self.plan.ddl
            if ("ddl", ddl_name(self.plan, ddl)) not in recorded
        }
        if self.target.HOLDS_INLINE_KEYS:
            self._holdable = holdable_tables(self.plan, read.items())
        return read, plan_deferral(self.plan, read.items())

    def _build_deferred(self, conn: sa.Connection) -> None:
        """Build the held-back indexes; a unique one that fails names the row given twice."""
        from seedkit.plan.deferred import duplicate_row

        checks_late = self.target.CHECKS_NEW_UNIQUE_INDEX_AT_COMMIT
        for index, step in self._deferred:
            began = time.perf_counter()
            try:
                if index.unique and checks_late:
                    sql = index.duplicate_sql()
                    key = self.target.execute(conn, sql, location=index.statement.location).first()
                    if key is not None:
                        shown = ", ".join(str(v) for v in key)
                        raise ApplyError(
                            f"duplicate key ({shown}) for the unique index on {index.table}",
                            location=index.statement.location,
                        )
                self._run_statements(conn, iter([index.statement]))
            except ApplyError as exc:
                place = duplicate_row(self.plan, index) if index.unique else None
                if place is not None:
                    exc.location = place
                    exc.hint = (
                        f"this row repeats a key of the unique index on {index.table}; "
                        "fix the row; nothing was applied"
                    )
                raise
            step.seconds += time.perf_counter() - began

    def _run_steps(
        self, conn: sa.Connection, result: ApplyResult, per_step: bool, recorded: Recorded
    ) -> None:
        from contextlib import ExitStack

        from seedkit.plan.latekeys import held_keys, spans

        held = spans(self.plan, self._late) if per_step and self.target.DEFERS_KEYS else []
        with helper_pool("seedkit-hash") as hasher, ExitStack() as group:
            for position, load in enumerate(self.plan.ordered()):
                span = next((s for s in held if s[0] == position), None)
                if span is not None:
                    group.enter_context(held_keys(self.plan, self.target, conn, span[2]))
                in_span = any(s[0] <= position <= s[1] for s in held)
                self._run_one(conn, result, per_step and not in_span, recorded, hasher, load)
                if in_span:
                    self.target.defer_keys(conn, [])
                if any(s[1] == position for s in held):
                    group.close()

    def _run_one(
        self,
        conn: sa.Connection,
        result: ApplyResult,
        per_step: bool,
        recorded: Recorded,
        hasher: ThreadPoolExecutor,
        load: LoadStep,
    ) -> None:
        """Run one step in its own transaction (`per_step`) or the current one, and record
        it; or skip it when history shows it unchanged."""
        before = recorded.get(("step", load.name))
        if self.history is None:
            fingerprint: Future[str] | None = None
        elif before is not None and not self.force:
            fingerprint = _done(step_fingerprint(load))
            if before.fingerprint == fingerprint.result():
                skipped = StepResult(load.name, load.source.kind, "skipped", detail="unchanged")
                self._skip(result, skipped)
                return
        else:
            fingerprint = _hash_beside_the_load(hasher, load)
        self.reporter.step_started(load.name, load.source.kind, None)
        self._running = Running(load.source.kind, load.name)
        with self._transaction(conn, per_step):
            step = self._run_step(conn, load, rerun=before is not None)
            if self.history is not None and fingerprint is not None:
                self.history.record(
                    conn, "step", load.name, fingerprint.result(), step.rows, step.seconds
                )
        result.steps.append(step)
        self._running = None
        self.reporter.step_finished(step)

    def _run_step(self, conn: sa.Connection, load: LoadStep, rerun: bool = False) -> StepResult:
        """Run one step inside the current transaction: statements or rows by mode, then the
        sequence fix-up and the dialect's after-step hook."""
        began = time.perf_counter()
        try:
            if load.is_sql:
                count, rows = self._run_sql(conn, load.source.statements(), load.name)
                detail = plural(count, "statement")
            else:
                rows = self._write_rows(conn, load)
                detail = load.mode.value if load.mode else ""
        except ApplyError as exc:
            if not self.target.DEFERS_KEYS:  # DuckDB checks each row: name the one out of order
                from seedkit.plan.latekeys import out_of_order

                out_of_order(self.plan, self._late, load, exc)
            if rerun and load.mode == Mode.INSERT:
                exc.hint = (
                    "this step changed since it was applied, and runs again in insert mode; "
                    'give it mode = "upsert", "mirror" or "replace", or seed afresh with '
                    "`seedkit apply --fresh`"
                )
            raise
        if rerun:
            detail = f"{detail}, changed" if detail else "changed"
        step = StepResult(
            load.name, load.source.kind, "applied", rows, time.perf_counter() - began, detail
        )
        if self.target.SUPPORTS_SEQUENCES and rows:
            self.target.sync_sequences(conn, load.table_name)
        self.target.after_step(conn, load, step)
        return step

    def _skip(self, result: ApplyResult, step: StepResult) -> None:
        result.steps.append(step)
        self.reporter.step_finished(step)

    # -- helpers -----------------------------------------------------------------------

    @contextmanager
    def _transaction(self, conn: sa.Connection, per_step: bool) -> Iterator[None]:
        """Each step's own transaction where DDL is not transactional; else the apply's."""
        with conn.begin() if per_step else nullcontext():
            yield

    def _run_sql(
        self, conn: sa.Connection, statements: Iterator[LocatedStatement], step: str | None = None
    ) -> tuple[int, int]:
        """Run one SQL file's statements, then put back the session settings it changed
        (`search_path`, `SET`, `USE`): each file runs as in a session of its own database
        client, and seedkit's own statements after it (history, sequences, later steps)
        see the session as the apply began."""
        done = self._run_statements(conn, statements, step)
        self.target.restore_session(conn, self._session)
        return done

    def _run_statements(
        self, conn: sa.Connection, statements: Iterator[LocatedStatement], step: str | None = None
    ) -> tuple[int, int]:
        """Run statements in order; return how many, and the rows their INSERT, UPDATE,
        DELETE, MERGE and COPY statements changed (a SELECT's rows are not written rows).
        With `step`, the reporter hears of the rows as they are written (a long file's
        progress)."""
        from seedkit.adapters.batches import batcher_for

        count = rows = reported = 0
        batch = (
            batcher_for(self.target, conn, self.merge_inserts) if self.batch_statements else None
        )
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
                    result = self.target.execute(conn, sql, location=stmt.location)
                except ApplyError as exc:  # a dump's key added after its data: name the row
                    name_row_of_repeated_key(self.plan, sql, exc)
                    raise
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
        if batch is not None:
            batch.flush()
            rows += batch.rows
            if step is not None and batch.rows > reported:
                self.reporter.step_progress(step, batch.rows - reported)
        return count, rows

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

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        from seedkit.plugins import get_host

        loader = get_host().loader_for(self.target, load)
        load.source.reader = TableReader(conn, self.target, load.source.context.locate())
        try:
            return loader.load(conn, self.target, load, self.reporter)
        finally:
            load.source.reader = None
