"""DuckDB: a run of literal INSERTs as one INSERT of bound column strings.

DuckDB spends far more on a multi-row INSERT's VALUES (each row an expression list to
bind and cast) than on its rows: 100,000 rows as 1,000 INSERTs of 100 rows take it
about 8 s. So a run of literal INSERTs into one table (seedkit.sqltext.runs), when each
column's literals are all of one kind, goes as ONE statement,

    INSERT INTO t (a, b, c) SELECT TRY_CAST(c1 AS BIGINT), nullif(c2, chr(1)), NULL
    FROM (SELECT unnest(string_split($1, chr(0))) AS c1, unnest(string_split($2, chr(0))) AS c2)

with one bound string per column: its literals' text joined with NUL (one parameter,
not a Python list of values, so binding costs nothing per value). DuckDB reads each as
the literal's own type, then casts that to the column's type as it casts the literal.
The kinds (`Kind`): integers of at most 18 digits (as BIGINT), decimals with digits on
both sides of the point, one scale in the column and at most 18 digits (as
DECIMAL(18,s)), quoted text (VARCHAR, `''` read as `'`), TRUE/FALSE (BOOLEAN); NULL
among any of them (TRY_CAST makes the word NULL, and nothing else of the column, NULL;
in text a mark, chr(1), that nullif makes NULL), and a column of NULLs only is the constant
NULL. Anything else sends the run as written (seedkit.adapters.batches.Direct): a column
mixing kinds, an exponent, `.5` or `5.`, more digits, text holding NUL or the mark, a
target column that is a LIST, ARRAY, STRUCT, MAP or UNION, integers into a table with a
BIT column (a BIGINT is 64 bits there, the literal 32), decimals into a table with a
JSON column (DECIMAL(18,2) writes 1.50 where the literal writes 1.5), and any run while
`preserve_insertion_order` is off. tests/plan/test_duckdb_runs.py compares the contents
both ways, value by value, over 38 column types.

Python's work per run is one regular expression cutting the tuples into literals, then
per column a slice, a join, one regular expression checking its kind and, for text, a
few `str.replace` (`bind`); all C loops, nothing per value in Python.

A statement that fails stops the apply as a merged INSERT does on DuckDB
(seedkit.adapters.merge.MergedInsertError): DuckDB has no savepoint, so the apply is
rolled back and runs again statement by statement, which names the statement at fault
at its own line and leaves the target as it was.

While such runs are written, DuckDB's (global) `write_buffer_row_group_count` is 1: it
buffers 5 row groups of a bulk INSERT otherwise, which held more memory the larger the
file. The value it had is put back at each flush (before any other statement) and when
the step ends or fails (`DuckdbDirect`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from seedkit.adapters.batches import Direct
from seedkit.adapters.merge import MergedInsertError
from seedkit.adapters.trace import trace, tracing

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.sources.base import LocatedRun

_IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
_HEAD = re.compile(
    rf"\s*INSERT\s+INTO\s+(?P<table>{_IDENT}(?:\s*\.\s*{_IDENT})*)\s*"
    rf"(?:\((?P<columns>\s*{_IDENT}(?:\s*,\s*{_IDENT})*\s*)\)\s*)?(?P<values>VALUES)\s*",
    re.IGNORECASE,
)
_NAMES = re.compile(_IDENT)
#: One literal of a run's tuples (quoted text whole, or a bare word or number), or a `)`.
_TOKEN = re.compile(r"[^\s,()']++|'[^']*+(?:''[^']*+)*+'|\)")
_SEP = "\x00"  # between a column's literals when joined (a run holding NUL is not taken)
_NULL = "(?i:null)"
_ONLY_NULLS = re.compile(f"{_NULL}(?:{_SEP}{_NULL})*+")
_NULLS = re.compile(f"(?<![^{_SEP}]){_NULL}(?![^{_SEP}])")  # NULL among a column's literals
_MARK = "\x01"  # a text column's NULL until DuckDB's nullif (a run holding it is not taken)
#: Row groups DuckDB buffers in a bulk INSERT while runs are written (its default is 5).
ROW_GROUPS = 1
_SETTING = "write_buffer_row_group_count"


class Kind(enum.Enum):
    """What a column's literals are: each kind's value from its text `{name}` (a NULL
    among integers, decimals or booleans is the word NULL, which TRY_CAST makes NULL: no
    other literal of the column fails the cast, each having been checked)."""

    INTEGER = "TRY_CAST({name} AS BIGINT)"
    DECIMAL = "TRY_CAST({name} AS DECIMAL(18,{scale}))"
    TEXT = "nullif({name}, chr(1))"
    BOOLEAN = "TRY_CAST({name} AS BOOLEAN)"


#: One literal of each kind, as a regular expression: integers of at most 18 digits (so
#: below 2^63), decimals of at most 18 with `{scale}` after the point; quoted text whole
#: (the tokenizer took it whole, and no literal of a run taken holds NUL).
_LITERAL = {
    Kind.INTEGER: r"[+-]?\d{{1,18}}",
    Kind.DECIMAL: r"[+-]?\d{{1,{whole}}}\.\d{{{scale}}}",
    Kind.TEXT: r"'[^\x00]*+",
    Kind.BOOLEAN: r"(?i:true|false)",
}


@lru_cache(maxsize=64)
def _column_pattern(kind: Kind, scale: int, nulls: bool) -> re.Pattern[str]:
    """A whole column of `kind` joined with NUL, with NULLs among them or not."""
    one = _LITERAL[kind].format(scale=scale, whole=18 - scale)
    if nulls:
        one = f"(?:{one}|{_NULL})"
    return re.compile(f"{one}(?:{_SEP}{one})*+")


#: DuckDB type ids a run is not bound into (a literal's text is read otherwise there).
_NESTED = {"list", "array", "struct", "map", "union"}


@dataclass(frozen=True)
class Target:
    """The table a run's head writes: its columns' DuckDB types, in the head's order."""

    prefix: str  # `INSERT INTO t (a, b)`, as the head writes it
    types: tuple[Any, ...]  # DuckDBPyType of each column written
    bits: bool  # the table has a BIT column
    json: bool  # the table has a JSON column


