"""RowsSource: rows written inline in seed.toml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from seedkit.errors import DataError, Location
from seedkit.schema import Table
from seedkit.sources.base import RowBatch, Source


class RowsOptions(BaseModel):
    """Inline rows: a list of tables, one per row, keys naming columns."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rows: list[dict[str, Any]]


class RowsSource(Source):
    """Rows from the manifest itself; TOML dates and datetimes stay dates and datetimes."""

    kind = "rows"
    options_model = RowsOptions

    @property
    def _rows(self) -> list[dict[str, Any]]:
        assert isinstance(self.options, RowsOptions)
        return self.options.rows

    def columns(self, table: Table | None) -> list[str]:
        """Every key used by any row, in first-seen order."""
        seen: dict[str, None] = {}
        for row in self._rows:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def count_rows(self) -> int:
        """The number of inline rows."""
        return len(self._rows)

    def validate(self, table: Table | None) -> None:
        """Every key must be a column of the table."""
        if table is None:
            return
        for index, row in enumerate(self._rows):
            for name in row:
                if table.column(name) is None:
                    raise DataError(
                        f"row {index + 1} names column `{name}`, which table "
                        f"{table.qualified_name} does not have",
                        location=self.context.locate(),
                        hint="columns: " + ", ".join(c.name for c in table.columns),
                    )

    def locate_field(self, where: Location, field: int) -> Location:
        """`where` (the `rows` line) with the manifest key `steps.NAME.rows`."""
        return Location(where.file, where.line, None, self.context.locate().key)

    def describe_row(self, index: int) -> str:
        """`row N, ` for messages: every inline row shares the `rows` line."""
        return f"row {index + 1}, "

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[RowBatch]:
        """One batch of converted rows (inline rows are few)."""
        from seedkit.types import python_value

        names = self.columns(table)
        columns = [table.column(n) if table else None for n in names]
        loc = self.context.locate()
        out: list[tuple[Any, ...]] = []
        for index, row in enumerate(self._rows):
            values = []
            for name, column in zip(names, columns, strict=True):
                value = row.get(name)
                if value is not None and column is not None:
                    try:
                        value = python_value(column, value)
                    except ValueError as exc:
                        raise DataError(
                            f"row {index + 1}, column `{name}`: {exc}",
                            location=Location(loc.file, loc.line, loc.column, loc.key),
                            hint=f"give a value of type {column.type}",
                        ) from None
                values.append(value)
            out.append(tuple(values))
        lines = [loc.line or 0] * len(out)
        yield RowBatch(tuple(names), out, loc.file, lines)
