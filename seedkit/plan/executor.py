"""The walker that executes a plan against a target, in one transaction where it can."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from seedkit.errors import ApplyError, Location
from seedkit.manifest.models import Mode
from seedkit.plan.steps import LoadStep, Plan
from seedkit.sources.base import LocatedStatement, RowBatch
from seedkit.transpile import needs_transpile, transpile

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
                load.name, load.source.kind, "applied", rows, time.perf_counter() - began, detail
            )
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
        if not self.transpile_from:
            return [stmt.sql]
        target = self.target.sqlglot_dialect
        assert target is not None
        try:
            return transpile(stmt.sql, self.transpile_from, target)
        except Exception as exc:  # sqlglot's parse and unsupported errors
            raise ApplyError(
                f"cannot translate this statement from {self.transpile_from} to {target}: "
                f"{str(exc).splitlines()[0]}",
                location=stmt.location,
                hint="rewrite it portably, or apply with --no-transpile",
            ) from None

    def _write_rows(self, conn: sa.Connection, load: LoadStep) -> int:
        dialect = self.target.dialect
        table = dialect.table_for_insert(load.table, load.table_name)
        names = load.source.columns(load.table)
        columns = [_column_name(load, n) for n in names]
        if load.mode == Mode.replace:
            self.target.run(conn, dialect.delete_all_sql(conn, table), load.source.context.locate())
        if load.mode in (Mode.upsert, Mode.mirror):
            key = [_column_name(load, k) for k in load.key]
            sql = dialect.upsert_sql(conn, table, columns, key)
        else:
            sql = dialect.insert_sql(conn, table, columns)
        adapt = dialect.value_adapter()
        written = 0
        seen_keys: set[tuple[Any, ...]] = set()
        key_index = [columns.index(_column_name(load, k)) for k in load.key if _column_name(load, k) in columns]
        for batch in load.source.batches(load.table):
            rows = batch.rows
            if adapt is not None:
                rows = [tuple(adapt(v) for v in row) for row in rows]
            if load.mode == Mode.mirror:
                seen_keys.update(tuple(row[i] for i in key_index) for row in rows)
            self._write_batch(conn, sql, rows, batch)
            written += len(rows)
            self.reporter.step_progress(load.name, len(rows))
        if load.mode == Mode.mirror:
            self._delete_missing(conn, load, table, seen_keys)
        return written

    def _write_batch(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        from sqlalchemy.exc import DBAPIError

        if not rows:
            return
        if not self.target.dialect.SUPPORTS_SAVEPOINTS:
            try:
                self.target.run_many(conn, sql, rows)
            except DBAPIError as exc:
                first, last = batch.location(0), batch.location(len(rows) - 1)
                span = f"lines {first.line}-{last.line}" if first.line != last.line else ""
                raise ApplyError(
                    self.target.scrub(_message(exc)) + (f" (in the rows at {span})" if span else ""),
                    location=first,
                    hint="fix the row; nothing was applied",
                ) from None
            return
        savepoint = conn.begin_nested()
        try:
            self.target.run_many(conn, sql, rows)
        except DBAPIError:
            savepoint.rollback()
            self._locate_bad_row(conn, sql, rows, batch)
            raise
        savepoint.commit()

    def _locate_bad_row(
        self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]], batch: RowBatch
    ) -> None:
        """Insert row by row in savepoints to find the row the database refuses, and raise."""
        from sqlalchemy.exc import DBAPIError

        for index, row in enumerate(rows):
            savepoint = conn.begin_nested()
            try:
                self.target.run_many(conn, sql, [row])
            except DBAPIError as exc:
                savepoint.rollback()
                raise ApplyError(
                    self.target.scrub(_message(exc)),
                    location=batch.location(index),
                    hint="fix this row; nothing was applied",
                ) from None
            savepoint.rollback()

    def _delete_missing(
        self, conn: sa.Connection, load: LoadStep, table: str, keep: set[tuple[Any, ...]]
    ) -> None:
        dialect = self.target.dialect
        key = [_column_name(load, k) for k in load.key]
        cols = ", ".join(dialect.quote(conn, k) for k in key)
        existing = self.target.run(
            conn, f"SELECT {cols} FROM {dialect.quote_table(conn, table)}", Location(key=load.name)
        ).fetchall()
        adapt = dialect.value_adapter()
        gone = []
        for row in existing:
            values = tuple(row)
            probe = tuple(adapt(v) for v in values) if adapt else values
            if probe not in keep and values not in keep:
                gone.append(values)
        if gone:
            where = " AND ".join(
                f"{dialect.quote(conn, k)} = {mark}"
                for k, mark in zip(key, dialect.placeholders(conn, len(key)).split(", "), strict=True)
            )
            self.target.run_many(conn, f"DELETE FROM {dialect.quote_table(conn, table)} WHERE {where}", gone)


def _column_name(load: LoadStep, name: str) -> str:
    if load.table is not None:
        column = load.table.column(name)
        if column is not None:
            return column.name
    return name


def _message(exc: Exception) -> str:
    from seedkit.target import _db_message

    return _db_message(exc)
