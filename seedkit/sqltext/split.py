"""Split a SQL script into statements, each with the line and column where it starts.

seedkit runs a .sql file one statement at a time so that a failing statement can be shown at
its place in the file. Parsing with sqlglot only to find where statements end would be slow and
would fail on procedural bodies it does not know, so this is a plain character scanner: it only
has to know which delimiters lie inside strings, quoted names, comments and BEGIN ... END
bodies, and it runs in time linear in the script (regular expressions jump between the few
characters that matter). It reads its text through a window (seedkit.sqltext._buffer), so
a script of any size is split in bounded memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from seedkit.errors import ApplyError, Location
from seedkit.sqltext._buffer import TextWindow
from seedkit.sqltext._fast import plain_end
from seedkit.sqltext.copyblock import COPY_FROM_STDIN, END_OF_DATA, CopyData
from seedkit.sqltext.runs import RUN_CHARS, InsertRun, RunGrammar

__all__ = ["SqlStatement", "split_sql", "split_sql_stream", "split_units"]


@dataclass(frozen=True)
class SqlStatement:
    """One statement of a SQL file, with where it starts, so errors can point into the file.

    ``text`` is the statement without its delimiter, leading comments and surrounding
    whitespace; ``line`` and ``column`` (both 1-based) locate its first token. A
    ``COPY … FROM stdin`` statement (PostgreSQL and generic scripts) carries its data
    lines in ``copy`` (seedkit.sqltext.copyblock), as psql reads them.
    """

    text: str
    line: int
    column: int
    copy: CopyData | None = field(default=None, compare=False, repr=False)


_DOLLAR_QUOTE_DIALECTS = frozenset({None, "postgres", "duckdb"})
_BACKTICK_DIALECTS = frozenset({None, "mysql", "sqlite"})
_DELIMITER_COMMAND_DIALECTS = frozenset({None, "mysql"})
_COPY_DIALECTS = frozenset({None, "postgres"})

_SIGNIFICANT = re.compile(r"[^\s\ufeff]")
_NON_SPACE = re.compile(r"\S")
_DELIMITER_COMMAND = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_DELIMITER_HEAD = re.compile(r"delimiter[ \t]", re.IGNORECASE)
# Statements whose body may hold `;` inside BEGIN ... END (SQLite triggers, MySQL routines,
# PostgreSQL BEGIN ATOMIC functions).
_ROUTINE_HEAD = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?"
    r"(?:(?:temp|temporary|aggregate|constraint)\s+)?(?:trigger|procedure|function|event)\b",
    re.IGNORECASE,
)
# A routine head ends by its eighth word (CREATE OR REPLACE DEFINER = x TEMP TRIGGER), so once
# eight words are in the window, more text cannot change whether it matches.
_CREATE = re.compile(r"create\s", re.IGNORECASE)
_HEAD_WORDS = re.compile(r"(?:\S++\s++){8}")
_END_TAIL = re.compile(r"\s+(if|loop|while|repeat|case)\b", re.IGNORECASE)
_NESTED_COMMENT_MARK = re.compile(r"/\*|\*/")
_WORD_START = re.compile(r"\w")
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
    quote raises ApplyError located where it starts, in file ``source`` when given. The data
    of COPY blocks is kept with their statements.
    """
    chunks = iter((text,))
    return list(
        split_sql_stream(lambda size: next(chunks, ""), dialect, source=source, keep_copy=True)
    )


def split_sql_stream(
    read: Callable[[int], str],
    dialect: str | None = None,
    *,
    source: str | None = None,
    keep_copy: bool = False,
) -> Iterator[SqlStatement]:
    """Split the script ``read`` returns piece by piece (see `split_units`)."""
    # Without runs, every unit is a statement.
    return cast(
        Iterator[SqlStatement], split_units(read, dialect, source=source, keep_copy=keep_copy)
    )


def split_units(
    read: Callable[[int], str],
    dialect: str | None = None,
    *,
    source: str | None = None,
    keep_copy: bool = False,
    runs: RunGrammar | None = None,
) -> Iterator[SqlStatement | InsertRun]:
    """Split the script ``read`` returns piece by piece, yielding each statement once scanned.

    ``read(size)`` returns about ``size`` more characters of the script, "" only at its end.
    Only the statement being scanned and about one chunk are held, so a dump of any size splits
    in bounded memory; statements, locations and errors are those of ``split_sql`` on the
    whole text (an error comes after the statements before it have been yielded). A COPY
    block's data is read while the statement is the last one yielded; with ``keep_copy`` the
    lines its consumer did not read are kept with it (for a caller collecting statements).
    With ``runs`` (seedkit.sqltext.runs.literal_runs), consecutive literal INSERTs with one
    head come as one `InsertRun` instead, whose `statements` are those the split yields
    without ``runs``.
    """
    return _Splitter(TextWindow(read), dialect, source, keep_copy, runs).run()


