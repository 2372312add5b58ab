"""pg_dump's `OPERATOR(schema.op)` made the bare operator, where it is syntax.

pg_dump qualifies operators it writes in views, checks and defaults (`a OPERATOR(pg_catalog.=)
b`); no other database reads that form, and the bare operator means the same there. The
words may also stand inside a value or a comment, where they are data and must stay: the
pattern matches text, identifiers and comments first and gives them back whole.
"""

from __future__ import annotations

import re

# pg_dump's `OPERATOR(schema.op)`, found only outside text and comments: the alternatives
# before it (escape, quoted and dollar-quoted text, identifiers, comments) are kept whole.
_OPERATOR = re.compile(
    r"(?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*'"
    r"|'(?:[^']|'')*'"
    r"|(?<![\w$])(\$(?:[^\W\d]\w*)?\$)[\s\S]*?\1"
    r'|"(?:[^"]|"")*"'
    r"|--[^\n]*|/\*[\s\S]*?\*/"
    r"|\bOPERATOR\s*\(\s*(?:[\w$\"]+\.)?(?P<op>[^\s()\w\"]+)\s*\)",
    re.I,
)


def _bare(m: re.Match[str]) -> str:
    return m.group("op") or m.group(0)


def bare_operators(text: str) -> str:
    """`text` with each `OPERATOR(schema.op)` outside text and comments made `op`."""
    return _OPERATOR.sub(_bare, text)