@dataclass(frozen=True)
class Bound:
    """A run as one statement: its SQL and one string per bound column (its values
    joined with NUL)."""

    sql: str
    params: list[str]
    rows: int


def head_parts(head: str) -> tuple[str, str, list[str] | None] | None:
    """The `INSERT INTO t (a, b)` part of a run's head, its table as written and its
    column names (unquoted; None without a list); None for a head not of that form."""
    found = _HEAD.fullmatch(head)
    if found is None:
        return None
    names = None
    if found["columns"] is not None:
        names = [_unquote(n) for n in _NAMES.findall(found["columns"])]
    return head[: found.start("values")].rstrip(), found["table"], names


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def describe(execute: Any, head: str) -> Target | None:
    """The target of a run's head, read from DuckDB (`SELECT * FROM t LIMIT 0`); None when
    the head is not of the form taken, names a column the table lacks, or a column
    written is nested. Raises when DuckDB cannot read the table (its transaction is then
    aborted)."""
    parts = head_parts(head)
    if parts is None:
        return None
    prefix, table, names = parts
    sql = f"SELECT * FROM {table} LIMIT 0"
    trace("raw", sql)
    description = execute(sql).description
    by_name = {str(d[0]).lower(): d[1] for d in description}
    if names is None:
        types = tuple(d[1] for d in description)
    elif all(n.lower() in by_name for n in names):
        types = tuple(by_name[n.lower()] for n in names)
    else:
        return None
    if any(str(getattr(t, "id", "")) in _NESTED for t in types):
        return None
    ids = {str(getattr(t, "id", "")) for t in by_name.values()}
    json = any(str(t) == "JSON" for t in by_name.values())
    return Target(prefix, types, "bit" in ids, json)


def bind(tuples: list[str], target: Target) -> Bound | None:
    """The run whose statements' tuples are `tuples` as one INSERT into `target` of one
    bound string per column, or None when a column's literals are not all of one kind
    taken (the run then goes as written)."""
    text = ", ".join(tuples)
    if _SEP in text or _MARK in text:
        return None
    width = len(target.types)
    tokens = _TOKEN.findall(text)
    rows, extra = divmod(len(tokens), width + 1)
    # Each tuple's `)` where `width` literals end it; a `)` anywhere else fails the check
    # of its column's literals below.
    if not rows or extra or "".join(tokens[width :: width + 1]) != ")" * rows:
        return None
    names: list[str] = []
    exprs: list[str] = []
    params: list[str] = []
    for at in range(width):
        made = _column(tokens[at :: width + 1])
        if made is None:
            return None
        kind, scale, value = made
        if kind is None:
            exprs.append("NULL")
            continue
        if (kind is Kind.INTEGER and target.bits) or (kind is Kind.DECIMAL and target.json):
            return None
        params.append(value)
        name = f"c{len(params)}"
        names.append(f"unnest(string_split(${len(params)}, chr(0))) AS {name}")
        exprs.append(kind.value.format(name=name, scale=scale))
    if not params:
        return None
    sql = f"{target.prefix} SELECT {', '.join(exprs)} FROM (SELECT {', '.join(names)})"
    return Bound(sql, params, rows)


