"""Where the executor hands a statement that failed: raised (an apply) or recorded (a dry run).

The executor (seedkit.plan.statements) sends each statement of a SQL file through
`Adapter.execute`; when the database refuses one, the error goes to the run's
`ProblemSink`. An apply's sink (`ApplySink`) points the error at the source row where it
can and raises it: the apply stops at the first error and its transaction rolls back.
The dry run's sink (seedkit.dryrun.sink) records a located problem and returns, so the
same walk goes on to find the next one. Statements an adapter's batcher sends together
(seedkit.adapters.batches) fail inside it: an apply's batchers raise at the statement at
fault, the dry run's narrows its batch to the row at fault and records it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from seedkit.plan.keyrow import name_row_of_repeated_key

if TYPE_CHECKING:
    from seedkit.errors import ApplyError
    from seedkit.plan.steps import Plan
    from seedkit.sources.base import LocatedStatement


class ProblemSink(Protocol):
    """What becomes of a statement the database refused."""

    def failed(self, error: ApplyError, stmt: LocatedStatement, sql: str) -> bool:
        """Take the `error` of `sql` (sent for the source statement `stmt`): raise it, or
        record it and return. True when the sink mended the failure and the statement's
        further SQL (a policy may send several for one) is still to be sent; False when
        the statement is done with."""
        ...


class ApplySink:
    """An apply's sink: the first error stops the apply, named at its source row."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def failed(self, error: ApplyError, stmt: LocatedStatement, sql: str) -> bool:
        """Raise `error`; a key that a dump's ADD CONSTRAINT found twice is pointed at the
        row repeating it first (seedkit.plan.keyrow)."""
        name_row_of_repeated_key(self.plan, sql, error)
        raise error
