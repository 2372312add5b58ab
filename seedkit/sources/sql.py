"""SqlSource: .sql files run as written, split into located statements."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seedkit.errors import Location, ManifestError
from seedkit.manifest.models import SqlOptionsModel
from seedkit.sources.base import LocatedRun, LocatedStatement, Source


class SqlSource(Source):
    """Statements from one .sql file or a sorted glob of them; a SQL source takes no mode."""

    kind = "sql"
    options_model = SqlOptionsModel
    is_sql = True

    def files(self) -> list[Path]:
        """The .sql files, sorted when a glob."""
        assert isinstance(self.options, SqlOptionsModel)
        return self.resolve_paths(self.options.path)

    def statements(self) -> Iterator[LocatedStatement]:
        """Every statement of every file, in order, with its file and first line."""
        dialect = self.context.manifest.model.project.dialect
        for path in self.files():
            yield from read_statements(path, dialect)

    def units(self, runs: bool | None) -> Iterator[LocatedStatement | LocatedRun]:
        """The statements, with runs of literal INSERTs as one unit each (`read_units`)."""
        dialect = self.context.manifest.model.project.dialect
        for path in self.files():
            yield from read_units(path, dialect, runs=runs)


def read_statements(
    path: Path, dialect: str | None, *, keep_copy: bool = False
) -> Iterator[LocatedStatement]:
    """The located statements of one SQL file (DDL files use this too), yielded as the file is
    read, so a dump of any size is held only a statement and a chunk at a time. A statement
    that controls the transaction is an error at its line (see seedkit.sources.txguard). A
    COPY block's data is read while its statement is the last yielded, unless ``keep_copy``
    (for a caller that collects the statements)."""
    for unit in read_units(path, dialect, keep_copy=keep_copy):
        assert isinstance(unit, LocatedStatement)
        yield unit


def read_units(
    path: Path, dialect: str | None, *, keep_copy: bool = False, runs: bool | None = None
) -> Iterator[LocatedStatement | LocatedRun]:
    """`read_statements`, with ``runs``: consecutive literal INSERTs with one head come as
    one LocatedRun (seedkit.sqltext.runs); True: runs to be sent in ``dialect`` itself,
    False: runs of literals every dialect reads alike (to be transpiled)."""
    from seedkit.errors import display_path
    from seedkit.sources.txguard import guard
    from seedkit.sqltext.runs import literal_runs
    from seedkit.sqltext.split import SqlStatement, split_units

    shown = display_path(path)
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise ManifestError(f"file not found: {shown}", location=Location(file=shown)) from None
    with raw:
        # mariadb-dump writes BLOB bytes as they are, and the mysql client sends them so:
        # MySQL files keep bytes that are not UTF-8 as surrogates, sent back as the bytes.
        reader = _Utf8Reader(raw, shown, "surrogateescape" if dialect == "mysql" else "strict")
        grammar = None if runs is None else literal_runs(dialect, runs)
        split = split_units(reader.read, dialect, source=shown, keep_copy=keep_copy, runs=grammar)
        # Transaction control and psql meta-commands are refused (seedkit.sources.txguard).
        yield from guard(
            LocatedStatement(s.text, shown, s.line, s.column, s.copy)
            if isinstance(s, SqlStatement)
            else LocatedRun(s, shown)
            for s in split
        )


class _Utf8Reader:
    """A file's text as ``Path.read_text(encoding="utf-8-sig")`` gives it (a leading BOM dropped,
    \\r\\n and \\r read as \\n), decoded a chunk at a time; a decoding error names the same byte
    offset as read_text's (counted after the BOM)."""

    def __init__(self, raw: BinaryIO, shown: str, errors: str = "strict") -> None:
        self._raw = raw
        self._shown = shown
        self._errors = errors
        self._pending = b""  # bytes read but not decoded yet: a cut character or BOM
        self._offset = 0  # where _pending starts, after the BOM
        self._bom_checked = False
        self._newlines = io.IncrementalNewlineDecoder(None, translate=True)
        self._done = False

    def read(self, size: int) -> str:
        """About ``size`` more characters; "" only at the end of the file."""
        while not self._done:
            data = self._raw.read(size)
            final = not data
            pending = self._pending + data if self._pending else data
            if not self._bom_checked:
                if len(pending) < 3 and not final:
                    self._pending = pending
                    continue
                self._bom_checked = True
                if len(pending) < 3 and codecs.BOM_UTF8.startswith(pending):
                    self._done = True  # the utf-8-sig codec reads such a file as empty
                    return ""
                if pending.startswith(codecs.BOM_UTF8):
                    pending = pending[3:]
            try:
                decoded, used = codecs.utf_8_decode(pending, self._errors, final)
            except UnicodeDecodeError as exc:
                raise ManifestError(
                    f"{self._shown} is not UTF-8 text ({exc.reason} at byte "
                    f"{self._offset + exc.start})",
                    location=Location(file=self._shown),
                    hint="save the file as UTF-8",
                ) from None
            self._pending = pending[used:]
            self._offset += used
            self._done = final
            text = self._newlines.decode(decoded, final)
            if text:
                return text
        return ""
