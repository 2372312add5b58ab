"""Run a whole seed as a dry run and collect its report."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.dryrun.report import CheckReport, StepReport
from seedkit.errors import SeedError

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.plan.executor import Reporter, StepResult
    from seedkit.schema import Schema


def run_check(
    manifest_path: str | Path,
    select: Iterable[str] | None = None,
    reporter: Reporter | None = None,
    *,
    exclude: Iterable[str] | None = None,
    env: str | None = None,
    url: str | None = None,
) -> CheckReport:
    """Run the seed at `manifest_path` in an in-memory DuckDB; return every problem found.

    A manifest or graph that cannot be used raises (exit 2); a problem of the seed is
    reported, and the run goes on to find the next one. A seed without DDL takes its
    tables from the database at `url` (read only); without `url` that is said once.
    """
    from seedkit.dryrun.checks import checkpoint
    from seedkit.dryrun.reflected import create_reflected, mark_no_ddl, say_no_ddl
    from seedkit.dryrun.session import Session
    from seedkit.dryrun.sink import DryRunSink
    from seedkit.manifest import load_manifest
    from seedkit.plan.builder import build_plan
    from seedkit.plan.executor import Executor

    started = time.perf_counter()
    manifest = load_manifest(manifest_path, env)
    has_ddl = bool(manifest.model.project.ddl)
    reflected = _reflect(url) if url is not None and not has_ddl else None
    plan = build_plan(
        manifest, select=select, check_sources=False, exclude=exclude, schema=reflected
    )
    report = CheckReport(manifest.model.project.name, manifest.model.project.dialect)
    session = Session(plan, report)
    try:
        if reflected is not None:
            create_reflected(session, reflected)
        elif not has_ddl:
            mark_no_ddl(session)
        _validate_sources(session)
        Executor(
            plan,
            session.adapter,
            _Tracker(session, report, reporter),
            history=False,
            defer_indexes=False,
            sink=DryRunSink(session),
        ).run()
        session.step = None
        session.finished = True
        checkpoint(session)
        report.statements_read, report.statements_run = session.statements, session.ran
        if not has_ddl and reflected is None:
            say_no_ddl(session)
        report.fidelity.extend(session.causes.items())
    finally:
        session.close()
    report.seconds = time.perf_counter() - started
    return report


def _reflect(url: str) -> Schema:
    """The tables of the database at `url`, read only; a SQLite or DuckDB file that does
    not exist is not created (there is nothing to read)."""
    from seedkit.adapters import open_adapter
    from seedkit.errors import TargetError
    from seedkit.history import database_missing

    target = open_adapter(url)
    try:
        if database_missing(target):
            raise TargetError(
                f"{target.display_url} does not exist: there are no tables to read",
                hint="give --url a database that has the seed's tables, "
                "or list its DDL in [project] ddl",
            )
        with target.connect() as conn:
            return target.reflect_schema(conn)
    finally:
        target.dispose()


def _validate_sources(session: Session) -> None:
    """What `validate` checks of row sources (CSV headers against the table…), as problems."""
    plan = session.plan
    for step in plan.ordered():
        if step.is_sql:
            continue
        try:
            step.source.validate(step.table)
        except SeedError as exc:
            kind = "unknown_column" if "does not have" in exc.message else "data"
            session.step = step.name
            session.problem(kind, exc.message, exc.location, exc.hint)
            session.invalid_steps.add(step.name)
    session.step = None


class _Tracker:
    """The executor's reporter during a dry run: tells the session which step runs, and
    turns each step's end into a StepReport; passes progress on to the CLI's reporter."""

    def __init__(self, session: Session, report: CheckReport, inner: Reporter | None) -> None:
        self.session = session
        self.report = report
        self.inner = inner
        self._rows = 0

    def step_started(self, name: str, kind: str, total: int | None) -> None:
        """A step begins: earlier DDL rows are checked, then problems go to this step."""
        from seedkit.dryrun.checks import checkpoint

        checkpoint(self.session)
        self.session.step = name
        self.session.step_problems = 0
        self._rows = self.session.rows_added
        self._lost_table(name)
        # Session settings a file makes end with it (apply puts them back after each file).
        self.session.order.checks_off = False
        if self.inner is not None:
            self.inner.step_started(name, kind, total)

    def _lost_table(self, name: str) -> None:
        """A row step into a table whose CREATE failed is not checked (one cause, one problem)."""
        from seedkit.dryrun.causes import short_name

        session = self.session
        step = session.plan.steps.get(name)
        if step is None or step.is_sql:
            return
        cause = session.causes.lost.get(short_name(step.table_name))
        if cause is not None:
            session.invalid_steps.add(name)
            where = step.source.context.locate()
            session.causes.not_checked(
                where, f"step {name}", f"`{short_name(step.table_name)}` is missing: {cause}"
            )

    def step_progress(self, name: str, rows: int) -> None:
        """Passed on."""
        if self.inner is not None:
            self.inner.step_progress(name, rows)

    def step_finished(self, result: StepResult) -> None:
        """The step's report: ok, failed (with how many problems) or skipped."""
        from seedkit.dryrun.checks import checkpoint

        self.session.flush()
        if result.kind == "ddl":
            checkpoint(self.session)
        problems = sum(1 for p in self.report.problems if p.step == result.name)
        status = "failed" if problems else "ok"
        rows = self.session.rows_added - self._rows
        self.report.steps.append(
            StepReport(result.name, result.kind, status, rows, result.seconds, problems)
        )
        if self.inner is not None:
            self.inner.step_finished(result)
