"""A streaming CSV reader that knows whether each field was quoted.

Python's csv module cannot tell `,,` from `,"",`, but seedkit's rule needs it: an
unquoted field equal to one of the `null` tokens is NULL, a quoted field is always
text. Lines without a quote take a plain `str.split`; the rest are checked and split
by compiled regular expressions, so no Python code runs per character.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from seedkit.errors import DataError, Location, ManifestError

_QUOTE_HINT = 'double a quote inside a quoted field ("") and quote a value that holds one'


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV file is written; one instance per source, built from seed.toml."""

    delimiter: str = ","
    quote: str = '"'
    escape: str | None = None
    encoding: str = "utf-8"
    null: tuple[str, ...] = ("",)
    header: bool = True
    #: With `header = False`: the columns the fields fill, in order (the table's columns).
    names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        chars = {"delimiter": self.delimiter, "quote": self.quote, "escape": self.escape}
        for name, char in chars.items():
            if char is not None and (len(char) != 1 or char in "\r\n"):
                raise ManifestError(f"csv {name} must be one character other than a newline")
        if self.delimiter in (self.quote, self.escape):
            raise ManifestError("csv delimiter must differ from the quote and escape characters")


@dataclass(frozen=True)
class CsvRecord:
    """One record: its first physical line (1-based) and its fields (None for NULL)."""

    line: int
    fields: list[str | None]


def _strip_eol(raw: str) -> str:
    if raw.endswith("\n"):
        return raw[:-2] if raw.endswith("\r\n") else raw[:-1]
    return raw


