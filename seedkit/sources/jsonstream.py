"""Stream the elements of one JSON array inside a document, one element at a time.

`array_items(path, pointer)` yields `(index, value)` for each element of the array that
`pointer` names (dotted keys and indexes, or an RFC 6901 JSON Pointer; none: the
document itself). The file is read in chunks of `CHUNK_SIZE` bytes into a text buffer;
the reader walks the objects and arrays on the pointer's path itself and decodes
everything else with `json.JSONDecoder.raw_decode` (numbers as Decimal), so memory stays
bounded by one element plus a chunk. The exception: a value skipped on the way to the
array (a sibling of a key or index on the path, before or after it) is decoded whole, so
it is held in memory while it is skipped; keep big data inside the array.

The whole document is still checked, as by `json.loads`: a syntax error anywhere, even
after the array, is reported at the line and column `json.loads` gives for the same text
(lines and columns count characters after universal-newline translation, as
`Path.read_text` does), and a byte that is not UTF-8 anywhere in the file is reported
before a syntax error. A pointer that names nothing, or a value that is not an array, is
reported only after the rest of the document has been checked, so a syntax error comes
first, as with a whole parse. One difference: when a key on the pointer's path appears
twice in one object, the first is followed (`json.loads` keeps the last).
"""

from __future__ import annotations

import codecs
import io
import json
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from seedkit.errors import DataError, Location

CHUNK_SIZE = 1 << 20
"""Bytes read from the file at a time."""

# A value decoded up to this close to the end of the buffer may go on past it (a number
# cut after `12` or `1.5e`), and an error this close may be the cut itself: read more and
# decode again. Truncation never shows further back, except in an unterminated string.
_MARGIN = 16
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Python 3.13 reports `[1,]` as an illegal trailing comma at the comma; before, as a
# missing value at the bracket.
_TRAILING_COMMA_ERRORS = sys.version_info >= (3, 13)


def pointer_parts(pointer: str | None) -> list[str]:
    """The keys and indexes of a pointer: dotted (`data.items`) or RFC 6901 (`/data/items`)."""
    if not pointer:
        return []
    if pointer.startswith("/"):
        return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    return pointer.split(".")


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type: object, array, string, boolean, null, number."""
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


def array_items(path: Path, pointer: str | None) -> Iterator[tuple[int, Any]]:
    """Each `(index, element)` of the array `pointer` names in the JSON file at `path`.

    Raises DataError for text that is not UTF-8, a syntax error (with line and column),
    a pointer that names nothing, or a value there that is not an array.
    """
    with path.open("rb") as handle:
        reader = _Reader(path, handle)
        walk = _Walk(reader, pointer)
        yield from walk.value(0)
        if reader.peek():
            raise reader.syntax_error("Extra data", reader.pos)
        if walk.problem is not None:
            raise walk.problem


class _Reader:
    """A text buffer over the file: `buf[pos:]` is unread; read text is dropped as it grows."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.hold: int | None = None  # a position to keep in the buffer (a comma)
        self._handle = handle
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = io.IncrementalNewlineDecoder(self._utf8, translate=True)
        self._first = True
        self._fed = 0  # bytes decoded so far, after any BOM
        self._base = 0  # characters dropped before buf[0]
        self._line = 1  # the line of buf[0]
        self._line_start = 0  # where that line starts, in characters from the file's start
        self._decoder = json.JSONDecoder(parse_float=Decimal)

    def _chunk(self, size: int) -> str:
        """The next `size` bytes or so, decoded; sets `eof` at the end of the file."""
        data = raw = self._handle.read(max(size, 3))
        if self._first:
            self._first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
        pending = len(self._utf8.getstate()[0])
        try:
            text: str = self._text.decode(data, final=not raw)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"not UTF-8 text ({exc.reason} at byte {self._fed - pending + exc.start})",
                location=Location.in_file(self.path),
                hint="JSON files are read as UTF-8",
            ) from None
        self._fed += len(data)
        self.eof = not raw
        return text

    def _read(self, size: int) -> None:
        """Drop the read text, then add at least `size` characters (fewer at end of file)."""
        cut = self.pos if self.hold is None else min(self.pos, self.hold)
        if cut:
            newlines = self.buf.count("\n", 0, cut)
            if newlines:
                self._line += newlines
                self._line_start = self._base + self.buf.rfind("\n", 0, cut) + 1
            self._base += cut
            self.buf = self.buf[cut:]
            self.pos -= cut
            if self.hold is not None:
                self.hold -= cut
        parts = [self.buf]
        added = 0
        while added < size and not self.eof:
            text = self._chunk(max(CHUNK_SIZE, size - added))
            parts.append(text)
            added += len(text)
        self.buf = "".join(parts)

    def peek(self) -> str:
        """Move past whitespace to the next character and return it ('' at end of file)."""
        while True:
            match = _WHITESPACE.match(self.buf, self.pos)
            assert match is not None  # the pattern matches the empty string
            self.pos = match.end()
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self._read(CHUNK_SIZE)

    def value(self) -> Any:
        """Decode the value at the position and move past it."""
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                final = exc.pos < len(self.buf) - _MARGIN
                if self.eof or (final and not exc.msg.startswith("Unterminated string")):
                    raise self.syntax_error(exc.msg, exc.pos) from None
            else:
                if self.eof or end < len(self.buf) - _MARGIN:
                    self.pos = end
                    return value
            # Read as much again as is unread, so a long value is decoded a few times only.
            self._read(max(CHUNK_SIZE, len(self.buf) - self.pos))

    def syntax_error(self, message: str, pos: int) -> DataError:
        """The error for `message` at `pos` of the buffer, located as `json.loads` would."""
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            column = pos - self.buf.rfind("\n", 0, pos)
        else:
            column = self._base + pos - self._line_start + 1
        # A whole-file read fails on a non-UTF-8 byte before parsing: look for one first.
        while not self.eof:
            self._chunk(CHUNK_SIZE)
        return DataError(
            f"invalid JSON: {message}",
            location=Location.in_file(self.path, self._line + newlines, column),
            hint="fix the syntax at that place",
        )

    def members(self) -> Iterator[str]:
        """Each key of the object at the position; the caller reads each value after its key."""
        self.pos += 1
        char = self.peek()
        if char == "}":
            self.pos += 1
            return
        while True:
            if char != '"':
                raise self.syntax_error(
                    "Expecting property name enclosed in double quotes", self.pos
                )
            key = self.value()
            if self.peek() != ":":
                raise self.syntax_error("Expecting ':' delimiter", self.pos)
            self.pos += 1
            self.peek()
            yield key
            char = self._after_item("}", "object")
            if not char:
                return

    def elements(self) -> Iterator[None]:
        """Stop at each element of the array at the position; the caller reads each one."""
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield None
            if not self._after_item("]", "array"):
                return

    def _after_item(self, close: str, kind: str) -> str:
        """After a member or element: '' past the closing bracket, else the next character."""
        char = self.peek()
        if char == close:
            self.pos += 1
            return ""
        if char != ",":
            raise self.syntax_error("Expecting ',' delimiter", self.pos)
        self.hold = self.pos
        self.pos += 1
        char = self.peek()
        comma, self.hold = self.hold, None
        if _TRAILING_COMMA_ERRORS and char == close:
            raise self.syntax_error(f"Illegal trailing comma before end of {kind}", comma)
        return char or " "  # at end of file the next read reports what is missing


