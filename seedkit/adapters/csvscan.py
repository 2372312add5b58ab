"""A chunk scanner that vouches for a CSV file so a database's own reader can load it.

The fast loaders hand a CSV file's text (COPY, LOAD DATA, DuckDB's reader, SQLite's
executemany) to the database instead of converting every field in Python. That is
only right when the database reads the text exactly as seedkit would: the same
fields, the same NULLs, the same values. This module checks it, a chunk at a time,
with one compiled regular expression per table: each field must match its column's
pattern, which accepts exactly the text seedkit's converter accepts (see
`seedkit.typerules`) in the forms the target reads identically. A chunk that does not
match raises `NotVouched`; the loader then falls back to seedkit's own reader, which
reports the problem at its file, line and column, or loads what the pattern did not
cover. Nothing here reads a whole file: chunks are about a megabyte.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.schema import Column
from seedkit.typerules import ANY_TEXT, reader_pattern

if TYPE_CHECKING:
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.csvreader import CsvOptions

CHUNK_CHARS = 1 << 20
#: A record longer than this (in characters) is left to seedkit's own reader.
MAX_RECORD_CHARS = 8 << 20


class NotVouched(Exception):
    """The scanner cannot vouch for this text; load it through seedkit's reader instead."""


def cast_pattern(column: Column) -> str | None:
    """The field pattern for a column DuckDB's read_csv casts from text as seedkit converts
    it (`seedkit.typerules`); None when that column must go through seedkit's converters."""
    return reader_pattern(column, "duckdb")


def re2_pattern(pattern: str) -> str:
    """A field pattern in RE2's syntax (DuckDB's regexp functions), which has no
    possessive quantifiers. The patterns above use them only where what follows cannot
    match the same characters, so the plain quantifier accepts exactly the same text."""
    return pattern.replace("++", "+").replace("*+", "*").replace("?+", "?")


@dataclass(frozen=True)
class CsvLayout:
    """What a fast loader needs of a CSV step: files, options, and the columns in order."""

    files: tuple[Path, ...]
    options: CsvOptions
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """The columns' names as the schema spells them, in the header's order."""
        return [c.name for c in self.columns]


def csv_layout(step: LoadStep) -> CsvLayout | None:
    """The layout of a CSV step the scanner can vouch for, or None.

    None when the source is not seedkit's CSV source, the table is unknown, a header
    names an unknown column, the file has no header, a single column (a blank line
    would be a NULL row to a database and nothing to seedkit), several NULL tokens, or
    an escape character other than the quote.
    """
    from seedkit.sources.csv import CsvSource
    from seedkit.sources.csvreader import CsvFile

    source, table = step.source, step.table
    if not isinstance(source, CsvSource) or table is None:
        return None
    options = source.reader_options()
    if not options.header or len(options.null) != 1 or options.escape not in (None, options.quote):
        return None
    if options.quote in ("\r", options.null[0]) or "\n" in options.null[0]:
        return None
    if any(c in options.null[0] for c in (options.quote, options.delimiter, "\r")):
        return None
    files = tuple(source.files())
    with CsvFile(files[0], options) as first:
        header = list(first.header)
    columns = [table.column(name) for name in header]
    if len(columns) < 2 or any(c is None for c in columns):
        return None
    return CsvLayout(files, options, tuple(c for c in columns if c is not None))


def record_regex(
    layout: CsvLayout, pattern_for: Callable[[Column], str | None], crlf: bool = True
) -> re.Pattern[str] | None:
    """The regex matching a run of whole records whose fields each match their column.

    `pattern_for` gives a column's field pattern (ANY_TEXT for any text), or None
    when the target cannot take the column's text as is: then there is no regex.
    A typed field may be quoted; an unquoted field equal to the NULL token is NULL.
    Records end with a newline, or with `\r\n` too when `crlf`.
    """
    opts = layout.options
    d, q = re.escape(opts.delimiter), re.escape(opts.quote)
    null = re.escape(opts.null[0])
    quoted = f"{q}[^{q}]*+(?:{q}{q}[^{q}]*+)*+{q}"
    plain = f"[^{d}{q}\\r\\n]*+"
    fields = []
    for column in layout.columns:
        pattern = pattern_for(column)
        if pattern is None:
            return None
        if pattern == ANY_TEXT:
            fields.append(f"(?:{quoted}|{plain})")
        else:
            # The NULL token, or the value bare or quoted; nothing else.
            fields.append(
                f"(?>{null}(?=[{d}\\r\\n])|(?:{pattern})(?=[{d}\\r\\n])|{q}(?:{pattern}){q})"
            )
    record = d.join(fields)
    end = "\\r?\\n" if crlf else "\\n"
    return re.compile(f"(?>{record}{end})*+")


def scan(
    path: Path, options: CsvOptions, regex: re.Pattern[str], chunk_chars: int = CHUNK_CHARS
) -> Iterator[str]:
    """The data records of `path` (after its header) as text chunks of whole, vouched records.

    Each chunk ends with a newline and holds about `chunk_chars` characters (smaller
    chunks hold the GIL for less time at a stretch, for loaders that use threads). The
    header is read and checked by seedkit's own reader; trailing blank lines are
    dropped. Raises NotVouched at the first text the regex does not accept (or that
    will not decode), before yielding it.
    """
    from seedkit.sources.csvreader import CsvFile

    with CsvFile(path, options) as csv_file:
        handle = csv_file._handle  # positioned just after the header record
        carry = ""
        try:
            while more := handle.read(chunk_chars):
                text = carry + more if carry else more
                end = regex.match(text).end()  # type: ignore[union-attr]
                if end:
                    yield text[:end]
                elif text[:1] in ("\r", "\n") or len(text) > MAX_RECORD_CHARS:
                    raise NotVouched("a blank line, or a record too long to vouch for")
                carry = text[end:]
        except UnicodeDecodeError:
            raise NotVouched("not valid in its encoding") from None
    if carry.strip("\r\n"):
        last = carry if carry.endswith("\n") else carry + "\n"
        if regex.fullmatch(last) is None:
            raise NotVouched("text the pattern does not accept")
        yield last


def quoted_empty_marker(options: CsvOptions, sentinel: str) -> Callable[[str], str]:
    """A function rewriting every quoted empty field of vouched text as `"<sentinel>"`.

    For readers that cannot tell `,"",` (an empty string) from `,,` (NULL). Quoted
    fields are matched whole from the chunk's start, so a doubled quote inside one is
    never mistaken for an empty field.
    """
    q = re.escape(options.quote)
    pattern = re.compile(f"({q}[^{q}]*+(?:{q}{q}[^{q}]*+)*+{q})")
    empty = options.quote * 2
    marked = options.quote + sentinel + options.quote

    def replace(match: re.Match[str]) -> str:
        text = match.group(1)
        return marked if text == empty else text

    def mark(chunk: str) -> str:
        return pattern.sub(replace, chunk) if empty in chunk else chunk

    return mark


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while chunks of rows are built and dropped.

    A chunk makes some hundred thousand lists and strings and no reference cycles;
    the collector would otherwise walk every live object many times per chunk.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
