"""Statements a SQL file may not hold: transaction control and psql meta-commands.

seedkit runs an apply as one transaction where the database allows it (DESIGN §4), and
each step as one elsewhere. A `COMMIT` inside a SQL step would commit everything before
it (and on PostgreSQL release the advisory lock), so a later failure could no longer be
rolled back; a `BEGIN` or `ROLLBACK` breaks the transaction the same way. So:

- `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO
  SAVEPOINT`), `ABORT`, `PREPARE TRANSACTION`, `COMMIT/ROLLBACK PREPARED` and any
  `SET autocommit` are refused with their file and line (a TransactionControlError).
  `SAVEPOINT` and `RELEASE SAVEPOINT` stay inside the transaction and are allowed, as
  are `BEGIN … END` bodies of triggers, functions and procedures (the splitter keeps
  them inside their CREATE statement) and MySQL's `LOCK TABLES`.
- One exception, for `sqlite3 .dump` files: a `BEGIN [TRANSACTION]` before which the file
  has only PRAGMA or SET statements, together with a `COMMIT`/`END` that is the file's
  last statement, wrap the whole file; seedkit drops the pair, since it already runs the
  file inside its own transaction.
- A psql meta-command (`\\c db`, `\\set`, `\\i file`…) is refused: seedkit runs SQL,
  not psql scripts. pg_dump's own `\\restrict` and `\\unrestrict` lines, which only
  guard psql against meta-commands, pass here; the apply drops them
  (`strip_dump_guards`), the dry run names them as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from seedkit.errors import Location, SeedError
from seedkit.sources.base import LocatedRun, LocatedStatement


class TransactionControlError(SeedError):
    """A SQL file controls the transaction itself, or holds a psql meta-command."""


_COMMENT = re.compile(r"\s*(?:--[^\n]*(?:\n|\Z)|/\*(?!!)(?:[^*]|\*(?!/))*\*/)")
_CONDITIONAL = re.compile(r"\s*/\*!\d*\s*((?:[^*]|\*(?!/))*)\*/")
_WORDS = re.compile(r"[A-Za-z_@.]+|=|,|'[^']*'")
#: Words that may follow BEGIN / START TRANSACTION / COMMIT / ROLLBACK / END in a
#: statement that only controls the transaction (modes, isolation levels, chains).
_MODE_WORDS = frozenset(
    [
        "work",
        "transaction",
        "tran",
        "deferred",
        "immediate",
        "exclusive",
        "isolation",
        "level",
        "read",
        "write",
        "only",
        "committed",
        "uncommitted",
        "repeatable",
        "serializable",
        "snapshot",
        "not",
        "deferrable",
        "with",
        "consistent",
        "and",
        "no",
        "chain",
        "release",
    ]
)
#: The first words of every statement `transaction_control` can name.
_CONTROL_HEADS = frozenset(
    ["set", "start", "prepare", "commit", "rollback", "begin", "end", "abort"]
)
_META = re.compile(r"\\[A-Za-z!?]")
_PG_DUMP_GUARDS = re.compile(r"\\(?:un)?restrict\b[^\n]*(?:\n|\Z)")


def _body(sql: str) -> str:
    """The statement without leading comments; a MySQL `/*!NNNNN … */` counts as its text."""
    position = 0
    while True:
        conditional = _CONDITIONAL.match(sql, position)
        if conditional:
            return conditional.group(1).strip()
        comment = _COMMENT.match(sql, position)
        if not comment or comment.end() == position:
            return sql[position:].strip()
        position = comment.end()


def transaction_control(sql: str) -> str | None:
    """What a statement does to the transaction (`BEGIN`, `COMMIT`, `SET autocommit`…),
    or None when it is an ordinary statement."""
    body = _body(sql)
    first = _WORDS.search(body)
    if first is None or first.group().lower() not in _CONTROL_HEADS:
        return None  # most statements: no need to read past the first word
    words = [w.lower() for w in _WORDS.findall(body.rstrip(";"))]
    head, rest = words[0], words[1:]
    if head == "set":
        names = [w.lstrip("@").removeprefix("session.").removeprefix("global.") for w in rest]
        names = [n for n in names if n not in ("session", "global", "local")]
        return "SET autocommit" if names[:1] == ["autocommit"] else None
    if head == "start" and rest[:1] == ["transaction"]:
        return "START TRANSACTION"
    if head == "prepare" and rest[:1] == ["transaction"]:
        return "PREPARE TRANSACTION"
    if head in ("commit", "rollback") and rest[:1] == ["prepared"]:
        return f"{head.upper()} PREPARED"
    if head == "rollback" and "to" in rest:
        return None  # ROLLBACK TO SAVEPOINT stays inside the transaction
    if head in ("begin", "commit", "rollback", "end", "abort") and all(
        w in _MODE_WORDS or w in (",", "=") or w.startswith("'") for w in rest
    ):
        return head.upper()
    return None


def meta_command(sql: str) -> str | None:
    """The psql meta-command a statement starts with (`\\c`), or None."""
    body = _body(sql)
    return body.split(None, 1)[0] if _META.match(body) else None


def guard(
    statements: Iterable[LocatedStatement | LocatedRun],
) -> Iterator[LocatedStatement | LocatedRun]:
    """`statements` without transaction control and meta-commands: a wrapping BEGIN …
    COMMIT pair (a sqlite3 .dump) is dropped, anything else is a TransactionControlError
    at its file and line, raised before the statement would run. A run of literal
    INSERTs passes as it is."""
    wrapped = False
    only_settings = True
    held: LocatedStatement | None = None  # a COMMIT that may be the file's last statement
    for stmt in statements:
        if held is not None:
            raise _refusal(held, "COMMIT")
        if isinstance(stmt, LocatedRun):
            only_settings = False
            yield stmt
            continue
        control = transaction_control(stmt.sql)
        if control is None:
            command = meta_command(stmt.sql)
            if command is not None and not _PG_DUMP_GUARDS.match(_body(stmt.sql)):
                raise TransactionControlError(
                    f"`{command}` is a psql meta-command: seedkit runs SQL statements, "
                    "not psql scripts",
                    location=stmt.location,
                    hint="remove the line; to connect elsewhere, give the database in the "
                    "URL (--url)",
                )
            if not _is_setting(stmt.sql):
                only_settings = False
            yield stmt
            continue
        if control == "BEGIN" and only_settings and not wrapped:
            wrapped = True
            continue
        if control in ("COMMIT", "END") and wrapped:
            held = stmt
            continue
        raise _refusal(stmt, control)


def _is_setting(sql: str) -> bool:
    head = _body(sql).split(None, 1)[:1]
    return bool(head) and head[0].lower() in ("pragma", "set")


def strip_dump_guards(sql: str) -> str:
    """`sql` without pg_dump's leading `\\restrict`/`\\unrestrict` lines (psql-only guards;
    the apply drops them, the dry run names them as skipped)."""
    while (found := _PG_DUMP_GUARDS.match(sql.lstrip())) is not None:
        sql = sql.lstrip()[found.end() :]
    return sql.strip()


def _refusal(stmt: LocatedStatement, control: str) -> TransactionControlError:
    return TransactionControlError(
        f"`{control}` controls the transaction: seedkit runs the whole apply in one "
        "transaction (each step in one on MySQL and MariaDB) and commits it itself",
        location=Location(stmt.location.file, stmt.location.line, stmt.location.column),
        hint="remove the statement (a SAVEPOINT may take its place inside the file); "
        "nothing was applied",
    )
