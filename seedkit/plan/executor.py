"""The walker that executes a plan against a target, in one transaction where it can."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from seedkit.plan.steps import LoadStep, Plan
from seedkit.sources.base import LocatedStatement, TableReader
from seedkit.transpile import needs_transpile

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.target import Target


@dataclass
class StepResult:
    """What happened to one step (or DDL file): status, rows written and seconds taken."""

    name: str
    kind: str
    status: str
    rows: int = 0
    seconds: float = 0.0
    detail: str = ""


@dataclass
class ApplyResult:
    """The outcome of an apply: per-step results and the whole time."""

    target: str
    transactional: bool
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written by every step."""
        return sum(s.rows for s in self.steps)


class Reporter(Protocol):
    """Receives progress while a plan runs (the CLI draws bars or prints lines)."""

    def step_started(self, name: str, kind: str, total: int | None) -> None:
        """A step or DDL file begins."""

    def step_progress(self, name: str, rows: int) -> None:
        """`rows` more rows were written."""

    def step_finished(self, result: StepResult) -> None:
        """A step or DDL file ended."""


class _Silent:
    def step_started(self, name: str, kind: str, total: int | None) -> None:
        pass

    def step_progress(self, name: str, rows: int) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        pass


class Executor:
    """Runs DDL, then each selected step in graph order, writing rows by the step's mode."""

    def __init__(
        self,
        plan: Plan,
        target: Target,
        reporter: Reporter | None = None,
        transpile_sql: bool = True,
    ) -> None:
        self.plan = plan
        self.target = target
        self.reporter = reporter or _Silent()
        self.transpile_from = (
            plan.source_dialect
            if transpile_sql and needs_transpile(plan.source_dialect, target.sqlglot_dialect)
            else None
        )

    def run(self) -> ApplyResult:
        """Apply the plan; on any error the transaction (or the current step's) rolls back."""
        dialect = self.target.dialect
        result = ApplyResult(self.target.display_url, dialect.SUPPORTS_TRANSACTIONAL_DDL)
        started = time.perf_counter()
        with self.target.connect() as conn:
            if dialect.SUPPORTS_TRANSACTIONAL_DDL:
                with conn.begin():
                    self._run_all(conn, result, per_step=False)
            else:
                self._run_all(conn, result, per_step=True)
        result.seconds = time.perf_counter() - started
        return result

    def _run_all(self, conn: sa.Connection, result: ApplyResult, per_step: bool) -> None:
        for ddl in self.plan.ddl:
            self.reporter.step_started(ddl.shown, "ddl", None)
            began = time.perf_counter()
            from seedkit.sources.sql import read_statements

            with self._transaction(conn, per_step):
                count, _ = self._run_statements(
                    conn, read_statements(ddl.path, self.plan.source_dialect)
                )
            step = StepResult(ddl.shown, "ddl", "applied", 0, time.perf_counter() - began)
            step.detail = f"{count} statements"
            result.steps.append(step)
            self.reporter.step_finished(step)
        for load in self.plan.ordered():
            self.reporter.step_started(load.name, load.source.kind, None)
            began = time.perf_counter()
            with self._transaction(conn, per_step):
                if load.is_sql:
                    count, rows = self._run_statements(conn, load.source.statements())
                    detail = f"{count} statements"
                else:
                    rows = self._write_rows(conn, load)
                    detail = load.mode.value if load.mode else ""
                step = StepResult(
                    load.name,
                    load.source.kind,
                    "applied",
                    rows,
                    time.perf_counter() - began,
                    detail,
                )
                self.target.dialect.after_step(conn, self.target, load, step)
            result.steps.append(step)
            self.reporter.step_finished(step)

    @contextmanager
    def _transaction(self, conn: sa.Connection, per_step: bool) -> Iterator[None]:
        if per_step:
            with conn.begin():
                yield
        else:
            yield

    def _run_statements(
        self, conn: sa.Connection, statements: Iterator[LocatedStatement]
    ) -> tuple[int, int]:
        """Run statements in order; return how many, and the rows they report changing."""
        count = rows = 0
        for stmt in statements:
            for sql in self._translate(stmt):
                result = self.target.run(conn, sql, stmt.location)
                rows += max(getattr(result, "rowcount", 0) or 0, 0)
            count += 1
        return count, rows

    def _translate(self, stmt: LocatedStatement) -> list[str]:
        return self.target.dialect.prepare_statement(stmt, self.transpile_from)

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        from seedkit.plugins import get_host

        loader = get_host().loader_for(self.target, load)
        load.source.reader = TableReader(conn, self.target)
        try:
            return loader.load(conn, self.target, load, self.reporter)
        finally:
            load.source.reader = None
