"""What earlier steps loaded, read by a source during a dry run (generated foreign keys).

The executor already gives a row source a `TableReader` on the dry run's connection: the
DryRunAdapter's engine wraps the session's own in-memory DuckDB, so a source reads the
rows the dry run loaded. The dry-run loader swaps in this `DryRunReader` for the step
so what goes wrong is a located problem of the seed, not a database error: a table
that is not there (or a column it lacks) is reported at the step's source in the
manifest, and a parent that has no rows yet makes the source's own error a
`foreign_key` problem (the step reads its parents before they are loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seedkit.errors import DataError, Location
from seedkit.sources.base import TableReader

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter


class DryRunReader(TableReader):
    """A TableReader over the dry run's DuckDB that locates its failures at `where`
    (the step's source in the manifest) and notes which parents it found empty."""

    def __init__(self, conn: sa.Connection, target: Adapter, where: Location) -> None:
        super().__init__(conn, target, where)
        #: Tables read that had no rows: the step ran before its parents were loaded.
        self.empty: list[str] = []

    def column_values(self, table: str, column: str, limit: int | None = None) -> list[Any]:
        """The distinct values of `table.column` the dry run holds so far."""
        if not self._target.table_exists(self._conn, table):
            raise DataError(
                f"`{table}` is not a table of this seed, so `{table}.{column}` cannot be read",
                location=self.where,
                hint=f"create `{table}` in the DDL, and seed it in an earlier step",
            )
        values = super().column_values(table, column, limit)
        if not values:
            self.empty.append(table)
        return values