class _Walk:
    """Follows a pointer through the document, yielding the elements of the array it names."""

    def __init__(self, reader: _Reader, pointer: str | None) -> None:
        self.reader = reader
        self.pointer = pointer
        self.parts = pointer_parts(pointer)
        self.problem: DataError | None = None

    def value(self, depth: int) -> Iterator[tuple[int, Any]]:
        """Walk the value at the reader's position, `depth` parts down the pointer."""
        reader = self.reader
        char = reader.peek()
        if depth == len(self.parts):
            if char == "[":
                for index, _ in enumerate(reader.elements()):
                    yield index, reader.value()
            else:
                self._not_an_array(reader.value())
            return
        part = self.parts[depth]
        found = False
        if char == "{":
            keys: dict[str, None] = {}
            for key in reader.members():
                if key == part and not found:
                    found = True
                    yield from self.value(depth + 1)
                    continue
                reader.value()
                if len(keys) < 20:
                    keys.setdefault(key)
            if not found:
                hint = "keys there: " + ", ".join(f"`{k}`" for k in keys)
                self._missing(depth, "object", hint)
        elif char == "[":
            wanted = int(part) if part.isascii() and part.isdigit() else -1
            count = 0
            for index, _ in enumerate(reader.elements()):
                count = index + 1
                if index == wanted:
                    found = True
                    yield from self.value(depth + 1)
                else:
                    reader.value()
            if not found:
                hint = f"an array of {count} items: index it with 0…{max(count - 1, 0)}"
                self._missing(depth, "array", hint)
        else:
            kind = json_type(reader.value())
            self._missing(depth, kind, "the pointer goes below a plain value")

    def _missing(self, depth: int, kind: str, hint: str) -> None:
        where = ".".join(self.parts[:depth]) or "the document"
        self.problem = DataError(
            f"`pointer` {self.pointer!r}: {where} ({kind}) has no `{self.parts[depth]}`",
            location=Location.in_file(self.reader.path, key=self.pointer),
            hint=hint,
        )

    def _not_an_array(self, found: Any) -> None:
        where = f"`pointer` {self.pointer!r} names" if self.pointer else "the file is"
        self.problem = DataError(
            f"{where} a JSON {json_type(found)}, not an array of objects",
            location=Location.in_file(self.reader.path, key=self.pointer or None),
            hint='set `pointer` to the array inside the document, e.g. pointer = "data.items"',
        )
