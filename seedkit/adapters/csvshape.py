"""The quoting of a CSV file, checked at the speed of bytes, and its records counted.

DuckDB's reader takes text seedkit's reader stops at: a quote inside an unquoted field
(`ab"c`), text after a closing quote (`"ab" ,`) or before an opening one (` "ab"`), a
lone carriage return. This module finds those, so that DuckDB's fast path can trust its
reader to split the file's records and fields where seedkit's would. It also counts the
records (trailing blank lines aside), which the loader compares with the rows DuckDB
took: DuckDB skips a blank line where seedkit's reader stops, and a filtered insert
leaves out rows, and either shows as a difference. How many fields a record has is not
checked here: DuckDB's reader, in strict mode, stops at a record with too many or too few.

Every quote character toggles between outside and inside a quoted field (a doubled
quote inside a field closes and reopens it, with nothing between), so the bytes
between quotes alternate: outside, inside, outside… Only the outside bytes have rules:
after a closing quote comes nothing, a delimiter or a line end; before an opening
quote, a delimiter or a line end (or the start of a line); a carriage return only
before a newline. Splitting and counting bytes are C loops: 100 MB take about a
quarter of a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seedkit.adapters.csvscan import NotVouched

if TYPE_CHECKING:
    from pathlib import Path

    from seedkit.sources.csvreader import CsvOptions

CHUNK_BYTES = 1 << 20
#: A line longer than this (in bytes) is left to seedkit's own reader.
MAX_LINE_BYTES = 8 << 20
_BOM = b"\xef\xbb\xbf"


def count_records(
    path: Path, options: CsvOptions, width: int, chunk_bytes: int = CHUNK_BYTES
) -> int:
    """The data records of a UTF-8 CSV file with a header of `width` fields, after
    checking its quoting; raises NotVouched at text DuckDB's reader would split
    otherwise than seedkit's."""
    quote = options.quote.encode()
    delimiter = options.delimiter.encode()
    after_close = {b"", delimiter[:1], b"\r", b"\n"}
    before_open = {b"", delimiter[-1:], b"\n"}
    inside = False  # whether the current chunk starts inside a quoted field
    records = 0  # line ends outside quotes, the header's included
    delimiters = 0  # delimiters outside quotes
    unended = 0  # 1 when the last record has no line end
    blank = 0  # line ends of blank lines not yet known to come before a record
    with open(path, "rb") as handle:
        if handle.read(len(_BOM)) != _BOM:
            handle.seek(0)
        chunk = handle.read(chunk_bytes)
        while chunk:
            chunk += handle.readline()  # chunks end with a line end, but the last
            if len(chunk) > chunk_bytes + MAX_LINE_BYTES:
                raise NotVouched("a line too long to vouch for")
            following = handle.read(chunk_bytes)
            if not following:  # trailing blank lines are no records, to either reader
                while chunk.endswith(b"\n"):
                    chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk[:-1]
                unended = 1 if chunk else 0
            pieces = chunk.split(quote)
            outside, quoted = (
                (pieces[1::2], pieces[0::2]) if inside else (pieces[0::2], pieces[1::2])
            )
            # Outside pieces that follow a quote (a closing one) and precede one (an
            # opening one); an empty piece before a quote is a doubled quote, or a line's
            # start at the chunk's start.
            after = outside if inside else outside[1:]
            before = outside[:-1] if len(pieces) % 2 == (0 if inside else 1) else outside
            if not after_close.issuperset([p[:1] for p in after]):
                raise NotVouched("text after a closing quote")
            if not before_open.issuperset([p[-1:] for p in before]):
                raise NotVouched("text before an opening quote")
            if len(delimiter) > 1 and not _multibyte_delimiters_ok(after, before, delimiter):
                raise NotVouched("text beside a quote")
            if b"\r" in chunk:
                bare = quote.join(outside)
                if bare.count(b"\r") != bare.count(b"\r\n"):
                    raise NotVouched("a carriage return alone")
            text = quote.join(quoted)
            if not inside and not chunk.strip(b"\r\n"):  # blank lines, or the file's end
                blank += chunk.count(b"\n")
                chunk = following
                continue
            records += blank + chunk.count(b"\n") - text.count(b"\n")
            blank = 0
            delimiters += chunk.count(delimiter) - text.count(delimiter)
            inside ^= len(pieces) % 2 == 0  # an odd number of quotes
            chunk = following
    if inside:
        raise NotVouched("a quoted field not closed")
    records += unended
    # DuckDB drops an empty field after the last: every record must have `width` fields.
    # (A record with fewer makes DuckDB stop, so more in one cannot hide behind it.)
    if delimiters != (width - 1) * records:
        raise NotVouched("a record with more fields than the header")
    return records - 1


def _multibyte_delimiters_ok(after: list[bytes], before: list[bytes], delimiter: bytes) -> bool:
    """The first and last bytes checked above are whole delimiters, not just their ends."""
    return all(not p or p.startswith((delimiter, b"\r", b"\n")) for p in after) and all(
        not p or p.endswith((delimiter, b"\n")) for p in before
    )
