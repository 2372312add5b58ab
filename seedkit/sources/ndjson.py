"""NdjsonSource: newline-delimited JSON, one object per line, streamed in batches.

Values are typed by the target column like every other row source, numbers parsed
exactly. Blank lines are skipped. Errors name the file, the line and, for a bad
value, the column of its key: `data/x.ndjson:7:30 [price]`. The file is read twice:
once (at plan time) to learn the keys, count the rows and find syntax errors before
any database work, once to load; memory stays flat either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from seedkit.errors import DataError, Location, display_path
from seedkit.manifest.models import Strict
from seedkit.sources.base import RowBatch
from seedkit.sources.json import (
    BadValue,
    KeyScan,
    ObjectFileSource,
    row_converter,
)
from seedkit.sources.jsonstream import json_type

if TYPE_CHECKING:
    from seedkit.schema import Table


class NdjsonOptions(Strict):
    """`source = { kind = "ndjson", path = "…" }`."""

    path: str = Field(
        description="NDJSON file or glob (one object per line), relative to the manifest."
    )


class NdjsonSource(ObjectFileSource):
    """Rows from NDJSON (JSON Lines) files, typed by the target table."""

    kind = "ndjson"
    options_model = NdjsonOptions

    @property
    def _options(self) -> NdjsonOptions:
        assert isinstance(self.options, NdjsonOptions)
        return self.options

    def files(self) -> list[Path]:
        """The NDJSON files, sorted when a glob."""
        return self.resolve_paths(self._options.path, "path")

    def _read_keys(self, path: Path) -> KeyScan:
        """Keys (with the line each first appears on) and objects (non-blank lines)."""
        keys: dict[str, int] = {}
        rows = 0
        for number, _, item in _objects(path):
            rows += 1
            for name in item:
                keys.setdefault(name, number)
        return KeyScan(keys, rows)

    def validate(self, table: Table | None) -> None:
        """Every line parses as an object, and every key names a column of the table."""
        for path in self.files():
            scan = self._scan(path)
            if table is None:
                continue
            for name, line in scan.keys.items():
                if table.column(name) is None:
                    raise DataError(
                        f"key `{name}` names no column of table {table.qualified_name}",
                        location=Location.in_file(path, line, key=name),
                        hint="columns: " + ", ".join(c.name for c in table.columns),
                    )

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[RowBatch]:
        """Typed rows in batches of at most `size`; a bad value names its line and key."""
        names = tuple(self.columns(table))
        convert = row_converter(names, table)
        for path in self.files():
            shown = display_path(path)
            rows: list[tuple[Any, ...]] = []
            lines: list[int] = []
            for number, text, item in _objects(path):
                try:
                    rows.append(convert(item))
                except BadValue as bad:
                    raise DataError(
                        f"key `{bad.name}`: {bad.reason}",
                        location=Location.in_file(
                            path, number, _key_column(text, bad.name), key=bad.name
                        ),
                        hint=bad.hint,
                    ) from None
                lines.append(number)
                if len(rows) >= size:
                    yield RowBatch(names, rows, shown, lines)
                    rows, lines = [], []
            if rows:
                yield RowBatch(names, rows, shown, lines)


def _objects(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, line text, object) for every non-blank line; errors located by line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text, parse_float=Decimal)
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"invalid JSON: {exc.msg}",
                        location=Location.in_file(path, number, exc.colno),
                        hint="each line holds one JSON object",
                    ) from None
                if not isinstance(item, dict):
                    raise DataError(
                        f"the line holds a JSON {json_type(item)}, not an object",
                        location=Location.in_file(path, number, 1),
                        hint="each line is one row: an object whose keys name columns",
                    )
                yield number, text, item
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            location=Location.in_file(path),
            hint="NDJSON files are read as UTF-8",
        ) from None


def _key_column(text: str, name: str) -> int | None:
    """The 1-based column where `"name":` is written on the line, when it can be found."""
    quoted = json.dumps(name, ensure_ascii=False)
    at = text.find(quoted)
    return at + 1 if at >= 0 else None
