"""The loader API: what a fast path for one database provides."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep


class Loader:
    """Writes one row step into its table. Subclasses say which targets and steps they take."""

    #: Higher wins when several loaders accept a step; the generic loader is 0.
    priority: ClassVar[int] = 0
    name: ClassVar[str] = "loader"

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """True when this loader can write `step` into `target` with seedkit's semantics."""
        return False

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Write every row of the step by its mode, inside the caller's transaction; return rows."""
        raise NotImplementedError
