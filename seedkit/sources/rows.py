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

    def omits_columns(self) -> bool:
        """True when a row leaves out a column another row gives."""
        every = set(self.columns(None))
        return any(set(row) != every for row in self._rows)

    def validate(self, table: Table | None) -> None:
        """Every key must be a column of the table."""
        if table is None:
            return
        for index, row in enumerate(self._rows):
            for name in row:
                if table.column(name) is None:
                    raise DataError(
                        f"this row names column `{name}`, which table "
                        f"{table.qualified_name} does not have",
                        location=self.row_location(index),
                        hint="columns: " + ", ".join(c.name for c in table.columns),
                    )

    def locate_field(self, where: Location, field: int) -> Location:
        """`where`: each row's location is already its own table in seed.toml."""
        return where

    def describe_row(self, index: int) -> str:
        """Nothing: the location names the row (`[steps.x.rows][2]`)."""
        return ""

    def row_location(self, index: int) -> Location:
        """Where row `index` (from 0) is written: `seed.toml:21:5 [steps.x.rows][2]`."""
        return self.context.manifest.locate_item(self.context.key, index)

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[RowBatch]:
        """One batch of converted rows (inline rows are few). A column a row leaves out
        is marked omitted, so the writer leaves it out and the database's default applies."""
        from seedkit.types import python_value

        names = self.columns(table)
        columns = [table.column(n) if table else None for n in names]
        out: list[tuple[Any, ...]] = []
        locations: list[Location] = []
        omitted: list[frozenset[int]] = []
        for index, row in enumerate(self._rows):
            values = []
            where = self.row_location(index)
            for name, column in zip(names, columns, strict=True):
                value = row.get(name)
                if value is not None and column is not None:
                    try:
                        value = python_value(column, value)
                    except ValueError as exc:
                        raise DataError(
                            f"column `{name}`: {exc}",
                            location=where,
                            hint=f"give a value of type {column.type}",
                        ) from None
                values.append(value)
            out.append(tuple(values))
            locations.append(where)
            omitted.append(frozenset(i for i, name in enumerate(names) if name not in row))
        yield RowBatch(
            tuple(names),
            out,
            locations[0].file if locations else None,
            [loc.line or 0 for loc in locations],
            locations,
            omitted,
        )
