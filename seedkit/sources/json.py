"""JsonSource: an array of objects in a JSON file, or one found by a `pointer` inside it.

Each object is a row, its keys name columns; values are typed by the target column
(`seedkit.sources.values.typed_value`), numbers parsed exactly (as Decimal) so a
`NUMERIC(18, 4)` column gets the digits the file has. A missing key is NULL, like an
empty CSV field. Errors name the file and the item: `data/x.json [data.items[3].price]`
(indexes count from 0, as in JSON tools).

The whole document is parsed at once; for files too large for memory use `ndjson`
or `parquet`, which stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from seedkit.errors import DataError, Location, display_path
from seedkit.manifest.models import Strict
from seedkit.sources.base import Source
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


class JsonSource(Source):
    """Rows from JSON arrays of objects, typed by the target table."""

    kind = "json"
    options_model = JsonOptions

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._parsed: dict[Path, list[dict[str, Any]]] = {}

    @property
    def _options(self) -> JsonOptions:
        assert isinstance(self.options, JsonOptions)
        return self.options

    def files(self) -> list[Path]:
        """The JSON files, sorted when a glob."""
        return self.resolve_paths(self._options.path, "path")

    def _prefix(self) -> str:
        return self._options.pointer or ""

    def items(self, path: Path) -> list[dict[str, Any]]:
        """The objects of one file (parsed once, then kept)."""
        if path not in self._parsed:
            self._parsed[path] = self._read(path)
        return self._parsed[path]

    def _read(self, path: Path) -> list[dict[str, Any]]:
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                location=Location.in_file(path),
                hint="JSON files are read as UTF-8",
            ) from None
        except json.JSONDecodeError as exc:
            raise DataError(
                f"invalid JSON: {exc.msg}",
                location=Location.in_file(path, exc.lineno, exc.colno),
                hint="fix the syntax at that place",
            ) from None
        found = _follow(doc, self._options.pointer, path)
        if not isinstance(found, list):
            where = (
                f"`pointer` {self._prefix()!r} names" if self._options.pointer else "the file is"
            )
            raise DataError(
                f"{where} a JSON {_json_type(found)}, not an array of objects",
                location=Location.in_file(path, key=self._prefix() or None),
                hint='set `pointer` to the array inside the document, e.g. pointer = "data.items"',
            )
        for index, item in enumerate(found):
            if not isinstance(item, dict):
                raise DataError(
                    f"item {index} is a JSON {_json_type(item)}, not an object",
                    location=Location.in_file(path, key=f"{self._prefix()}[{index}]"),
                    hint="each item is one row: an object whose keys name columns",
                )
        return found

    def columns(self, table: Table | None) -> list[str]:
        """Every key used by any object of any file, in first-seen order."""
        seen: dict[str, None] = {}
        for path in self.files():
            for item in self.items(path):
                seen.update(dict.fromkeys(item))
        return list(seen)

    def count_rows(self) -> int:
        """The number of objects in every file."""
        return sum(len(self.items(path)) for path in self.files())

    def validate(self, table: Table | None) -> None:
        """Every file parses, and every key names a column of the table."""
        for path in self.files():
            items = self.items(path)
            if table is None:
                continue
            for index, item in enumerate(items):
                for name in item:
                    if table.column(name) is None:
                        raise DataError(
                            f"key `{name}` names no column of table {table.qualified_name}",
                            location=Location.in_file(
                                path, key=f"{self._prefix()}[{index}].{name}"
                            ),
                            hint="columns: " + ", ".join(c.name for c in table.columns),
                        )

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[KeyedRowBatch]:
        """Typed rows; a value that does not fit its column names the file, index and key."""
        names = tuple(self.columns(table))
        convert = row_converter(names, table)
        prefix = self._prefix()
        for path in self.files():
            shown = display_path(path)
            items = self.items(path)
            for start in range(0, len(items), size):
                rows: list[tuple[Any, ...]] = []
                for index in range(start, min(start + size, len(items))):
                    try:
                        rows.append(convert(items[index]))
                    except BadValue as bad:
                        raise DataError(
                            f"item {index}, key `{bad.name}`: {bad.reason}",
                            location=Location.in_file(path, key=f"{prefix}[{index}].{bad.name}"),
                            hint=bad.hint,
                        ) from None
                keys = [f"{prefix}[{i}]" for i in range(start, start + len(rows))]
                yield KeyedRowBatch(names, rows, shown, keys=keys)


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


def _follow(doc: Any, pointer: str | None, path: Path) -> Any:
    """The value `pointer` names inside `doc` (dotted keys, or an RFC 6901 JSON Pointer)."""
    if not pointer:
        return doc
    if pointer.startswith("/"):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    else:
        parts = pointer.split(".")
    current = doc
    walked: list[str] = []
    for part in parts:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            where = ".".join(walked) or "the document"
            raise DataError(
                f"`pointer` {pointer!r}: {where} ({_json_type(current)}) has no `{part}`",
                location=Location.in_file(path, key=pointer),
                hint=_keys_hint(current),
            )
        walked.append(part)
    return current


def _keys_hint(value: Any) -> str:
    if isinstance(value, dict):
        return "keys there: " + ", ".join(f"`{k}`" for k in list(value)[:20])
    if isinstance(value, list):
        return f"an array of {len(value)} items: index it with 0…{max(len(value) - 1, 0)}"
    return "the pointer goes below a plain value"


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
