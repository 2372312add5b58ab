"""Literal INSERTs become one: a run of plain INSERTs into one table sent as a single statement.

SQLite and DuckDB run in seedkit's own process, and each statement costs them far more to
prepare than its row costs to write (DuckDB about a millisecond). So consecutive INSERTs
that write only literals into the same table with the same column list (`INSERT INTO t
(a, b) VALUES (1, 'x')`, single- or multi-row, as pg_dump `--inserts` and mariadb-dump
write them) are sent as one multi-row INSERT of all their tuples, which is exactly
equivalent where:

- every value is a literal (quoted text, a number, NULL, TRUE, FALSE), so no expression
  can see the rows inserted before it in the same statement, and each literal is read
  as it would be alone: SQLite gives each value its own type and the column's affinity;
  DuckDB casts each value of an INSERT's VALUES to its column's type, row by row
  (tests/plan/test_sql_merge.py compares the contents both ways);
- nothing sees statements rather than rows: DuckDB has no triggers; on SQLite a merge
  happens only while the database has no trigger at all.

When the merged statement fails, SQLite rolls back to a savepoint taken before it and runs
the statements one by one, so the error names its own statement and line. DuckDB has no
savepoint and a failed statement aborts the transaction, so `MergedInsertError` is raised:
the apply rolls back and runs again without merging, and that run stops at the statement
at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError, Location

if TYPE_CHECKING:
    from seedkit.sources.base import LocatedRun, LocatedStatement

#: Rows of source statements merged into one statement, at most (and characters).
MERGE_STATEMENTS = 1000
MERGE_CHARS = 1 << 17  # DuckDB writes rows quickest about a thousand at a time
#: SQLite writes a run's rows quickest a couple of hundred at a time: at 1M rows of
#: benchmarks/bench_sql.py, 4.8-5.7 s CPU in INSERTs of 200 rows, 7.1-8.6 s of 1,000.
SQLITE_MERGE_CHARS = 1 << 15

_IDENT = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\.{_IDENT})*"
_HEAD = re.compile(
    rf"INSERT\s+INTO\s+{_NAME}\s*(?:\(\s*{_IDENT}(?:\s*,\s*{_IDENT})*\s*\))?\s*VALUES\s*",
    re.IGNORECASE,
)
_LITERAL = (
    r"(?:'[^']*+(?:''[^']*+)*+'|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|(?i:null|true|false))"
)
_TUPLE = rf"\(\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*+\s*\)"
_TUPLES = re.compile(rf"{_TUPLE}(?:\s*,\s*{_TUPLE})*+\s*")

Statement = tuple[str, "LocatedStatement"]


class MergedInsertError(ApplyError):
    """A merged INSERT failed where the database cannot go back to before it (DuckDB): the
    apply must run again without merging to find the statement at fault."""


def literal_head(sql: str) -> int:
    """Where the tuples of a plain literal INSERT start (after `VALUES `), or 0 when `sql` is
    not one."""
    head = _HEAD.match(sql)
    if head is None:
        return 0
    tuples = _TUPLES.match(sql, head.end())
    if tuples is None or tuples.end() != len(sql):
        return 0
    return head.end()


def runs(batch: list[Statement]) -> list[tuple[str, list[Statement]]]:
    """The batch cut into groups to send: consecutive literal INSERTs with the same head
    (`INSERT INTO t (a, b) VALUES `) as one group, with the SQL merging them; any other
    statement as a group of its own, with its SQL."""
    out: list[tuple[str, list[Statement]]] = []
    head = ""
    group: list[Statement] = []
    parts: list[str] = []
    chars = 0

    def close() -> None:
        if group:
            sql = group[0][0] if len(group) == 1 else head + ", ".join(parts)
            out.append((sql, list(group)))
            group.clear()
            parts.clear()

    for item in batch:
        sql = item[0]
        at = literal_head(sql)
        if (
            at
            and group
            and sql[:at] == head
            and len(group) < MERGE_STATEMENTS
            and chars + len(sql) <= MERGE_CHARS
        ):
            group.append(item)
            parts.append(sql[at:].rstrip())
            chars += len(sql)
            continue
        close()
        if at:
            head, chars = sql[:at], len(sql)
            group.append(item)
            parts.append(sql[at:].rstrip())
        else:
            out.append((sql, [item]))
    close()
    return out


def send_merged(
    execute: Callable[[str], Any],
    batch: list[Statement],
    error: Callable[[Exception, LocatedStatement], ApplyError],
    savepoint: bool,
) -> int:
    """Run the batch, merging literal INSERTs; return the rows written. On a failed merged
    INSERT, with `savepoint` go back and run its statements one by one (the one at fault
    raises at its own place); without, raise MergedInsertError."""
    rows = 0
    for sql, group in runs(batch):
        if len(group) == 1:
            rows += _one(execute, sql, group[0][1], error)
            continue

        def one_by_one(group: list[Statement] = group) -> int:
            return sum(_one(execute, one, where, error) for one, where in group)

        rows += _merged(execute, sql, savepoint, group[0][1].location, one_by_one)
    return rows


def groups(run: LocatedRun, head: str, chars: int, begin: int = 0) -> Iterator[tuple[int, str]]:
    """The multi-row INSERTs of a run of literal INSERTs (seedkit.sqltext.runs): `head`
    (the target's spelling of its head) and its statements' tuples, about `chars`
    characters each, from its statement `begin` on; each with its first statement."""
    tuples = run.run.tuples()
    step = _step(run, chars)
    for start in range(begin, len(tuples), step):
        yield start, f"{head} {', '.join(tuples[start : start + step])}"


def send_run(
    execute: Callable[[str], Any],
    run: LocatedRun,
    head: str,
    error: Callable[[Exception, LocatedStatement], ApplyError],
    savepoint: bool,
    chars: int = MERGE_CHARS,
    begin: int = 0,
) -> int:
    """Run a run of literal INSERTs as the multi-row INSERTs `groups` makes; return the
    rows written. A failed one is handled as in `send_merged`: with `savepoint`, its
    statements run one by one, and the one at fault raises at its own line; without,
    MergedInsertError."""
    tuples = run.run.tuples()
    step = _step(run, chars)
    rows = 0
    for start, sql in groups(run, head, chars, begin):

        def one_by_one(start: int = start) -> int:
            statements = run.statements()
            return sum(
                _one(execute, f"{head} {tuples[at]}", statements[at], error)
                for at in range(start, min(start + step, len(tuples)))
            )

        rows += _merged(execute, sql, savepoint, run.location, one_by_one)
    return rows


def _merged(
    execute: Callable[[str], Any],
    sql: str,
    savepoint: bool,
    location: Location,
    one_by_one: Callable[[], int],
) -> int:
    """Run one merged INSERT; return its rows. When it fails: with `savepoint`, back to
    before it and `one_by_one` instead; without, MergedInsertError."""
    if savepoint:
        execute("SAVEPOINT seedkit_merge")
    try:
        cursor = execute(sql)
    except Exception as exc:
        if not savepoint:
            raise MergedInsertError(
                str(exc), location=location, hint="run again without merging"
            ) from None
        execute("ROLLBACK TO SAVEPOINT seedkit_merge")
        execute("RELEASE SAVEPOINT seedkit_merge")
        return one_by_one()
    if savepoint:
        execute("RELEASE SAVEPOINT seedkit_merge")
    return rowcount(cursor)


def _step(run: LocatedRun, chars: int) -> int:
    """Statements of a run per multi-row INSERT, for about `chars` characters each."""
    return max(1, chars * len(run.run.tuples()) // max(len(run.run.text), 1))


def rowcount(cursor: Any) -> int:
    """The rows a statement wrote, 0 where the driver cannot say (-1 or None)."""
    return max(getattr(cursor, "rowcount", 0) or 0, 0)


def _one(
    execute: Callable[[str], Any],
    sql: str,
    where: LocatedStatement,
    error: Callable[[Exception, LocatedStatement], ApplyError],
) -> int:
    try:
        cursor = execute(sql)
    except Exception as exc:
        raise error(exc, where) from None
    return rowcount(cursor)
