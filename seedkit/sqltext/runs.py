"""Runs of literal INSERTs, recognized in the file's text by one regular expression.

A dump writes its data as thousands of consecutive statements of one form, `INSERT INTO t
(a, b) VALUES (1, 'x');`, differing only in their literals. Splitting each one, locating
it and handing it on costs far more Python than the database spends on its row. So the
splitter (seedkit.sqltext.split, with ``runs``) tries, where a statement starts with
INSERT, to match a whole run of such statements at once: the same head (`INSERT INTO t
(a, b) VALUES`, character for character), tuples of plain literals only, each statement
ended by its `;`. The run is kept as one piece of text and the offsets are not even
computed: `InsertRun.tuples` finds each statement's tuples when they are sent, and
`InsertRun.statements` gives back the very statements, lines and columns the splitter
would have yielded one by one (for a statement that must be named in an error, or a
consumer that cannot take a run whole).

What a literal is (`literal_runs`): in ``exact`` runs, sent in the dialect they are
written in, any literal the dialect reads as a constant (quoted text, numbers with
exponents, NULL, TRUE, FALSE); in portable runs, which another dialect will read, only
literals every dialect reads alike and sqlglot writes back unchanged (seedkit.
transpile_shapes): text without the MySQL backslash escapes, integers and decimals,
NULL, TRUE, FALSE. Nothing that could hide a comment, a delimiter or a dollar quote is
a literal, so a run splits exactly as the statement-by-statement walk splits it
(tests/sqltext/test_literal_runs.py compares both over the corpora).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["RUN_CHARS", "RUN_STATEMENTS", "InsertRun", "RunGrammar", "literal_runs"]

#: Statements of one run, at most (a longer run is cut into several), and the characters
#: the splitter reads ahead to find them (a run ends at the window's end).
RUN_STATEMENTS = 1000
RUN_CHARS = 1 << 17

_WORDS = r"(?i:null|true|false)"
_EXACT_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PORTABLE_NUMBER = r"-?\d+(?:\.\d+)?"
_QUOTED = r"'[^']*+(?:''[^']*+)*+'"
_MYSQL_QUOTED = r"'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'"
_MYSQL_PORTABLE = r"'[^'\\]*+(?:''[^'\\]*+)*+'"
_BARE = r"[^\W\d]\w*+"


@dataclass(frozen=True)
class RunGrammar:
    """The patterns of literal INSERT runs in one dialect: the first statement (naming its
    head), and for a head, a run of statements sharing it."""

    tuples: str  # one statement's tuples, as a regular expression
    head: str  # any plain head, as a regular expression
    quoted: str  # quoted text, as a regular expression
    first: re.Pattern[str] = field(compare=False)

    def run(self, head: str) -> re.Pattern[str]:
        """Up to RUN_STATEMENTS statements with this very head, each with its `;` and the
        blank space after it."""
        return _run_pattern(self.tuples, head, RUN_STATEMENTS)

    def statement(self, head: str) -> re.Pattern[str]:
        """One statement with this head; group 1 is its tuples."""
        return _statement_pattern(self.tuples, head)

    def cut(self, head: str) -> re.Pattern[str]:
        """One statement with this head, in a run already matched (so only quoted text and
        its `;` need telling apart, which is quicker); group 1 is its tuples, maybe with
        blank space after them."""
        return _cut_pattern(self.quoted, head)


@lru_cache(maxsize=16)
def literal_runs(dialect: str | None, exact: bool) -> RunGrammar:
    """The run grammar of `dialect` (sqlglot's names; None is generic). ``exact``: the runs
    are sent in that dialect; otherwise only literals that read alike everywhere."""
    mysql = dialect == "mysql"
    quoted = (_MYSQL_QUOTED if exact else _MYSQL_PORTABLE) if mysql else _QUOTED
    literal = f"(?:{quoted}|{_EXACT_NUMBER if exact else _PORTABLE_NUMBER}|{_WORDS})"
    one = rf"\(\s*+{literal}(?:\s*+,\s*+{literal})*+\s*+\)"
    tuples = rf"{one}(?:\s*+,\s*+{one})*+"
    idents = [_BARE]
    if not mysql:  # a double quote is a string in MySQL
        idents.append(r'"[^"\x00-\x1f]++"')
    if dialect in (None, "mysql", "sqlite"):
        idents.append(r"`[^`\x00-\x1f]++`")
    ident = "(?:" + "|".join(idents) + ")"
    name = rf"{ident}(?:\.{ident})*+"
    head = (
        rf"(?i:insert)\s++(?i:into)\s++{name}\s*+"
        rf"(?:\(\s*+{ident}(?:\s*+,\s*+{ident})*+\s*+\)\s*+)?(?i:values)"
    )
    first = re.compile(rf"(?P<head>{head})\s*+{tuples}\s*+;")
    return RunGrammar(tuples, head, quoted, first)


@lru_cache(maxsize=64)
def _run_pattern(tuples: str, head: str, most: int) -> re.Pattern[str]:
    return re.compile(rf"(?:{re.escape(head)}\s*+{tuples}\s*+;\s*+){{1,{most}}}+")


@lru_cache(maxsize=64)
def _cut_pattern(quoted: str, head: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(head)}\s*+((?:[^;']++|{quoted})*+);\s*+", re.DOTALL)


@lru_cache(maxsize=64)
def _statement_pattern(tuples: str, head: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(head)}\s*+({tuples})\s*+;\s*+")


@dataclass(frozen=True)
class InsertRun:
    """Consecutive literal INSERTs with one head, as written in the file.

    ``text`` runs from the first statement's first character to the last one's `;`;
    ``line`` and ``column`` locate the first statement. ``head`` is the statements' common
    `INSERT INTO … VALUES`, as written.
    """

    head: str
    text: str
    line: int
    column: int
    grammar: RunGrammar = field(compare=False, repr=False)
    _tuples: list[str] = field(default_factory=list, compare=False, repr=False)

    def tuples(self) -> list[str]:
        """Each statement's tuples, as written (`(1, 'a')`, or `(1, 'a'),\\n\\t(2, 'b')`)."""
        if not self._tuples:
            found = self.grammar.cut(self.head).findall(self.text)
            if not self._tuples:
                self._tuples.extend(found)
        return self._tuples

    @property
    def count(self) -> int:
        """How many statements the run holds."""
        return len(self.tuples())

    def statements(self) -> list[tuple[str, int, int]]:
        """Each statement's text, line and column, as the splitter yields them one by one."""
        text = self.text
        out = []
        line, newline, counted = self.line, -self.column, 0
        for found in self.grammar.statement(self.head).finditer(text):
            start = found.start()
            lines = text.count("\n", counted, start)
            if lines:
                line += lines
                newline = text.rfind("\n", counted, start)
            counted = start
            out.append((text[start : found.end(1)], line, start - newline))
        return out
