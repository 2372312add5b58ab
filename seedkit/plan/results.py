"""What an apply reports: each DDL file's and step's result, the whole apply's, and the
Reporter that hears of progress while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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


class SilentReporter:
    """A Reporter that hears nothing (a retried apply, a caller with no display)."""

    def step_started(self, name: str, kind: str, total: int | None) -> None:
        """Nothing to show."""

    def step_progress(self, name: str, rows: int) -> None:
        """Nothing to show."""

    def step_finished(self, result: StepResult) -> None:
        """Nothing to show."""
