"""Split a SQL script into statements, each with the line and column where it starts.

seedkit runs a .sql file one statement at a time so that a failing statement can be shown at
its place in the file. Parsing with sqlglot only to find where statements end would be slow and
would fail on procedural bodies it does not know, so this is a plain character scanner: it only
has to know which delimiters lie inside strings, quoted names, comments and BEGIN ... END
bodies, and it runs in time linear in the script (regular expressions jump between the few
characters that matter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from seedkit.errors import ApplyError, Location

__all__ = ["SqlStatement", "split_sql"]


@dataclass(frozen=True)
class SqlStatement:
    """One statement of a SQL file, with where it starts, so errors can point into the file.

    ``text`` is the statement without its delimiter, leading comments and surrounding
    whitespace; ``line`` and ``column`` (both 1-based) locate its first token.
    """

    text: str
    line: int
    column: int


_DOLLAR_QUOTE_DIALECTS = frozenset({None, "postgres", "duckdb"})
_BACKTICK_DIALECTS = frozenset({None, "mysql", "sqlite"})
_DELIMITER_COMMAND_DIALECTS = frozenset({None, "mysql"})

_SIGNIFICANT = re.compile(r"[^\s\ufeff]")
_DELIMITER_COMMAND = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
# Statements whose body may hold `;` inside BEGIN ... END (SQLite triggers, MySQL routines,
# PostgreSQL BEGIN ATOMIC functions).
_ROUTINE_HEAD = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?"
    r"(?:(?:temp|temporary|aggregate|constraint)\s+)?(?:trigger|procedure|function|event)\b",
    re.IGNORECASE,
)
_END_TAIL = re.compile(r"\s+(if|loop|while|repeat|case)\b", re.IGNORECASE)
_NESTED_COMMENT_MARK = re.compile(r"/\*|\*/")
_DOLLAR_TAG = r"(?<![\w$])\$(?:[^\W\d]\w*)?\$"  # `$$` or `$tag$`; never `$1`
_WORD = r"(?<![\w$])[^\W\d][\w$]*"
_LINE_COMMENT = {"--", "#"}

# The rest of a quoted text after its opening quote, through the closing one; keyed by the
# quote and whether backslash escapes. Possessive quantifiers keep failure linear.
_QUOTE_REST = {
    ("'", False): re.compile(r"[^']*+(?:''[^']*+)*+'"),
    ("'", True): re.compile(r"[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'", re.DOTALL),
    ('"', False): re.compile(r'[^"]*+(?:""[^"]*+)*+"'),
    ('"', True): re.compile(r'[^"\\]*+(?:(?:\\.|"")[^"\\]*+)*+"', re.DOTALL),
    ("`", False): re.compile(r"[^`]*+(?:``[^`]*+)*+`"),
}


@lru_cache(maxsize=64)
def _token_pattern(dialect: str | None, delimiter: str, words: bool) -> re.Pattern[str]:
    """The tokens that can change what a delimiter means; the delimiter comes first to win ties."""
    mysql = dialect == "mysql"
    # MySQL reads `--` as a comment only when a space or control character follows.
    parts = [re.escape(delimiter), r"--(?=[\s\x00-\x1f]|\Z)" if mysql else "--", r"/\*", "'", '"']
    if mysql:
        parts.append("#")
    if dialect in _BACKTICK_DIALECTS:
        parts.append("`")
    if dialect in _DOLLAR_QUOTE_DIALECTS:
        parts.append(_DOLLAR_TAG)
    if words:
        parts.append(_WORD)
    return re.compile("|".join(parts))


def split_sql(
    text: str, dialect: str | None = None, *, source: str | None = None
) -> list[SqlStatement]:
    """Split a SQL script into statements, each located by the line and column it starts at.

    ``dialect`` uses sqlglot's names ("postgres", "mysql", "sqlite", "duckdb"; None is generic)
    and decides which quotes and comments exist. Empty and comment-only statements are dropped;
    text after the last delimiter is a statement. MySQL client ``DELIMITER`` lines (mysql and
    generic) change the delimiter. An unterminated string, quoted name, block comment or dollar
    quote raises ApplyError located where it starts, in file ``source`` when given.
    """
    return _Splitter(text, dialect, source).run()


class _Splitter:
    """One pass over one script; holds the incremental line count."""

    def __init__(self, text: str, dialect: str | None, source: str | None) -> None:
        self.text = text
        self.dialect = dialect
        self.source = source
        self._counted = 0  # line and last newline are known for positions before this
        self._line = 1
        self._last_newline = 0 if text.startswith("\ufeff") else -1

    def run(self) -> list[SqlStatement]:
        text = self.text
        delimiter = ";"
        statements: list[SqlStatement] = []
        pos = 0
        while True:
            found = _SIGNIFICANT.search(text, pos)
            if found is None:
                return statements
            start = found.start()
            token = _token_pattern(self.dialect, delimiter, False).match(text, start)
            if token is not None:
                kind = token.group()
                if kind == delimiter:  # an empty statement
                    pos = token.end()
                    continue
                if kind in _LINE_COMMENT or (kind == "/*" and not self._is_hint(start)):
                    pos = self._skip(kind, start, token.end())
                    continue
            if self.dialect in _DELIMITER_COMMAND_DIALECTS:
                command = _DELIMITER_COMMAND.match(text, start)
                if command is not None:
                    delimiter = command.group(1)
                    pos = command.end()
                    continue
            # A custom delimiter ends a statement wherever it appears, so bodies need no tracking.
            routine = delimiter == ";" and _ROUTINE_HEAD.match(text, start) is not None
            end, pos = self._scan(start, delimiter, routine)
            line, column = self._locate(start)
            statements.append(SqlStatement(text[start:end].rstrip(), line, column))

    def _scan(self, start: int, delimiter: str, routine: bool) -> tuple[int, int]:
        """Find the delimiter ending the statement at ``start``: (statement end, next position)."""
        text = self.text
        pattern = _token_pattern(self.dialect, delimiter, routine)
        depth = 0
        pos = start
        while True:
            token = pattern.search(text, pos)
            if token is None:
                return len(text), len(text)
            kind, at, pos = token.group(), token.start(), token.end()
            if kind == delimiter:
                if depth == 0:
                    return at, pos
            elif routine and (kind[0].isalpha() or kind[0] == "_"):
                depth, pos = self._block_depth(kind.lower(), depth, pos)
            else:
                pos = self._skip(kind, at, pos)

    def _block_depth(self, word: str, depth: int, pos: int) -> tuple[int, int]:
        """Track BEGIN/CASE ... END nesting; return the new depth and where to continue.

        IF, LOOP, WHILE and REPEAT blocks close with ``END <keyword>``, which is skipped as a
        unit, so they never change the depth; counting them as openers would instead mistake
        the IF() function and IF [NOT] EXISTS for blocks.
        """
        if word in ("begin", "case"):
            return depth + 1, pos
        if word != "end":
            return depth, pos
        tail = _END_TAIL.match(self.text, pos)
        if tail is None:
            return max(depth - 1, 0), pos
        if tail.group(1).lower() == "case":
            return max(depth - 1, 0), tail.end()
        return depth, tail.end()

    def _is_hint(self, at: int) -> bool:
        """Whether the ``/*`` at ``at`` opens a MySQL executable comment or an optimizer hint."""
        return self.text[at + 2 : at + 3] in ("!", "+")

    def _skip(self, kind: str, at: int, after: int) -> int:
        """Skip the comment, quoted text or dollar quote opened by ``kind`` at ``at``."""
        text = self.text
        if kind in _LINE_COMMENT:
            newline = text.find("\n", after)
            return len(text) if newline < 0 else newline
        if kind == "/*":
            return self._block_comment_end(at)
        if kind[0] == "$":
            close = text.find(kind, after)
            if close < 0:
                raise self._error("unterminated dollar-quoted string starting here", at)
            return close + len(kind)
        backslash = kind != "`" and (
            self.dialect == "mysql" or (kind == "'" and self._has_escape_prefix(at))
        )
        quoted = _QUOTE_REST[(kind, backslash)].match(text, after)
        if quoted is None:
            is_string = kind == "'" or (kind == '"' and self.dialect == "mysql")
            what = "string" if is_string else "quoted identifier"
            raise self._error(f"unterminated {what} starting here", at)
        return quoted.end()

    def _has_escape_prefix(self, at: int) -> bool:
        """Whether the quote at ``at`` opens a PostgreSQL E'...' string."""
        text = self.text
        if at < 1 or text[at - 1] not in "eE":
            return False
        return at < 2 or not (text[at - 2].isalnum() or text[at - 2] in "_$")

    def _block_comment_end(self, at: int) -> int:
        text = self.text
        if self.dialect != "postgres":
            close = text.find("*/", at + 2)
            if close >= 0:
                return close + 2
        else:  # PostgreSQL block comments nest
            depth = 1
            for mark in _NESTED_COMMENT_MARK.finditer(text, at + 2):
                depth += 1 if mark.group() == "/*" else -1
                if depth == 0:
                    return mark.end()
        raise self._error("unterminated block comment starting here", at)

    def _locate(self, pos: int) -> tuple[int, int]:
        """Line and column of ``pos``; counts only the text since the last call (\\r\\n is one
        line break, as only \\n is counted)."""
        text = self.text
        if pos < self._counted:
            self._counted, self._line = 0, 1
            self._last_newline = 0 if text.startswith("\ufeff") else -1
        self._line += text.count("\n", self._counted, pos)
        newline = text.rfind("\n", self._counted, pos)
        if newline >= 0:
            self._last_newline = newline
        self._counted = pos
        return self._line, pos - self._last_newline

    def _error(self, message: str, at: int) -> ApplyError:
        line, column = self._locate(at)
        return ApplyError(
            message,
            location=Location(file=self.source, line=line, column=column),
            hint="close it, or look for a stray quote or comment marker before it",
        )
