"""The dry-run adapter: an in-memory DuckDB behind the same plan and executor as an apply.

`DryRunAdapter` is the DuckDB adapter whose hooks do the dry run's work: each source
statement goes to the session's policy (run, changed or skipped, never raising), and
after each step the foreign-key and length checks run by query. It keeps no history.
Its engine wraps the session's own DuckDB connection, without transactions: a failed
statement must not abort the rest, and an in-memory database is thrown away anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.duckdb import DuckdbAdapter

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.loader import Loader
    from seedkit.dryrun.session import Session
    from seedkit.plan.executor import StepResult
    from seedkit.plan.steps import LoadStep, Plan
    from seedkit.sources.base import LocatedStatement


class DryRunAdapter(DuckdbAdapter):
    """DuckDB for `seedkit check`: statements through the policy, checks after each step."""

    SUPPORTS_HISTORY: ClassVar[bool] = False
    SUPPORTS_TRANSACTIONAL_DDL: ClassVar[bool] = True
    SUPPORTS_SEQUENCES: ClassVar[bool] = False

    def __init__(self, session: Session) -> None:
        self.session = session
        super().__init__("duckdb:///:memory:")
        self.display_url = "duckdb (dry run, in memory)"

    def _create_engine(self, url: str) -> sa.Engine:
        import sqlalchemy as sa
        from duckdb_engine import ConnectionWrapper
        from sqlalchemy.pool import StaticPool

        db = self.session.db
        engine = sa.create_engine(
            "duckdb://", creator=lambda: ConnectionWrapper(db), poolclass=StaticPool
        )
        # No transactions: each statement stands alone, so one failure does not abort the rest.
        engine.dialect.do_begin = _nothing  # type: ignore[method-assign,assignment]
        engine.dialect.do_commit = _nothing  # type: ignore[method-assign,assignment]
        engine.dialect.do_rollback = _nothing  # type: ignore[method-assign,assignment]
        return engine

    def loaders(self) -> list[type[Loader]]:
        """The dry run's own loader: rows into the session's DuckDB, problems recorded."""
        from seedkit.dryrun.loader import DryRunLoader

        return [DryRunLoader]

    def refuse_key_cycles(self, plan: Plan) -> None:
        """Nothing: the dry run checks keys by its own queries, a cycle's too."""

    def prepare_statement(self, stmt: LocatedStatement, transpile_from: str | None) -> list[str]:
        """Run the statement in the session (or batch or skip it); the executor sends nothing."""
        self.session.statement(stmt)
        return []

    def copy_from_stdin(self, conn: sa.Connection, stmt: LocatedStatement) -> int:
        """A COPY block goes to the session like any statement (it reads the data itself)."""
        self.session.statement(stmt)
        return 0

    def after_step(self, conn: sa.Connection, step: LoadStep, result: StepResult) -> None:
        """Foreign keys and lengths of the rows this step added, by query."""
        from seedkit.dryrun.checks import checkpoint

        checkpoint(self.session)

    def sync_sequences(self, conn: sa.Connection, table: str) -> None:
        """Nothing: sequence positions are not emulated."""


def _nothing(_connection: Any) -> None:
    return None
