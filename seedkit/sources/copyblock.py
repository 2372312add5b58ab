"""The data of a `COPY … FROM stdin` block in a SQL script, as psql reads it.

pg_dump writes each table's rows as `COPY t (a, b) FROM stdin;` followed by the rows, one
per line, up to a line `\\.`. The SQL splitter (seedkit.sources.sqlsplit) recognises such a
statement and hands its data lines with it, read from the script as they are iterated, so
a table of any size streams through without being held; the splitter goes on after the
`\\.` line once the statement's consumer is done with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["COPY_FROM_STDIN", "CopyData"]

#: A statement whose data follows it in the script (psql's `COPY … FROM STDIN`).
COPY_FROM_STDIN = re.compile(r"copy\s.*\bfrom\s+stdin\b", re.IGNORECASE | re.DOTALL)


class CopyData:
    """The data lines of one COPY block: ``(line number, text)`` pairs, without their
    newlines and without the closing ``\\.``.

    The lines are read from the script while the splitter waits at the statement, so they
    can be iterated once, before the next statement is asked for. A splitter told to keep
    them (a list of all the statements, as ``split_sql`` returns) stores the lines the
    consumer did not read, and then they can be iterated any number of times.
    """

    def __init__(self, line: int, live: Iterator[tuple[int, str]]) -> None:
        self.line = line  # the first data line
        self._live = live
        self._taken = False
        self._kept: list[tuple[int, str]] | None = None

    def lines(self) -> Iterator[tuple[int, str]]:
        """The block's data lines, each with its line number in the script."""
        if self._kept is not None:
            return iter(self._kept)
        if self._taken:
            raise RuntimeError(f"the COPY data from line {self.line} was read already")
        self._taken = True
        return self._live

    def finish(self, keep: bool) -> None:
        """Read what the consumer left of the block (the splitter goes on after it),
        keeping it for a later `lines()` when asked and when the consumer read none."""
        if keep and not self._taken:
            self._kept = list(self._live)
        else:
            for _ in self._live:
                pass
        self._taken = True