class CsvFile:
    """An open CSV file: its header and its records, streamed one record at a time.

    `records()` (or `batches()`) can be iterated once; the file stays open until
    `close()` or the end of a `with` block.
    """

    header: list[str]
    header_line: int

    def __init__(self, path: Path, options: CsvOptions) -> None:
        self.path = Path(path)
        self.options = options
        try:
            encoding = codecs.lookup(options.encoding).name
        except LookupError:
            raise ManifestError(
                f"unknown encoding {options.encoding!r}",
                location=Location.in_file(self.path),
                hint='use a Python codec name such as "utf-8", "cp1252" or "latin-1"',
            ) from None
        # utf-8-sig skips a BOM when there is one and reads plain UTF-8 otherwise.
        self._encoding = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
        self._escape = options.escape if options.escape != options.quote else None
        d, q, e = (
            re.escape(c) if c else "" for c in (options.delimiter, options.quote, self._escape)
        )
        if e:
            body = f"[^{q}{e}]*+(?:(?:{q}{q}|{e}.)[^{q}{e}]*+)*+"
            self._unescape_re: re.Pattern[str] | None = re.compile(f"{e}([{q}{e}])|{q}{q}", re.S)
        else:
            body = f"[^{q}]*+(?:{q}{q}[^{q}]*+)*+"
            self._unescape_re = None
        plain = f"[^{d}{q}\\n]*+"
        self._quoted_re = re.compile(f"{q}{body}{q}", re.S)
        self._plain_re = re.compile(plain)
        self._record_re = re.compile(f"(?:(?:{q}{body}{q}|{plain}){d})+", re.S)
        # Groups: the opening quote (set only for a quoted field), its body, an unquoted field.
        self._field_re = re.compile(f"(?:({q})({body}){q}|({plain})){d}", re.S)
        self._nulls = frozenset(options.null)
        self._started = False
        self._pending: tuple[int, str] | None = None
        self._handle = self._open()
        try:
            self._read_header()
        except BaseException:
            self.close()
            raise

    def _open(self) -> IO[str]:
        try:
            # newline="\n": only \n ends a line, and \r\n inside quoted fields is kept as is.
            return open(self.path, encoding=self._encoding, newline="\n")
        except OSError as exc:
            raise ManifestError(
                f"cannot open CSV file: {exc.strerror}", location=Location.in_file(self.path)
            ) from None

    def _read_header(self) -> None:
        first = self._next_text(self._handle, 0)
        self._lineno = first[2] if first else 0
        if not self.options.header:
            self._pending = first[:2] if first else None
            self.header_line = first[0] if first else 0
            width = len(self._split(first[1], frozenset())) if first else 0
            given = self.options.names
            self.header = list(given) if given else [f"column{i}" for i in range(1, width + 1)]
            return
        if first is None:
            raise DataError(
                "the file is empty, but a header record was expected",
                location=Location.in_file(self.path, line=1),
                hint="add a header line with the column names, or set header = false",
            )
        self.header_line, text, _ = first
        names = [(f or "").strip() for f in self._split(text, frozenset())]
        for i, name in enumerate(names):
            problem = "" if name else f"column {i + 1} of the header has no name"
            if name in names[:i]:
                problem = f"duplicate column name {name!r} in the header"
            if problem:
                line, column = self._position(self.header_line, text, self._scan(text)[0][i])
                raise DataError(
                    problem,
                    location=Location.in_file(self.path, line=line, column=column),
                    hint="give every column a unique, non-empty name, or set header = false",
                )
        self.header = names

    def records(self) -> Iterator[CsvRecord]:
        """The data records in file order, checked against the header width; streamed."""
        if self._started:
            raise RuntimeError("CsvFile.records() can be iterated only once")
        self._started = True
        return self._records()

    def _records(self) -> Iterator[CsvRecord]:
        # The loop of _next_text, inlined with the splitting: this is the hot path.
        width, d, q = len(self.header), self.options.delimiter, self.options.quote
        nulls, split, all_quoted, gather = self._nulls, self._split, self._all_quoted, self._gather
        only_empty = nulls == frozenset([""])
        if self._pending is not None:
            first = split(self._pending[1], nulls)
            if len(first) != width:  # header = false with the table's columns as names
                raise self._ragged(self._pending[0], len(first), width)
            yield CsvRecord(self._pending[0], first)
        lines, lineno = self._handle, self._lineno
        try:
            for raw in lines:
                lineno += 1
                start = lineno
                text = raw if raw[-1:] != "\n" else raw[:-2] if raw[-2:-1] == "\r" else raw[:-1]
                if q not in text:
                    if not text:
                        continue
                    if only_empty:
                        fields = [f or None for f in text.split(d)]
                    else:
                        fields = [None if f in nulls else f for f in text.split(d)]
                elif (quoted := all_quoted(text)) is not None:
                    fields = quoted
                else:
                    text, lineno = gather(text, raw, lineno, lines)
                    fields = split(text, nulls)
                if len(fields) != width:
                    raise self._ragged(start, len(fields), width)
                yield CsvRecord(start, fields)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None

    def batches(self, size: int = 10_000) -> Iterator[list[CsvRecord]]:
        """The records in lists of at most `size`, so inserts can go in bulk."""
        if size < 1:
            raise ValueError("batch size must be at least 1")
        records = self.records()
        while batch := list(islice(records, size)):
            yield batch

    def field_column(self, line: int, index: int) -> int:
        """The 1-based character column where field `index` of the record at `line` starts.

        Used to locate an error in a value after the fact, so it re-reads the file
        rather than making every record carry its offsets.
        """
        with self._open() as handle:
            lineno = 0
            while (found := self._next_text(handle, lineno)) and found[0] <= line:
                start, text, lineno = found
                if start == line:
                    starts = self._scan(text)[0]
                    pos = starts[index] if index < len(starts) else len(text)
                    return self._position(start, text, pos)[1]
        return 1

    def close(self) -> None:
        """Close the file; records can no longer be read."""
        self._handle.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _next_text(self, lines: IO[str], lineno: int) -> tuple[int, str, int] | None:
        """The next record after line `lineno`: (first line, text without line end, last line)."""
        try:
            for raw in lines:
                lineno += 1
                text = _strip_eol(raw)
                if self.options.quote in text:
                    return (lineno, *self._gather(text, raw, lineno, lines))
                if text:
                    return lineno, text, lineno
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None
        return None

    def _gather(self, text: str, raw: str, lineno: int, lines: IO[str]) -> tuple[str, int]:
        """Check a record holding quotes, reading on while a quoted field is open.

        Returns the whole record text and its last line; raises on a malformed one.
        """
        if self._record_re.fullmatch(text + self.options.delimiter):
            return text, lineno
        start, q = lineno, self.options.quote
        _, problem, pos = self._scan(text)
        parts = [raw]
        while problem == "open":
            # The open field can only end on a line that holds a quote.
            while True:
                more = next(lines, None)
                if more is None:
                    raise self._syntax_error("open", start, text, pos)
                lineno += 1
                parts.append(more)
                if q in more:
                    break
            text = _strip_eol("".join(parts))
            _, problem, pos = self._scan(text, pos)
        if problem:
            raise self._syntax_error(problem, start, text, pos)
        return text, lineno

    def _all_quoted(self, text: str) -> list[str | None] | None:
        """Fast split of a one-line record whose every field is quoted with no quote inside."""
        q, esc = self.options.quote, self._escape
        if len(text) < 2 or not text[0] == q == text[-1] or (esc and esc in text):
            return None
        inner = text[1:-1]
        fields: list[str | None] = inner.split(q + self.options.delimiter + q)  # type: ignore[assignment]
        # Sound only when every quote inside belongs to a `","` separator.
        return fields if inner.count(q) == 2 * len(fields) - 2 else None

    def _split(self, text: str, nulls: frozenset[str]) -> list[str | None]:
        """Split a checked record into fields; unquoted null tokens become None."""
        d, q = self.options.delimiter, self.options.quote
        if q not in text:
            return [None if f in nulls else f for f in text.split(d)]
        if self._unescape_re is None:
            qq = q + q
            return [
                (body.replace(qq, q) if qq in body else body)
                if opened
                else (None if plain in nulls else plain)
                for opened, body, plain in self._field_re.findall(text + d)
            ]
        unescape = self._unescape_re.sub
        return [
            unescape(lambda m: m.group(1) or q, body)
            if opened
            else (None if plain in nulls else plain)
            for opened, body, plain in self._field_re.findall(text + d)
        ]

    def _scan(self, text: str, pos: int = 0) -> tuple[list[int], str | None, int]:
        """Walk a record field by field from `pos` (a field start).

        Returns the start of each field and the first problem with its position:
        "open" (a quote never closed), "junk" (text after a closing quote) or
        "stray" (a quote inside an unquoted field); None when the record is fine.
        """
        starts, n, q, d = [], len(text), self.options.quote, self.options.delimiter
        while True:
            starts.append(pos)
            if text.startswith(q, pos):
                m = self._quoted_re.match(text, pos)
                if m is None:
                    return starts, "open", pos
                pos, problem = m.end(), "junk"
            else:
                pos, problem = self._plain_re.match(text, pos).end(), "stray"  # type: ignore[union-attr]
            if pos >= n:
                return starts, None, pos
            if text[pos] != d:
                return starts, problem, pos
            pos += 1

    def _position(self, start: int, text: str, pos: int) -> tuple[int, int]:
        """The (line, 1-based column) of character `pos` of a record starting on line `start`."""
        return start + text.count("\n", 0, pos), pos - text.rfind("\n", 0, pos)

    def _syntax_error(self, problem: str, start: int, text: str, pos: int) -> DataError:
        line, column = self._position(start, text, pos)
        message = {
            "open": "quoted field is never closed",
            "junk": f"unexpected {text[pos]!r} after a closing quote",
            "stray": "quote character inside an unquoted field",
        }[problem]
        return DataError(
            message,
            location=Location.in_file(self.path, line=line, column=column),
            hint=_QUOTE_HINT,
        )

    def _ragged(self, line: int, count: int, width: int) -> DataError:
        other = "the header has" if self.options.header else "the first row has"
        tail = ""
        if not self.options.header and self.options.names:
            other, tail = "the table has", " columns (header = false: one field a column, in order)"
        return DataError(
            f"row has {count} fields, {other} {width}{tail}",
            location=Location.in_file(self.path, line=line),
            hint=f"quote values that contain the delimiter {self.options.delimiter!r}, "
            "and check for a missing or extra delimiter",
        )

    def _decode_error(self, exc: UnicodeDecodeError) -> DataError:
        # The text layer decodes ahead in blocks, so re-read to find the line.
        decoder, line = codecs.getincrementaldecoder(self._encoding)(), 1
        with open(self.path, "rb") as handle:
            for chunk in handle:
                try:
                    line += decoder.decode(chunk).count("\n")
                except UnicodeDecodeError:
                    break
        return DataError(
            f"the file is not valid {self.options.encoding}: {exc.reason}",
            location=Location.in_file(self.path, line=line),
            hint='set `encoding` for this source to the one the file was saved in (e.g. "cp1252")',
        )
