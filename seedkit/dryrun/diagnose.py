"""How a DuckDB error in the dry run becomes a located problem: its kind and message,
the word to point at, and locators putting rows at their place in the file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from seedkit.adapters.duckdb import duplicate_key, null_column
from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.dryrun.policy import LiteralInsert
    from seedkit.dryrun.session import Locator, Session
    from seedkit.sources.base import LocatedStatement


def classify(exc: Exception) -> tuple[str, str, str | None]:
    """(kind, message, a word to point at) from a DuckDB error."""
    text = str(exc)
    first = first_line(exc)
    for prefix in (
        "Constraint Error: ",
        "Binder Error: ",
        "Catalog Error: ",
        "Invalid Input Error: ",
    ):
        first = first.removeprefix(prefix)
    if (column := null_column(first)) is not None:
        return "not_null", f"NULL in NOT NULL column `{column}`", column
    if (key := duplicate_key(first)) is not None:
        col = key.split(":")[0].strip() if ":" in key else None
        return "unique", f"duplicate key {key}", col
    if "CHECK constraint failed" in first:
        m = re.search(r"with expression (CHECK.*)$", first)
        return "check", f"CHECK constraint failed: {m[1] if m else first}", None
    if m := re.search(r"does not have a column with name \"([^\"]+)\"", first):
        return "unknown_column", first, m[1]
    if "Conversion Error" in text or "Could not convert" in text or "Invalid Input Error" in text:
        word = re.search(r"string '([^']*)'", first)
        return "type", first.removeprefix("Conversion Error: "), word[1] if word else None
    if "Parser Error" in text:
        m = re.search(r"at or near \"([^\"]+)\"", first)
        return "sql", first.removeprefix("Parser Error: "), m[1] if m else None
    if m := re.search(r"with name (\w+) does not exist", first):
        return "sql", first, m[1]
    return "sql", first, None


def first_line(exc: Exception) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def pinpoint(stmt: LocatedStatement, word: str) -> Location | None:
    """The line and column of `word` inside the statement's text, in its file."""
    m = re.search(rf"(?<![\w$]){re.escape(word)}(?![\w$])", stmt.sql, re.I)
    if m is None:
        return None
    before = stmt.sql[: m.start()]
    line = stmt.line + before.count("\n")
    column = (stmt.column + len(before)) if "\n" not in before else len(before) - before.rfind("\n")
    return Location(stmt.file, line, column)


def same_place(location: Location) -> Locator:
    """A locator putting every row of a statement at the statement."""

    def locate(ordinals: list[int], _column: str | None) -> list[Location]:
        return [location] * len(ordinals)

    return locate


def literal_locator(stmt: LocatedStatement, lit: LiteralInsert) -> Locator:
    """A locator putting each row of a literal INSERT at its own tuple in the file."""

    def locate(ordinals: list[int], column: str | None) -> list[Location]:
        starts = lit.tuple_starts()
        out = []
        for ordinal in ordinals:
            pos = starts[ordinal] if ordinal < len(starts) else 0
            before = stmt.sql[:pos]
            line = stmt.line + before.count("\n")
            col = (
                (stmt.column + len(before))
                if "\n" not in before
                else len(before) - before.rfind("\n")
            )
            out.append(Location(stmt.file, line, col))
        return out

    return locate


def split_tuples(values: str, starts: list[int]) -> list[str]:
    """The text of each tuple of a VALUES list, from where each starts."""
    ends = [*starts[1:], len(values)]
    return [values[s:e].strip().rstrip(",").strip() for s, e in zip(starts, ends, strict=True)]


def duplicate_rows(
    session: Session, stmt: LocatedStatement, unique: tuple[str, list[str]], exc: Exception
) -> bool:
    """A unique index (or a PRIMARY KEY or UNIQUE constraint added after the rows, as
    pg_dump writes them) failed on rows already loaded: report each row whose key came
    before, at its own place. False when the failure is something else."""
    if "duplicates" not in str(exc):
        return False
    table, columns = unique
    keys = ", ".join(columns)
    not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    try:
        groups = session.execute(
            f"SELECT list(rowid ORDER BY rowid), {keys} FROM {table} WHERE {not_null} "
            f"GROUP BY ALL HAVING count(*) > 1 ORDER BY min(rowid) LIMIT 20"
        ).fetchall()
    except Exception:
        return False
    if not groups:
        return False
    shown_cols = ", ".join(c.strip('"`') for c in columns)
    for rowids, *values in groups:
        first, *later = rowids
        found = session.locate_rows(table, [first, *later])
        before = found.get(first)
        for rowid in later:
            shown = ", ".join(repr(v) for v in values)
            here = found.get(rowid) or stmt.location
            also = ""
            if before is not None and before.line is not None:
                at = (
                    f"line {before.line}"
                    if before.file == here.file
                    else f"{before.file}:{before.line}"
                )
                also = f"; the row at {at} has it too"
            session.problem(
                "unique",
                f"duplicate key ({shown_cols}) = ({shown}) in `{table.replace(chr(34), '')}`{also}",
                here,
                'remove the duplicate, or use mode = "upsert"',
            )
    return True
