"""The data of a `COPY … FROM stdin` block in a SQL script, as psql reads it.

pg_dump writes each table's rows as `COPY t (a, b) FROM stdin;` followed by the rows, one
per line, up to a line `\\.`. The SQL splitter (seedkit.sqltext.split) recognises such a
statement and hands its data lines with it, read from the script as they are iterated, so
a table of any size streams through without being held; the splitter goes on after the
`\\.` line once the statement's consumer is done with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["COPY_FROM_STDIN", "END_OF_DATA", "CopyData"]

#: A statement whose data follows it in the script (psql's `COPY … FROM STDIN`).
COPY_FROM_STDIN = re.compile(r"copy\s.*\bfrom\s+stdin\b", re.IGNORECASE | re.DOTALL)
#: The line ending a block.
END_OF_DATA = re.compile(r"^\\\.\r?$", re.MULTILINE)


class CopyData:
    """The data of one COPY block, without its closing ``\\.``: as text chunks of whole
    lines (``chunks``, to stream) or as ``(line number, text)`` pairs (``lines``).

    The data is read from the script while the splitter waits at the statement, so it can
    be iterated once, before the next statement is asked for. A splitter told to keep it
    (a list of all the statements, as ``split_sql`` returns) stores what the consumer did
    not read, and then it can be iterated any number of times.
    """

    def __init__(self, line: int, live: Iterator[str]) -> None:
        self.line = line  # the first data line
        self._live = live
        self._taken = False
        self._kept: list[str] | None = None

    def chunks(self) -> Iterator[str]:
        """The data as text chunks, each ending at the end of a line."""
        if self._kept is not None:
            return iter(self._kept)
        if self._taken:
            raise RuntimeError(f"the COPY data from line {self.line} was read already")
        self._taken = True
        return self._live

    def lines(self) -> Iterator[tuple[int, str]]:
        """The data lines, each with its line number in the script."""
        number = self.line
        for chunk in self.chunks():
            for text in chunk.split("\n")[:-1]:
                yield number, text
                number += 1

    def finish(self, keep: bool) -> None:
        """Read what the consumer left of the block (the splitter goes on after it),
        keeping it for a later iteration when asked and when the consumer read none."""
        if keep and not self._taken:
            self._kept = list(self._live)
        else:
            for _ in self._live:
                pass
        self._taken = True