class _Splitter:
    """One pass over one script. Every step that reaches the end of the window reads more and
    is redone (``TextWindow.settled``), so a construct cut between chunks is seen whole."""

    def __init__(
        self,
        window: TextWindow,
        dialect: str | None,
        source: str | None,
        keep_copy: bool = False,
        runs: RunGrammar | None = None,
    ) -> None:
        self.win = window
        self.runs = runs
        self.dialect = dialect
        self.source = source
        self.keep_copy = keep_copy
        self._copy_end = 0  # where the last COPY block ends, counted from the stream's start

    def run(self) -> Iterator[SqlStatement | InsertRun]:
        win = self.win
        delimiter = ";"
        pos = 0
        while True:
            pos = win.release(pos)
            found = _SIGNIFICANT.search(win.text, pos)
            if found is None:
                if win.more():
                    continue
                return
            start = found.start()
            if self.runs is not None and delimiter == ";" and win.text[start] in "iI":
                run = self._literal_run(start)
                if run is not None:
                    yield run[0]
                    pos = run[1]
                    continue
            pattern = _token_pattern(self.dialect, delimiter, False)
            while True:  # a delimiter or comment mark cut at the window's end must be whole
                token = pattern.match(win.text, start)
                if win.settled(start + 1 if token is None else token.end(), len(delimiter) + 1):
                    break
            if token is not None:
                kind = token.group()
                if kind == delimiter:  # an empty statement
                    pos = token.end()
                    continue
                if kind in _LINE_COMMENT or (kind == "/*" and not self._is_hint(start)):
                    pos = self._skip(kind, start, token.end())
                    continue
            if self.dialect in _DELIMITER_COMMAND_DIALECTS and self._delimiter_line(start):
                command = _DELIMITER_COMMAND.match(win.text, start)
                if command is not None:
                    delimiter = command.group(1)
                    pos = command.end()
                    continue
            # A custom delimiter ends a statement wherever it appears, so bodies need no tracking.
            routine = delimiter == ";" and self._routine_head(start)
            end, pos = self._scan(start, delimiter, routine)
            line, column = win.locate(start)
            text = win.text[start:end].rstrip()
            if self.dialect not in _COPY_DIALECTS or COPY_FROM_STDIN.match(text) is None:
                yield SqlStatement(text, line, column)
                continue
            data = self._copy_data(pos)
            yield SqlStatement(text, line, column, data)
            data.finish(self.keep_copy)
            pos = self._copy_end - win.base

    def _literal_run(self, start: int) -> tuple[InsertRun, int] | None:
        """The run of literal INSERTs at ``start`` (as many as the window holds, read ahead
        by RUN_CHARS) and where it ends, or None when the statement there is not one."""
        win, runs = self.win, self.runs
        assert runs is not None
        win.fill(start + RUN_CHARS)
        first = runs.first.match(win.text, start)
        if first is None:
            return None
        head = first.group("head")
        found = runs.run(head).match(win.text, start)
        assert found is not None  # the first statement is one
        line, column = win.locate(start)
        text = win.text[start : found.end()].rstrip()
        return InsertRun(head, text, line, column, runs), found.end()

    def _copy_data(self, pos: int) -> CopyData:
        """The data lines after the COPY statement ending at ``pos``: from the next line, as
        psql reads them (only blanks or a comment may follow the `;` on its own line)."""
        win = self.win
        while (newline := win.text.find("\n", pos)) < 0 and win.more():
            pass
        rest = win.text[pos : len(win.text) if newline < 0 else newline]
        if rest.strip() and not rest.strip().startswith("--"):
            raise self._error("COPY … FROM stdin: its data starts on the next line", pos)
        start = len(win.text) if newline < 0 else newline + 1
        line = win.locate(start)[0]
        self._copy_end = win.base + start
        return CopyData(line, self._copy_chunks())

    def _copy_chunks(self) -> Iterator[str]:
        """The block's data up to the line `\\.` (or the end of the script), as text chunks
        of whole lines, read as asked."""
        win = self.win
        while True:
            pos = win.release(self._copy_end - win.base)
            text = win.text
            end = END_OF_DATA.search(text, pos)
            if end is not None and (end.end() < len(text) or win.eof):
                after = end.end() + 1 if end.end() < len(text) else end.end()
                self._copy_end = win.base + after
                if end.start() > pos:
                    yield text[pos : end.start()]
                return
            cut = text.rfind("\n", pos) + 1
            if end is None and cut > pos:
                self._copy_end = win.base + cut
                yield text[pos:cut]
                continue
            if not win.more():
                self._copy_end = win.base + len(win.text)
                if len(win.text) > pos:
                    yield win.text[pos:] + "\n"
                return

    def _delimiter_line(self, start: int) -> bool:
        """Whether a ``DELIMITER`` command may start at ``start``; if so its line is read whole."""
        win = self.win
        win.fill(start + 10)
        if _DELIMITER_HEAD.match(win.text, start) is None:
            return False
        while win.text.find("\n", start) < 0 and win.more():
            pass
        return True

    def _routine_head(self, start: int) -> bool:
        """Whether the statement at ``start`` creates a trigger, routine or event."""
        win = self.win
        win.fill(start + 7)
        if _CREATE.match(win.text, start) is None:
            return False
        while _HEAD_WORDS.match(win.text, start) is None and win.more():
            pass
        return _ROUTINE_HEAD.match(win.text, start) is not None

    def _scan(self, start: int, delimiter: str, routine: bool) -> tuple[int, int]:
        """Find the delimiter ending the statement at ``start``: (statement end, next position)."""
        win = self.win
        if not routine and delimiter == ";":  # a statement without comments or special quoting
            while (plain := plain_end(self.dialect, win.text, start)) == -1 and win.more():
                pass
            if plain is not None and plain >= 0:
                return plain, plain + 1
        pattern = _token_pattern(self.dialect, delimiter, routine)
        need = len(delimiter) + 1
        # A delimiter beginning with a word character could match inside a `$tag` cut at the
        # window's end, so then a token stands only once a non-word character follows it.
        word = self.dialect in _DOLLAR_QUOTE_DIALECTS and _WORD_START.match(delimiter) is not None
        depth = 0
        pos = start
        while True:
            token = pattern.search(win.text, pos)
            if token is None:
                if win.more():
                    continue
                return len(win.text), len(win.text)
            if (word or token.end() + need > len(win.text)) and not win.settled(
                token.end(), need, word
            ):
                continue
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
        win = self.win
        while True:  # the word after END, and the character after it, must be in the window
            after = _NON_SPACE.search(win.text, pos)
            if after is None:
                if win.more():
                    continue
                break
            if win.settled(after.start(), len("repeat") + 1):
                break
        tail = _END_TAIL.match(win.text, pos)
        if tail is None:
            return max(depth - 1, 0), pos
        if tail.group(1).lower() == "case":
            return max(depth - 1, 0), tail.end()
        return depth, tail.end()

    def _is_hint(self, at: int) -> bool:
        """Whether the ``/*`` at ``at`` opens a MySQL executable comment (``/*!``, MariaDB's
        ``/*M!``) or an optimizer hint: text the server reads, which the mysql client sends.
        mariadb-dump's first line, ``/*M!999999\\- enable the sandbox mode */``, is a
        command to the client only (no server has version 99.99.99): a comment."""
        self.win.fill(at + 11)
        text = self.win.text
        if text[at + 2 : at + 3] in ("!", "+"):
            return True
        return text[at + 2 : at + 4] == "M!" and text[at + 4 : at + 10] != "999999"

    def _skip(self, kind: str, at: int, after: int) -> int:
        """Skip the comment, quoted text or dollar quote opened by ``kind`` at ``at``."""
        win = self.win
        if kind in _LINE_COMMENT:
            while (newline := win.text.find("\n", after)) < 0:
                if not win.more():
                    return len(win.text)
            return newline
        if kind == "/*":
            return self._block_comment_end(at)
        if kind[0] == "$":
            while (close := win.text.find(kind, after)) < 0:
                if not win.more():
                    raise self._error("unterminated dollar-quoted string starting here", at)
            return close + len(kind)
        backslash = kind != "`" and (
            self.dialect == "mysql" or (kind == "'" and self._has_escape_prefix(at))
        )
        rest = _QUOTE_REST[(kind, backslash)]
        while True:  # a doubled quote may be cut at the window's end
            quoted = rest.match(win.text, after)
            if quoted is not None and win.settled(quoted.end(), 1):
                return quoted.end()
            if quoted is None and not win.more():
                is_string = kind == "'" or (kind == '"' and self.dialect == "mysql")
                what = "string" if is_string else "quoted identifier"
                raise self._error(f"unterminated {what} starting here", at)

    def _has_escape_prefix(self, at: int) -> bool:
        """Whether the quote at ``at`` opens a PostgreSQL E'...' string."""
        text, where = self.win.text, self.win.base + at
        if where < 1 or text[at - 1] not in "eE":
            return False
        return where < 2 or not (text[at - 2].isalnum() or text[at - 2] in "_$")

    def _block_comment_end(self, at: int) -> int:
        while True:
            text = self.win.text
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
            if not self.win.more():
                raise self._error("unterminated block comment starting here", at)

    def _error(self, message: str, at: int) -> ApplyError:
        line, column = self.win.locate(at)
        return ApplyError(
            message,
            location=Location(file=self.source, line=line, column=column),
            hint="close it, or look for a stray quote or comment marker before it",
        )
