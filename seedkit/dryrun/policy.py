"""The statement policy of the dry run: what DuckDB runs, maps, or skips, and why.

Transpiling a real PostgreSQL or MySQL script with sqlglot and running it as is in
DuckDB gives false alarms: GRANT, OWNER TO, SET, extensions, functions, triggers,
MySQL's `/*!…*/` comments, AUTO_INCREMENT dropped by the transpiler. So each
statement gets a `Decision`: the DuckDB SQL to run (possibly changed, each change
named) or a reason to skip it. Foreign keys are removed from the DDL: seedkit checks
them itself with queries (DuckDB's own cannot stand in for a real database's).

The decision table is `decide`: MySQL `/*!…*/` comments are opened, then the skip
rules (`_policy_skip`), plain literal INSERTs and COPY … FROM stdin (batched,
without parsing), domains and sequences (`_policy_map`), and last sqlglot's
transpiling with its rewrites (`_policy_sql`). Every public name of those modules
is importable from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seedkit.dryrun._policy_map import (
    _ADD_IDENTITY,
    _DOMAIN,
    _SEQUENCE,
    _add_identity,
    _domain,
    _sequence,
)
from seedkit.dryrun._policy_skip import SKIP_RULES
from seedkit.dryrun._policy_sql import _transpiled
from seedkit.dryrun._policy_text import (
    drop_view_options,
    materialized_as_view,
    open_version_comments,
    spatial_as_text,
    trim_identity_options,
)
from seedkit.dryrun._policy_types import Decision, PolicyState

__all__ = [
    "SKIP_RULES",
    "Decision",
    "LiteralInsert",
    "PolicyState",
    "decide",
    "literal_insert",
    "normalize_dialect",
]

_ON_ONLY = re.compile(r"\bON\s+ONLY\s+", re.I)
_NORM = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql", "sqlite3": "sqlite"}

_COPY_STDIN = re.compile(
    r"COPY\s+(?P<table>[\w$.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+FROM\s+stdin\b(?P<opts>.*)$",
    re.I | re.S,
)

# Literal INSERTs: `INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)` with only plain literals,
# which mean the same in every dialect, are batched without parsing.
_IDENT = r'(?:"[^"]+"|`[^`]+`|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_WORDS = r"(?i:NULL|TRUE|FALSE)"
_STRING_STD = r"'[^']*+(?:''[^']*+)*+'"
_STRING_NO_BACKSLASH = r"'[^'\\]*+(?:''[^'\\]*+)*+'"
_INSERT_HEAD = re.compile(
    rf"INSERT\s+INTO\s+(?P<table>{_NAME})\s*(?:\((?P<cols>\s*{_IDENT}(?:\s*,\s*{_IDENT})*\s*)\))?"
    r"\s*(?:OVERRIDING\s+(?:SYSTEM|USER)\s+VALUE\s+)?VALUES\s*",
    re.I,
)


def _tuple_re(string: str) -> str:
    lit = f"(?:{string}|{_NUMBER}|{_WORDS})"
    return rf"\(\s*{lit}(?:\s*,\s*{lit})*+\s*\)"


_TUPLES = {
    backslash: (
        re.compile(rf"{_tuple_re(s)}(?:\s*,\s*{_tuple_re(s)})*+\s*\Z"),
        re.compile(_tuple_re(s)),
    )
    for backslash, s in ((True, _STRING_STD), (False, _STRING_NO_BACKSLASH))
}


@dataclass(frozen=True)
class LiteralInsert:
    """A plain literal INSERT: the DuckDB head (`INSERT INTO t (a, b) VALUES `) and its tuples."""

    table: str
    head: str
    values: str
    values_offset: int

    def tuple_starts(self) -> list[int]:
        """Offsets (in the statement's text) of each row's opening parenthesis."""
        finder = _TUPLES[True][1]
        return [self.values_offset + m.start() for m in finder.finditer(self.values)]

    @property
    def row_count(self) -> int:
        """How many rows the statement inserts."""
        return len(_TUPLES[True][1].findall(self.values))


def normalize_dialect(name: str | None) -> str | None:
    """sqlglot's name of a dialect (`postgresql` → `postgres`, `mariadb` → `mysql`)."""
    if not name:
        return None
    return _NORM.get(name.lower(), name.lower())


def literal_insert(text: str, dialect: str | None) -> LiteralInsert | None:
    """The statement as a LiteralInsert when it is one that needs no transpiling, else None."""
    head = _INSERT_HEAD.match(text)
    if head is None:
        return None
    backslash_ok = dialect != "mysql"
    rest = text[head.end() :]
    if not _TUPLES[backslash_ok][0].match(rest):
        return None
    if dialect == "mysql" and '"' in text[: head.end()]:
        return None  # a MySQL double-quoted "name" is a string, not an identifier
    table = _duck_name(head["table"])
    cols = head["cols"]
    shown = f"INSERT INTO {table}" + (f" ({_duck_name(cols)})" if cols else "") + " VALUES "
    return LiteralInsert(table, shown, rest, head.end())


_NAME_PART = re.compile(r'"[^"]*"|`([^`]*)`|([A-Za-z_][\w$]*)')


def _quoted_part(m: re.Match[str]) -> str:
    if m[1] is not None:
        return '"' + m[1].replace('"', '""') + '"'
    if m[2] is not None:
        return f'"{m[2]}"'
    return m[0]


def _duck_name(text: str) -> str:
    """Names (`t`, `public.t`, `a, b`) quoted for DuckDB: a column called `at` or `order`
    is a keyword there; MySQL's backquotes become double quotes."""
    return _NAME_PART.sub(_quoted_part, text)


def decide(text: str, state: PolicyState) -> Decision:
    """The Decision for one statement written in `state.dialect`."""
    notes: list[str] = []
    if state.dialect in ("mysql", None) and "/*" in text:
        text, opened = open_version_comments(text)
        if opened:
            text = text.strip().rstrip(";").strip()
            if not text:
                return Decision(skip="an empty MySQL version comment")
            notes.append("ran the contents of a MySQL /*!…*/ comment")
    if state.dialect in ("postgres", None):
        text, mapped = materialized_as_view(text)
        if mapped:
            notes.append(mapped)
        if text[:6].upper() == "CREATE" and _ON_ONLY.search(text):
            text = _ON_ONLY.sub("ON ", text, count=1)
    if state.dialect in ("mysql", None):
        text, dropped = drop_view_options(text)
        if dropped:
            notes.append("view ALGORITHM, DEFINER and SQL SECURITY dropped")
        text, spatial = spatial_as_text(text)
        if spatial:
            notes.append("spatial columns kept as text, INVISIBLE dropped")
    decision = _decide(text, state)
    if decision.skip is None and notes:
        decision.changes[:0] = notes
    return decision


def _decide(text: str, state: PolicyState) -> Decision:
    dialect = state.dialect
    for pattern, reason in SKIP_RULES:
        if pattern.match(text):
            return Decision(skip=reason)
    literal = literal_insert(text, dialect)
    if literal is not None:
        return Decision(table=literal.table, verb="insert", literal=literal)
    copy = _COPY_STDIN.match(text)
    if copy is not None:
        cols = [_duck_name(c.strip()) for c in copy["cols"].split(",")] if copy["cols"] else None
        return Decision(verb="copy", copy=(_duck_name(copy["table"]), cols, copy["opts"]))
    domain = _DOMAIN.match(text)
    if domain is not None:
        return _domain(domain, state)
    if _SEQUENCE.match(text):
        return _sequence(text)
    if _ADD_IDENTITY.match(text):
        return _add_identity(text, state)
    text, trimmed = trim_identity_options(text)
    decision = _transpiled(text, state)
    if trimmed:
        decision.changes.append("identity options other than START and INCREMENT dropped")
    return decision