def _column(column: list[str]) -> tuple[Kind | None, int, str] | None:
    """A column's kind (None: NULLs only), its scale (decimals) and its values joined
    with NUL; None when its literals are not all of one kind taken."""
    joined = _SEP.join(column)
    nulls = joined[:1] in "nN" or f"{_SEP}n" in joined or f"{_SEP}N" in joined
    first = next((t for t in column if t[0] not in "nN"), None) if nulls else column[0]
    if first is None:  # NULLs only (or bare words: not taken)
        return (None, 0, "") if _ONLY_NULLS.fullmatch(joined) else None
    c, scale = first[0], 0
    if c == "'":
        kind = Kind.TEXT
    elif c in "tTfF":
        kind = Kind.BOOLEAN
    elif "." in first:
        kind, scale = Kind.DECIMAL, len(first) - first.index(".") - 1
        if not 0 < scale <= 17:
            return None
    else:
        kind = Kind.INTEGER
    if _column_pattern(kind, scale, nulls).fullmatch(joined) is None:
        return None
    if kind is Kind.TEXT:
        return kind, scale, _texts(joined, nulls)
    return kind, scale, joined


def _texts(joined: str, nulls: bool) -> str:
    """Quoted literals joined with NUL as their values joined with NUL: `''` read as `'`,
    NULL as the mark chr(1) that `nullif` makes NULL again. Each NULL becomes a quoted
    mark, then each boundary `'<NUL>'` becomes NUL, then `''` becomes `'` (no literal
    holds NUL, and quotes within one come in pairs)."""
    if nulls:
        joined = _NULLS.sub(f"'{_MARK}'", joined)
    inner = joined[1:-1].replace(f"'{_SEP}'", _SEP)
    return inner.replace("''", "'") if "''" in inner else inner


class DuckdbDirect(Direct):
    """DuckDB's batcher: runs of literal INSERTs as one INSERT of bound column strings where
    `bind` takes them, else as Direct sends them (merged multi-row INSERTs)."""

    def __init__(self, target: Adapter, conn: sa.Connection, merge: bool) -> None:
        super().__init__(target, conn, merge)
        self._targets: dict[str, Target | None] = {}  # by head, since the last flush
        self._ordered: bool | None = None  # preserve_insertion_order, since the last flush
        self._setting: str | None = None  # the row-group count to put back, while set

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """The run as one INSERT of bound column strings (`bind`), or as Direct sends it."""
        if not self.merge:
            return False
        if self.pending:
            self.flush()
        target = self._target(head, run)
        bound = bind(run.run.tuples(), target) if target is not None and self._ordered else None
        if bound is None:
            return super().add_run(run, head, ported)
        if tracing():
            for sql, where in zip(
                self.run_statements(run, head, ported), run.statements(), strict=True
            ):
                trace("raw", sql, where.location)
            trace("raw", bound.sql, run.location, rows=bound.rows)
        if self._setting is None:
            self.drain()
            self._setting = self._set(ROW_GROUPS)
        self.writer.submit(run, bound.sql, 0, bound.params)
        return True

    def _target(self, head: str, run: LocatedRun) -> Target | None:
        """The head's table, read once between flushes (no statement that could change it
        runs in between), and whether DuckDB keeps rows in the order written; the runs
        being written are waited for first."""
        if head not in self._targets:
            self.drain()
            execute = self.driver.execute
            if self._ordered is None:
                self._ordered = _setting(execute, "preserve_insertion_order") != "false"
            try:
                self._targets[head] = describe(execute, head)
            except Exception as exc:
                # The INSERT cannot work either; the statements one by one name it.
                raise MergedInsertError(
                    str(exc), location=run.location, hint="run again without merging"
                ) from None
        return self._targets[head]

    def flush(self) -> None:
        """Wait for the runs being written, put DuckDB's setting back, then what is
        queued (whatever the apply sends next sees the session as the file left it)."""
        self.drain()
        self._targets.clear()
        self._ordered = None
        self._restore(self.driver.execute)
        super().flush()

    def close(self) -> None:
        """Stop writing runs and put DuckDB's setting back: on a connection of its own
        when the apply's transaction was aborted (DuckDB refuses any statement there, and
        the setting is the database's, not the transaction's)."""
        super().close()
        if self._setting is None:
            return
        try:
            self._restore(self.driver.execute)
        except Exception:  # noqa: BLE001 (an aborted transaction: another connection)
            other = self.driver.duplicate()
            try:
                self._restore(other.execute)
            finally:
                other.close()

    def _set(self, value: int) -> str:
        """Set the row-group count; return the value it had."""
        execute = self.driver.execute
        old = _setting(execute, _SETTING)
        _send_set(execute, value)
        return old or "5"

    def _restore(self, execute: Any) -> None:
        """Put the row-group count back, if it was set."""
        if self._setting is not None:
            # An integer DuckDB itself gave: int() keeps it one.
            _send_set(execute, int(self._setting))
            self._setting = None


def _setting(execute: Any, name: str) -> str | None:
    """A DuckDB setting's current value, as duckdb_settings() spells it."""
    sql = "SELECT value FROM duckdb_settings() WHERE name = ?"
    trace("raw", sql, params=[name])
    found = execute(sql, [name]).fetchone()
    return str(found[0]) if found else None


def _send_set(execute: Any, value: int) -> None:
    """Set the row-group count (SET takes no parameter: the value is an int, written as one)."""
    sql = f"SET {_SETTING} = {int(value)}"
    trace("raw", sql)
    execute(sql)
