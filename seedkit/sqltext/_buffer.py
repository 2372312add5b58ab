"""The window of text the SQL splitter scans: part of a text stream, refilled on demand.

seedkit splits .sql files of any size, so the splitter must not hold a whole file. It scans a
window over the text: a step that reaches the window's end without a settled answer reads more
(and is redone, so a string, comment or token cut between two chunks is seen whole), and the
text before a statement boundary is dropped. Positions are indexes into ``text``; reading only
appends, so they stay valid until ``release``. The window also keeps the line count, which
must survive the drops.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["CHUNK", "TextWindow"]

CHUNK = 1 << 16  # the least number of characters read at a time (tests shrink it)

# Characters kept before a released boundary: look-behinds and E'...' look back up to two.
_CONTEXT = 2
_NOT_WORD = re.compile(r"\W")


class TextWindow:
    """The text being scanned, from a ``read(size)`` callable returning "" only at the end.

    Reads at least as much as the window holds since the last boundary, so a statement longer
    than a chunk is scanned again only a bounded number of times (linear time overall).
    """

    def __init__(self, read: Callable[[int], str]) -> None:
        self._read = read
        self.text = ""
        self.base = 0  # where text[0] is in the whole stream
        self.eof = False
        self._anchor = 0  # the last statement boundary
        self.more()
        self._counted = 0  # line and last newline are known for positions before this
        self._line = 1
        self._last_newline = 0 if self.text.startswith("\ufeff") else -1

    def more(self) -> bool:
        """Append the next chunk of the stream; False when the stream is exhausted."""
        if self.eof:
            return False
        chunk = self._read(max(CHUNK, len(self.text) - self._anchor))
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def settled(self, end: int, need: int, word: bool = False) -> bool:
        """Whether an answer reaching ``end`` stands: ``need`` characters (and, with ``word``,
        some non-word character) follow it in the window, or the stream has no more. Otherwise
        reads more and returns False, and the caller redoes its step on the longer window."""
        if self.eof:
            return True
        text = self.text
        if len(text) >= end + need and (not word or _NOT_WORD.search(text, end) is not None):
            return True
        return not self.more()

    def fill(self, end: int) -> None:
        """Read until the window holds ``end`` characters or the stream is exhausted."""
        while len(self.text) < end and self.more():
            pass

    def release(self, pos: int) -> int:
        """Mark ``pos`` as a statement boundary; drop the text before it once that is at least
        half the window (so dropping costs linear time). Returns ``pos`` in the new window."""
        cut = pos - _CONTEXT
        if cut > 0 and pos >= len(self.text) // 2:
            self.locate(pos)  # count the lines of the text dropped
            self.text = self.text[cut:]
            self.base += cut
            self._counted -= cut
            self._last_newline -= cut
            pos = _CONTEXT
        self._anchor = pos
        return pos

    def locate(self, pos: int) -> tuple[int, int]:
        """Line and column of ``pos``; counts only the text since the last call, so calls must
        not go backwards (\\r\\n is one line break, as only \\n is counted)."""
        text = self.text
        self._line += text.count("\n", self._counted, pos)
        newline = text.rfind("\n", self._counted, pos)
        if newline >= 0:
            self._last_newline = newline
        self._counted = pos
        return self._line, pos - self._last_newline
