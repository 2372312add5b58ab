"""JsonSource: an array of objects in a JSON file, or one found by a `pointer` inside it.

Each object is a row, its keys name columns; values are typed by the target column
(`seedkit.sources.values.typed_value`), numbers parsed exactly (as Decimal) so a
`NUMERIC(18, 4)` column gets the digits the file has. A missing key is NULL, like an
empty CSV field. Errors name the file and the item: `data/x.json [data.items[3].price]`
(indexes count from 0, as in JSON tools).

The file is streamed (`seedkit.sources.jsonstream`): one element of the array is in
memory at a time, plus a chunk of the file. It is read once at plan time to learn the
keys, count the rows and find syntax and shape errors before any database work, then
once more to load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from seedkit.errors import DataError, Location, display_path
from seedkit.manifest.models import Strict
from seedkit.sources.base import Source
from seedkit.sources.jsonstream import array_items, json_type
from seedkit.sources.values import KeyedRowBatch

if TYPE_CHECKING:
    from seedkit.schema import Column, Table


class JsonOptions(Strict):
    """`source = { kind = "json", path = "…", pointer = "…" }`."""

    path: str = Field(description="JSON file or glob, relative to the manifest; globs load sorted.")
    pointer: str | None = Field(
        None,
        description=(
            "Where the array of objects is inside the document: dotted keys and indexes "
            "('data.items', 'pages.0.rows') or a JSON Pointer ('/data/items'). "
            "Default: the document itself."
        ),
    )


@dataclass
class KeyScan:
    """What one pass over a file of objects found: each key with where it first appears
    (an item's index, or a line), and how many objects there are."""

    keys: dict[str, int]
    rows: int


class ObjectFileSource(Source):
    """A source of files of JSON objects (`json`, `ndjson`): one pass per file learns its
    keys and counts its objects, and is kept; loading streams the file again."""

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._scans: dict[Path, KeyScan] = {}

    def _scan(self, path: Path) -> KeyScan:
        if path not in self._scans:
            self._scans[path] = self._read_keys(path)
        return self._scans[path]

    def _read_keys(self, path: Path) -> KeyScan:
        """One pass over `path`: its keys and its number of objects."""
        raise NotImplementedError

    def columns(self, table: Table | None) -> list[str]:
        """Every key used by any object of any file, in first-seen order."""
        seen: dict[str, None] = {}
        for path in self.files():
            seen.update(dict.fromkeys(self._scan(path).keys))
        return list(seen)

    def count_rows(self) -> int:
        """The number of objects in every file."""
        return sum(self._scan(path).rows for path in self.files())


class JsonSource(ObjectFileSource):
    """Rows from JSON arrays of objects, typed by the target table."""

    kind = "json"
    options_model = JsonOptions

    @property
    def _options(self) -> JsonOptions:
        assert isinstance(self.options, JsonOptions)
        return self.options

    def files(self) -> list[Path]:
        """The JSON files, sorted when a glob."""
        return self.resolve_paths(self._options.path, "path")

    def _prefix(self) -> str:
        return self._options.pointer or ""

    def _not_an_object(self, path: Path, index: int, item: Any) -> DataError:
        return DataError(
            f"item {index} is a JSON {json_type(item)}, not an object",
            location=Location.in_file(path, key=f"{self._prefix()}[{index}]"),
            hint="each item is one row: an object whose keys name columns",
        )

    def _read_keys(self, path: Path) -> KeyScan:
        """Keys (with the first item that has each) and objects of one file, streamed."""
        keys: dict[str, int] = {}
        rows = 0
        bad: DataError | None = None
        for index, item in array_items(path, self._options.pointer):
            if not isinstance(item, dict):
                # Read on: a syntax error further down is reported first, as before.
                if bad is None:
                    bad = self._not_an_object(path, index, item)
                continue
            rows += 1
            for name in item:
                keys.setdefault(name, index)
        if bad is not None:
            raise bad
        return KeyScan(keys, rows)

    def objects(self, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each `(index, object)` of one file, streamed."""
        for index, item in array_items(path, self._options.pointer):
            if not isinstance(item, dict):
                raise self._not_an_object(path, index, item)
            yield index, item

    def validate(self, table: Table | None) -> None:
        """Every file parses, and every key names a column of the table."""
        for path in self.files():
            scan = self._scan(path)
            if table is None:
                continue
            # Keys are in first-seen order, so the first unknown one is the first in the file.
            for name, index in scan.keys.items():
                if table.column(name) is None:
                    raise DataError(
                        f"key `{name}` names no column of table {table.qualified_name}",
                        location=Location.in_file(path, key=f"{self._prefix()}[{index}].{name}"),
                        hint="columns: " + ", ".join(c.name for c in table.columns),
                    )

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[KeyedRowBatch]:
        """Typed rows; a value that does not fit its column names the file, index and key."""
        names = tuple(self.columns(table))
        convert = row_converter(names, table)
        prefix = self._prefix()
        for path in self.files():
            shown = display_path(path)
            rows: list[tuple[Any, ...]] = []
            start = 0
            for index, item in self.objects(path):
                try:
                    rows.append(convert(item))
                except BadValue as bad:
                    raise DataError(
                        f"item {index}, key `{bad.name}`: {bad.reason}",
                        location=Location.in_file(path, key=f"{prefix}[{index}].{bad.name}"),
                        hint=bad.hint,
                    ) from None
                if len(rows) == size:
                    yield _batch(names, rows, shown, prefix, start)
                    start += len(rows)
                    rows = []
            if rows:
                yield _batch(names, rows, shown, prefix, start)


def _batch(
    names: tuple[str, ...], rows: list[tuple[Any, ...]], shown: str, prefix: str, start: int
) -> KeyedRowBatch:
    keys = [f"{prefix}[{i}]" for i in range(start, start + len(rows))]
    return KeyedRowBatch(names, rows, shown, keys=keys)


class BadValue(ValueError):
    """A value that does not fit its column: which key, why, and what to write instead."""

    def __init__(self, name: str, reason: str, column: Column | None) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason
        self.hint = (
            f"give a value of type {column.type}, or null" if column else "give another value"
        )


def row_converter(
    names: tuple[str, ...], table: Table | None
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from one object to the typed row for `names`; raises BadValue naming the key."""
    tuple_convert = tuple_converter(names, table)

    def convert(item: dict[str, Any]) -> tuple[Any, ...]:
        return tuple_convert(tuple(item.get(name) for name in names))

    return convert


def tuple_converter(
    names: tuple[str, ...], table: Table | None
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function from native values in `names` order to the typed row; raises BadValue."""
    from seedkit.sources.values import value_converter

    columns = [table.column(name) if table else None for name in names]
    converters = [value_converter(c) for c in columns]
    pairs = list(zip(names, columns, converters, strict=True))

    def convert(values: tuple[Any, ...]) -> tuple[Any, ...]:
        try:
            return tuple(conv(v) for conv, v in zip(converters, values, strict=False))
        except ValueError:
            pass
        for (name, column, conv), value in zip(pairs, values, strict=False):
            try:
                conv(value)
            except ValueError as exc:
                raise BadValue(name, str(exc), column) from None
        raise AssertionError("unreachable: a converter failed only once")

    return convert
