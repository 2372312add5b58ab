"""The walker that executes a plan against a target, in one transaction where it can.

Phases (DESIGN §4): take the project's lock; with `fresh`, drop what the DDL created;
read history; resolve the plan against it and the target's capabilities
(seedkit.plan.stages), which takes every decision; then walk the stages: stop if a
recorded DDL file changed (`StopAtDdl`); run the DDL files history has not recorded
(`RunDdl`); run each selected step in graph order (`LoadRows`, `RunSql`) or skip it
(`Skip`); record each in history inside the transaction of its work; enforce the keys
that waited (`KeysAfterData`) and build the indexes held back (`BuildIndex`); release.
How SQL files' statements are sent lives in seedkit.plan.statements, the results and
the Reporter in seedkit.plan.results.

Where DDL is transactional (PostgreSQL, SQLite, DuckDB) all of it is one transaction;
elsewhere (MySQL, MariaDB) each DDL file and each step is its own, so a failed apply
leaves the earlier steps recorded and the next apply resumes after them. In the one
transaction, the DDL's plain indexes that nothing needs sooner are built after the last
step (`seedkit.plan.deferred`; the dry run builds them in place). Foreign keys inside a
group of steps (a cycle of keys) and self-references are enforced after the data
(`seedkit.plan.latekeys`): after the last step of the apply's transaction, or, where each
step is its own transaction, after the last step writing their tables, the steps between
run as one transaction.

What differs between targets is the adapter's: an adapter with `SUPPORTS_HISTORY = False`
(or `Executor(..., history=False)`) records and skips nothing; `prepare_statement` is its
statement policy (what it sends, rewrites or skips); `after_step` runs inside each step's
transaction; `SUPPORTS_TRANSACTIONS = False` (the dry run's scratch DuckDB) opens no
transaction at all. A statement the database refuses goes to the run's sink
(seedkit.plan.sink): an apply's raises, the dry run's records a problem and the walk goes on.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from seedkit.background import helper_pool
from seedkit.errors import ApplyError, Location, SeedError
from seedkit.history import DdlChangedError, History, ddl_name, step_fingerprint
from seedkit.manifest.models import Mode
from seedkit.plan.ddlprogress import DdlProgress
from seedkit.plan.deferred import DeferredIndex, hold_back
from seedkit.plan.heldkeys import hold_keys
from seedkit.plan.latekeys import check_keys
from seedkit.plan.partial import Running
from seedkit.plan.partial import describe as describe_partial
from seedkit.plan.results import ApplyResult, Reporter, SilentReporter, StepResult
from seedkit.plan.sink import ApplySink, ProblemSink
from seedkit.plan.stages import (
    BuildIndex,
    Capabilities,
    KeysAfterData,
    RunDdl,
    RunStep,
    Skip,
    Stage,
    StopAtDdl,
    resolve,
)
from seedkit.plan.statements import StatementRunner
from seedkit.plan.steps import LoadStep, Plan
from seedkit.sources.base import Source, TableReader
from seedkit.text import plural
from seedkit.transpile import needs_transpile

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.history import HistoryRow
    from seedkit.plan.latekeys import LateKey

__all__ = ["ApplyResult", "Executor", "Reporter", "StepResult"]


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


class Executor(StatementRunner):
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
        sink: ProblemSink | None = None,
    ) -> None:
        self.plan = plan
        self.target = target
        self.reporter = reporter or SilentReporter()
        #: Where a refused statement goes (seedkit.plan.sink): raised, unless told otherwise.
        self.sink = sink if sink is not None else ApplySink(plan)
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
        #: Foreign keys enforced after the data (seedkit.plan.latekeys), from the stages.
        self._late: list[LateKey] = []
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
            self.reporter = SilentReporter()
            self._deferred = []
            return self._run()

    def _run(self) -> ApplyResult:
        result = ApplyResult(self.target.display_url, self.target.SUPPORTS_TRANSACTIONAL_DDL)
        # Each step its own transaction where DDL commits by itself; none at all where the
        # target has no transactions (each statement stands alone, nothing rolls back).
        per_step = self.target.SUPPORTS_TRANSACTIONS and not self.target.SUPPORTS_TRANSACTIONAL_DDL
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
            capabilities = Capabilities.of(self.target, self.defer_indexes)
            stages = resolve(
                self.plan,
                recorded if self.history is not None else None,
                capabilities,
                force=self.force,
            )
            self._check_ddl(stages)
            keys = next((s for s in stages if isinstance(s, KeysAfterData)), None)
            self._late = list(keys.keys) if keys is not None else []
            try:
                self._run_ddl(conn, result, per_step, stages, recorded)
                inline = hold_keys(self.target, conn, self._holdable)
                late = self._late if not per_step and keys is not None and keys.how else []
                held = self.target.defer_keys(conn, late) if late else None
                self._run_steps(conn, result, per_step, stages, keys)
                if late:
                    check_keys(self.plan, self.target, conn, late, "nothing was applied")
                    self.target.restore_keys(conn, late, held)
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

    def _read_history(self, conn: sa.Connection) -> dict[tuple[str, str], HistoryRow]:
        if self.history is None:
            return {}
        self.history.ensure(conn)
        return self.history.read(conn)

    def _check_ddl(self, stages: list[Stage]) -> None:
        """A DDL file that changed since it was applied stops the apply before anything runs."""
        for stage in stages:
            if isinstance(stage, StopAtDdl) and stage.ddl and stage.before:
                ddl, before = stage.ddl, stage.before
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
        self,
        conn: sa.Connection,
        result: ApplyResult,
        per_step: bool,
        stages: list[Stage],
        recorded: dict[tuple[str, str], HistoryRow],
    ) -> None:
        from seedkit.plan.heldkeys import holdable_tables
        from seedkit.plan.reset import created_records
        from seedkit.sources.sql import read_statements

        read = [
            (s.ddl.path, list(s.statements))
            for s in stages
            if isinstance(s, RunDdl) and s.ddl is not None and s.statements is not None
        ]
        if self.defer_indexes and self.target.HOLDS_INLINE_KEYS:
            # the DDL was read ahead: its inline keys may wait too
            self._holdable = holdable_tables(self.plan, read)
        held = {
            (s.index.statement.file, s.index.statement.line, s.index.statement.column): s.index
            for s in stages
            if isinstance(s, BuildIndex) and s.index is not None
        }
        for stage in stages:
            if isinstance(stage, Skip) and stage.ddl is not None:
                self._skip(result, StepResult(stage.name, "ddl", "skipped", detail=stage.reason))
                continue
            if not isinstance(stage, RunDdl) or stage.ddl is None:
                continue
            ddl = stage.ddl
            self.reporter.step_started(ddl.shown, "ddl", None)
            self._running = Running("ddl", ddl.shown)
            began = time.perf_counter()
            waiting: list[DeferredIndex] = []
            statements = hold_back(
                stage.statements or read_statements(ddl.path, self.plan.source_dialect),
                held,
                waiting,
            )
            name = ddl_name(self.plan, ddl)
            with self._transaction(conn, per_step):
                progress = self._progress(conn, ddl, name, recorded) if per_step else None
                if progress is not None:
                    statements = progress.statements(
                        statements, lambda stmt: self._run_statements(conn, iter([stmt]))
                    )
                count, _ = self._run_sql(conn, statements)
                seconds = time.perf_counter() - began
                if self.history is not None and stage.record is not None:
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
        self,
        conn: sa.Connection,
        ddl: Any,
        name: str,
        recorded: dict[tuple[str, str], HistoryRow],
    ) -> DdlProgress | None:
        """Where DDL commits by itself: the file's progress, recorded statement by statement
        so an apply killed inside it resumes there (seedkit.plan.ddlprogress)."""
        from seedkit.plan.ddlprogress import KIND

        if self.history is None:
            return None
        row = recorded.get((KIND, name))
        where = Location.in_file(ddl.path)
        return DdlProgress(self.history, conn, name, ddl.fingerprint, row, where)

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
        self,
        conn: sa.Connection,
        result: ApplyResult,
        per_step: bool,
        stages: list[Stage],
        keys: KeysAfterData | None,
    ) -> None:
        from contextlib import ExitStack

        from seedkit.plan.latekeys import held_keys

        held = list(keys.spans) if keys is not None and per_step else []
        steps = [s for s in stages if isinstance(s, RunStep) or (isinstance(s, Skip) and s.step)]
        with helper_pool("seedkit-hash") as hasher, ExitStack() as group:
            for position, stage in enumerate(steps):
                span = next((s for s in held if s[0] == position), None)
                if span is not None:
                    group.enter_context(held_keys(self.plan, self.target, conn, list(span[2])))
                in_span = any(s[0] <= position <= s[1] for s in held)
                self._run_one(conn, result, per_step and not in_span, hasher, stage)
                if in_span:
                    self.target.defer_keys(conn, [])
                if any(s[1] == position for s in held):
                    group.close()

    def _run_one(
        self,
        conn: sa.Connection,
        result: ApplyResult,
        per_step: bool,
        hasher: ThreadPoolExecutor,
        stage: Stage,
    ) -> None:
        """Run one step in its own transaction (`per_step`) or the current one, and record
        it; or skip it (history shows it unchanged)."""
        if isinstance(stage, Skip) and stage.step is not None:
            skipped = StepResult(stage.name, stage.kind, "skipped", detail=stage.reason)
            self._skip(result, skipped)
            return
        assert isinstance(stage, RunStep)
        load = stage.load
        fingerprint: Future[str] | None = None
        if self.history is not None and stage.record is not None:
            known = stage.fingerprint
            fingerprint = _done(known) if known else _hash_beside_the_load(hasher, load)
        self.reporter.step_started(load.name, load.source.kind, None)
        self._running = Running(load.source.kind, load.name)
        with self._transaction(conn, per_step):
            step = self._run_step(conn, load, rerun=stage.rerun)
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
                count, rows = self._run_sql(conn, self._units(load.source), load.name)
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

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        from seedkit.plugins import get_host

        loader = get_host().loader_for(self.target, load)
        load.source.reader = TableReader(conn, self.target, load.source.context.locate())
        try:
            return loader.load(conn, self.target, load, self.reporter)
        finally:
            load.source.reader = None
