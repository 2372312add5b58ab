"""The splitter's shortcut for a plain statement: its end found by one regular expression.

Most statements of a dump (INSERTs above all) hold nothing but words, numbers and quoted
text: no comment, no dollar quote, no E'…' string, no BEGIN … END body. For those, one
regular expression consumes the whole statement (quoted text as the splitter reads it) up
to its `;`, instead of a token-by-token walk. Anything else (a comment mark, a dollar
sign, a quote after `e`, the window's end before the `;`) makes it give up, and the
splitter walks the statement as before, from its start; so the result is always the one
the walk would give.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["plain_end"]


@lru_cache(maxsize=8)
def _plain_body(dialect: str | None) -> re.Pattern[str]:
    """Everything a plain statement may hold before its `;`, in `dialect`'s quoting."""
    mysql = dialect == "mysql"
    special = ";'\"-/"
    if mysql:
        special += "#"
    if dialect in (None, "mysql", "sqlite"):
        special += "`"
    if dialect in (None, "postgres", "duckdb"):
        special += "$"
    parts = [f"[^{re.escape(special)}]++", r"-(?!-)", r"/(?!\*)"]
    if mysql:  # backslash escapes in both quotes
        parts += [r"'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'", r'"[^"\\]*+(?:(?:\\.|"")[^"\\]*+)*+"']
    else:  # a quote right after `e` may open an E'…' string: left to the walk
        parts += [r"(?<![eE])'[^']*+(?:''[^']*+)*+'", r'"[^"]*+(?:""[^"]*+)*+"']
    if "`" in special:
        parts.append(r"`[^`]*+(?:``[^`]*+)*+`")
    return re.compile("(?:" + "|".join(parts) + ")*+", re.DOTALL)


def plain_end(dialect: str | None, text: str, start: int) -> int | None:
    """Where the `;` ending the plain statement at `start` is; -1 when `text` may end before
    it (a longer window may tell); None when the statement is not plain."""
    end = _plain_body(dialect).match(text, start).end()  # type: ignore[union-attr]
    if end < len(text) and text[end] == ";":
        return end
    if end >= len(text) - 1:
        return -1
    quote = text[end]
    if quote in "'\"`" and text.find(quote, end + 1) < 0:
        return -1  # quoted text the window cuts
    return None
