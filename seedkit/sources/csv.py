"""CsvSource: CSV files typed by the target table's columns, never by guessing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from seedkit.errors import DataError, Location, ManifestError, display_path
from seedkit.manifest.models import CsvOptionsModel
from seedkit.schema import Table
from seedkit.sources.base import RowBatch, Source


class CsvSource(Source):
    """One CSV file or a sorted glob of them, with the step's options over [defaults].csv."""

    kind = "csv"
    options_model = CsvOptionsModel

    @property
    def _options(self) -> CsvOptionsModel:
        assert isinstance(self.options, CsvOptionsModel)
        return self.options

    def files(self) -> list[Path]:
        """The CSV files, sorted when a glob."""
        key = ("path",) if self._is_table() else ()
        return self.resolve_paths(self._options.path, *key)

    def _is_table(self) -> bool:
        step = self.context.manifest.model.steps.get(self.context.step)
        return step is None or not isinstance(step.csv, str)

    def reader_options(self) -> Any:
        """The CsvOptions for the reader: the step's options over the manifest's defaults."""
        from seedkit.sources.csvreader import CsvOptions

        defaults = self.context.manifest.model.defaults.csv
        merged: dict[str, Any] = {}
        where: dict[str, Location] = {}
        for name in ("delimiter", "quote", "escape", "encoding", "null", "header"):
            value = getattr(self._options, name)
            where[name] = self.context.locate(name) if self._is_table() else self.context.locate()
            if value is None:
                value = getattr(defaults, name)
                where[name] = self.context.manifest.locate("defaults", "csv", name)
            if value is not None:
                merged[name] = tuple(value) if name == "null" else value
        for name in ("delimiter", "quote", "escape"):
            char = merged.get(name)
            if char is not None and (len(char) != 1 or char in "\r\n"):
                raise ManifestError(
                    f"csv `{name}` must be one character other than a newline, not {char!r}",
                    location=where[name],
                    hint=f'for example {name} = ","' if name == "delimiter" else None,
                )
        if merged.get("delimiter", ",") in (merged.get("quote", '"'), merged.get("escape")):
            raise ManifestError(
                "csv `delimiter` must differ from the quote and escape characters",
                location=where["delimiter"],
            )
        return CsvOptions(**merged)

    def _open(self, path: Path, table: Table | None = None, named: bool = False) -> Any:
        """The file opened by the step's options. Without a header (`header = false`) the
        fields fill the table's columns in the table's order; `named` asks for those names,
        which needs the table."""
        from dataclasses import replace

        from seedkit.sources.csvreader import CsvFile

        options = self.reader_options()
        if named and not options.header:
            if table is None:
                raise ManifestError(
                    "with header = false the fields fill the table's columns in order, "
                    "and this table's columns are not known",
                    location=self.context.locate("header")
                    if self._is_table()
                    else self.context.locate(),
                    hint="declare the table in the DDL (or create it on the target first), "
                    "or give the file a header line",
                )
            options = replace(options, names=tuple(c.name for c in table.columns))
        return CsvFile(path, options)

    def columns(self, table: Table | None) -> list[str]:
        """The header of the first file (the table's columns when it has none)."""
        with self._open(self.files()[0], table, named=True) as csv_file:
            return list(csv_file.header)

    def validate(self, table: Table | None) -> None:
        """Every file's header names columns of the table, and all files share one header."""
        first: list[str] | None = None
        for path in self.files():
            with self._open(path, table, named=table is not None) as csv_file:
                header = list(csv_file.header)
                if table is not None:
                    for index, name in enumerate(header):
                        if table.column(name) is None:
                            raise DataError(
                                f"header names column `{name}`, which table "
                                f"{table.qualified_name} does not have",
                                location=Location.in_file(
                                    path,
                                    csv_file.header_line,
                                    csv_file.field_column(csv_file.header_line, index),
                                ),
                                hint="columns: " + ", ".join(c.name for c in table.columns),
                            )
                if first is not None and [h.lower() for h in header] != [h.lower() for h in first]:
                    raise DataError(
                        "header differs from the first file of the glob",
                        location=Location.in_file(path, csv_file.header_line),
                        hint="files of one step must share one header",
                    )
                first = header

    def locate_field(self, where: Location, field: int) -> Location:
        """`where` (a record's file and line) with the column where field `field` starts."""
        if where.file is None or where.line is None:
            return where
        for path in self.files():
            if display_path(path) == where.file:
                with self._open(path) as csv_file:
                    column = csv_file.field_column(where.line, field)
                return Location(where.file, where.line, column, where.key)
        return where

    def count_rows(self) -> int:
        """Records in every file (streams through them)."""
        total = 0
        for path in self.files():
            with self._open(path) as csv_file:
                for _ in csv_file.records():
                    total += 1
        return total

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[RowBatch]:
        """Typed rows, converted by each column's type; a bad value names file, line, column."""
        for path in self.files():
            yield from self.file_batches(path, table, size)

    def file_batches(
        self,
        path: Path,
        table: Table | None,
        size: int = 10_000,
        on_bad_value: Callable[[DataError], None] | None = None,
    ) -> Iterator[RowBatch]:
        """`batches` of one of the files. With `on_bad_value`, a value that will not convert
        is passed to it as the error `batches` raises, and its row left out: the dry run
        reports every bad value, file by file, and goes on."""
        with self._open(path, table, named=True) as csv_file:
            header = tuple(csv_file.header)
            converters = _converters(header, table)
            shown = display_path(path)
            for records in csv_file.batches(size):
                rows: list[tuple[Any, ...]] = []
                kept: list[int] | None = None  # the rows' lines, once a row is left out
                for index, record in enumerate(records):
                    try:
                        rows.append(
                            tuple(
                                v if v is None else conv(v)
                                for conv, v in zip(converters, record.fields, strict=True)
                            )
                        )
                    except ValueError:
                        try:
                            _raise_bad_value(csv_file, path, header, converters, record, table)
                        except DataError as exc:
                            if on_bad_value is None:
                                raise
                            on_bad_value(exc)
                            if kept is None:
                                kept = [r.line for r in records[:index]]
                            continue
                    if kept is not None:
                        kept.append(record.line)
                lines = kept if kept is not None else [r.line for r in records]
                yield RowBatch(header, rows, shown, lines)


def _identity(value: str) -> str:
    return value


def _converters(header: tuple[str, ...], table: Table | None) -> list[Callable[[str], Any]]:
    from seedkit.types import converter_for

    result: list[Callable[[str], Any]] = []
    for name in header:
        column = table.column(name) if table else None
        result.append(converter_for(column) if column is not None else _identity)
    return result


def _raise_bad_value(
    csv_file: Any,
    path: Path,
    header: tuple[str, ...],
    converters: list[Callable[[str], Any]],
    record: Any,
    table: Table | None,
) -> None:
    for index, (conv, value) in enumerate(zip(converters, record.fields, strict=True)):
        if value is None:
            continue
        try:
            conv(value)
        except ValueError as exc:
            column = table.column(header[index]) if table else None
            type_name = column.type if column else "its type"
            raise DataError(
                f"column `{header[index]}`: {exc}",
                location=Location.in_file(
                    path, record.line, csv_file.field_column(record.line, index)
                ),
                hint=f"write a value of type {type_name}, or leave the field empty for NULL",
            ) from None
