"""ParquetSource: Parquet files read with DuckDB, streamed in batches.

DuckDB (already a dependency) reads the file in an in-memory connection of the
source's own, one slice of `size` rows at a time (a filter on the file's row number,
which DuckDB uses to skip row groups), so memory stays flat as files grow.
Values arrive with the file's own types (integers, decimals, dates, timestamps,
strings, nested lists and structs) and are then typed by the target column like every
other row source (`seedkit.sources.values.typed_value`): a string column feeding an
integer column is read like CSV text, a float feeding an integer column is an error.
Zoned timestamps arrive in UTC (and, as in CSV, are refused by a timestamp column
without zone). Errors name the file, the row group and the row
inside it (both counted from 0, as Parquet tools do), and the file's row number.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from pydantic import Field

from seedkit.errors import DataError, Location, display_path
from seedkit.manifest.models import Strict
from seedkit.sources.base import Source
from seedkit.sources.json import BadValue, tuple_converter
from seedkit.sources.values import KeyedRowBatch

if TYPE_CHECKING:
    import duckdb

    from seedkit.schema import Table

_ROW_NUMBER = "file_row_number"


class ParquetOptions(Strict):
    """`source = { kind = "parquet", path = "…" }`."""

    path: str = Field(
        description="Parquet file or glob, relative to the manifest; globs load sorted."
    )


class ParquetSource(Source):
    """Rows from Parquet files, typed by the target table."""

    kind = "parquet"
    options_model = ParquetOptions

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._schemas: dict[Path, list[tuple[str, str]]] = {}

    @property
    def _options(self) -> ParquetOptions:
        assert isinstance(self.options, ParquetOptions)
        return self.options

    def files(self) -> list[Path]:
        """The Parquet files, sorted when a glob."""
        return self.resolve_paths(self._options.path, "path")

    def file_columns(self, path: Path) -> list[tuple[str, str]]:
        """(name, DuckDB type) of each column of one file."""
        if path not in self._schemas:
            with _connect() as con:
                rows = _query(
                    con, path, "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
                ).fetchall()
            self._schemas[path] = [(str(r[0]), str(r[1])) for r in rows]
        return self._schemas[path]

    def columns(self, table: Table | None) -> list[str]:
        """The columns of the first file."""
        return [name for name, _ in self.file_columns(self.files()[0])]

    def count_rows(self) -> int:
        """Rows in every file, from the files' metadata."""
        total = 0
        with _connect() as con:
            for path in self.files():
                sql = "SELECT count(*) FROM read_parquet(?)"
                total += int(_query(con, path, sql, [str(path)]).fetchone()[0])
        return total

    def validate(self, table: Table | None) -> None:
        """Every file's columns name columns of the table, and all files share one set."""
        first: list[str] | None = None
        for path in self.files():
            names = [name for name, _ in self.file_columns(path)]
            if table is not None:
                for name in names:
                    if table.column(name) is None:
                        raise DataError(
                            f"the file's column `{name}` names no column of table "
                            f"{table.qualified_name}",
                            location=Location.in_file(path, key=name),
                            hint="columns: " + ", ".join(c.name for c in table.columns),
                        )
            if first is not None and [n.lower() for n in names] != [n.lower() for n in first]:
                raise DataError(
                    "columns differ from the first file of the glob",
                    location=Location.in_file(path),
                    hint="files of one step must share one set of columns, in one order",
                )
            first = names

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[KeyedRowBatch]:
        """Typed rows in batches of at most `size`, located by row group and row."""
        names = tuple(self.columns(table))
        convert = tuple_converter(names, table)
        for path in self.files():
            shown = display_path(path)
            with _connect() as con:
                starts, total = _row_group_starts(con, path)
                zoned = [i for i, (_, t) in enumerate(self.file_columns(path)) if _is_zoned(t)]
                select = ", ".join(_select_expr(n, t) for n, t in self.file_columns(path))
                sql = (
                    f"SELECT {select}, {_ROW_NUMBER} "
                    f"FROM read_parquet(?, file_row_number = true) "
                    f"WHERE {_ROW_NUMBER} >= ? AND {_ROW_NUMBER} < ?"
                )
                # One query per slice: DuckDB materialises a result, so slicing by the row
                # number (pushed down to skip row groups) is what keeps memory flat.
                for start in range(0, total, size):
                    fetched = _query(con, path, sql, [str(path), start, start + size]).fetchall()
                    if zoned:
                        fetched = [_with_utc(record, zoned) for record in fetched]
                    rows: list[tuple[Any, ...]] = []
                    for record in fetched:
                        try:
                            rows.append(convert(record))
                        except BadValue as bad:
                            raise DataError(
                                f"column `{bad.name}`: {bad.reason}",
                                location=Location(file=shown, key=_where(starts, int(record[-1]))),
                                hint=bad.hint,
                            ) from None
                    keys = _Keys(starts, [int(r[-1]) for r in fetched])
                    yield KeyedRowBatch(names, rows, shown, keys=keys)


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _query(con: duckdb.DuckDBPyConnection, path: Path, sql: str, params: list[Any]) -> Any:
    import duckdb

    try:
        return con.execute(sql, params)
    except duckdb.Error as exc:
        raise DataError(
            f"cannot read Parquet: {str(exc).splitlines()[0]}",
            location=Location.in_file(path),
            hint="is it a Parquet file?",
        ) from None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_zoned(type_name: str) -> bool:
    return type_name.upper() in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")


def _with_utc(record: tuple[Any, ...], zoned: list[int]) -> tuple[Any, ...]:
    """The record with its zoned timestamps (read as UTC wall time) marked as UTC again."""
    values = list(record)
    for i in zoned:
        if values[i] is not None:
            values[i] = values[i].replace(tzinfo=dt.UTC)
    return tuple(values)


def _select_expr(name: str, type_name: str) -> str:
    """The column as selected: zoned timestamps as UTC wall time (DuckDB would need pytz to
    return them zoned; `_with_utc` marks them UTC again), zoned times as text."""
    upper = type_name.upper()
    if _is_zoned(type_name):
        return f"timezone('UTC', {_quote(name)}) AS {_quote(name)}"
    if upper in ("TIME WITH TIME ZONE", "TIMETZ"):
        return f"CAST({_quote(name)} AS VARCHAR) AS {_quote(name)}"
    return _quote(name)


def _row_group_starts(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[int], int]:
    """The file row number each row group starts at, in order, and the file's rows."""
    sql = (
        "SELECT row_group_id, max(row_group_num_rows) FROM parquet_metadata(?) "
        "GROUP BY row_group_id ORDER BY row_group_id"
    )
    starts: list[int] = []
    total = 0
    for _, count in _query(con, path, sql, [str(path)]).fetchall():
        starts.append(total)
        total += int(count)
    return starts or [0], total


def _where(starts: list[int], row: int) -> str:
    group = bisect.bisect_right(starts, row) - 1
    return f"row group {group}, row {row - starts[group]} (file row {row})"


class _Keys(Sequence[str]):
    """Row keys (`row group G, row R (file row N)`), made only when an error asks for one."""

    def __init__(self, starts: list[int], numbers: list[int]) -> None:
        self._starts = starts
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [_where(self._starts, n) for n in self._numbers[index]]
        return _where(self._starts, self._numbers[index])
