"""upsert and mirror need every key value: a NULL key is an error at its row.

A NULL never equals anything in SQL, so a row with a NULL key can be neither matched
by `ON CONFLICT` (upsert would insert it again on every apply) nor kept by mirror's
delete of rows "whose key is not in the source" (its NULL key is in no list, so the
row just written would be deleted again). seedkit refuses such a row instead of
guessing, naming its file, line and column and the step's `key`; the step's
transaction is rolled back, so nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from seedkit.errors import DataError, Location
from seedkit.manifest.models import Mode

if TYPE_CHECKING:
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.base import RowBatch


def keyed(load: LoadStep) -> bool:
    """True when the step's mode matches rows by key (upsert, mirror)."""
    return load.mode in (Mode.UPSERT, Mode.MIRROR)


def key_positions(load: LoadStep, columns: Sequence[str]) -> list[int]:
    """Where the step's key columns sit among `columns` (those the source has)."""
    lowered = [c.lower() for c in columns]
    return [lowered.index(k.lower()) for k in load.key if k.lower() in lowered]


def check_keys(
    load: LoadStep,
    columns: Sequence[str],
    batch: RowBatch,
    rows: Sequence[tuple[Any, ...]],
    positions: Sequence[int],
) -> None:
    """Raise a DataError at the first row of `rows` (from `batch`) with a NULL key value."""
    if not positions:
        return
    for index, row in enumerate(rows):
        for position in positions:
            if row[position] is None:
                raise null_key_error(load, columns[position], batch, index, position)


def null_key_error(
    load: LoadStep, column: str, batch: RowBatch, index: int, position: int
) -> DataError:
    """The error for a NULL in key column `column` of row `index` of `batch`."""
    located = load.source.locate_field(batch.location(index), position)
    where = Location(located.file, located.line, located.column, f"steps.{load.name}.key")
    mode = load.mode.value if load.mode else "upsert"
    return DataError(
        f"{load.source.describe_row(index)}key column `{column}` is NULL: a `{mode}` step matches rows by their key, and a "
        "row without one can be neither matched nor kept",
        location=where,
        hint="give the row its key value, or set `key` to columns that are never empty",
    )
