"""`COPY table (cols) FROM stdin` blocks of a pg_dump script, loaded into the dry run.

The SQL splitter does not know COPY's data lines; the dry run reads them from the file
itself (they follow the statement, up to a line `\\.`), in PostgreSQL's text format:
tab-separated, `\\N` for NULL, backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.dryrun.rows import insert_rows
from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.sources.base import LocatedStatement

#: Data rows of a COPY block held at a time.
BLOCK_ROWS = 10_000

_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")


def _unescape(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field

    def one(m: re.Match[str]) -> str:
        code = m[1]
        if code[0] == "x":
            return chr(int(code[1:], 16))
        if code[0].isdigit():
            return chr(int(code, 8))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, field)


def _lines_after(path: Path, line: int) -> Iterator[tuple[int, str]]:
    """The file's lines after `line`, numbered from 1, read as they are needed.

    Numbered as `read_text().split("\\n")` numbers them (universal newlines, and an
    empty last line after a final newline), without holding the file: a pg_dump script
    has a block per table, and each block reads only up to its own end.
    """
    number = 0
    ended = True  # an empty file is one empty line
    with path.open(encoding="utf-8-sig") as handle:
        for raw in handle:
            number += 1
            ended = raw.endswith("\n")
            if number > line:
                yield number, raw.rstrip("\n")
    if ended and number + 1 > line:
        yield number + 1, ""


def _data_lines(path: Path, line: int) -> Iterator[tuple[int, str]]:
    """The block's data lines after `line`: up to its `\\.` line, or the end of the file."""
    for number, text in _lines_after(path, line):
        if text == "\\.":
            return
        yield number, text


def _insert_columns(
    session: Session,
    table: str,
    columns: list[str],
    rows: list[tuple[str | None, ...]],
    locate_row: Callable[[int], Location],
    base: int,
) -> bool:
    """Insert a chunk as one list of text per column (DuckDB casts each to its column's
    type): one statement, no parameter per value. False when DuckDB refuses it."""
    values = ", ".join("unnest(?::VARCHAR[])" for _ in columns)
    lists = [list(column) for column in zip(*rows, strict=True)]
    before = session.max_rowid(table)
    try:
        session.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values}", lists)
    except Exception:
        return False
    session.add_segment(
        table,
        before + 1,
        len(rows),
        lambda wanted, _column: [locate_row(o) for o in wanted],
        range(base, base + len(rows)),
        session.statements,
    )
    return True


def load_copy_block(
    session: Session, stmt: LocatedStatement, table: str, columns: list[str] | None, options: str
) -> tuple[str, int]:
    """Load the data lines after `stmt`; return (file, last line of the block) so the
    splitter's fragments of the data can be dropped.

    Two passes, neither holding the block: the first finds its end and checks that every
    row has a field per column (the block goes in whole or not at all), the second inserts
    it `BLOCK_ROWS` rows at a time.
    """
    end_line = stmt.line + stmt.sql.count("\n")
    path = Path(stmt.file)
    skipped = re.search(r"\b(CSV|BINARY)\b", options, re.I) is not None
    if not skipped and columns is None:
        info = session.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table.split(".")[-1].strip('"')],
        ).fetchall()
        columns = [f'"{name}"' for (name,) in info]
    last, bad = end_line, None
    for number, text in _lines_after(path, end_line):
        last = number
        if text == "\\.":
            break
        width = text.count("\t") + 1
        if bad is None and columns is not None and width != len(columns):
            bad = (number, width)
    if skipped:
        session.fidelity(stmt, "skipped", "COPY in CSV or binary format is not read by the dry run")
        return stmt.file, last
    assert columns is not None
    if bad is not None:
        session.problem(
            "data",
            f"COPY row has {bad[1]} fields, the column list has {len(columns)}",
            Location(stmt.file, bad[0], 1),
        )
        return stmt.file, last
    lines = _data_lines(path, end_line)
    base = 0
    while chunk := list(islice(lines, BLOCK_ROWS)):
        rows = [tuple(_unescape(f) for f in text.split("\t")) for _, text in chunk]
        numbers = [number for number, _ in chunk]

        def locate_row(index: int, numbers: list[int] = numbers, base: int = base) -> Location:
            return Location(stmt.file, numbers[index - base], 1)

        if not _insert_columns(session, table, columns, rows, locate_row, base):
            # A row DuckDB refuses: row by row in halves, each refusal at its line.
            insert_rows(
                session, table, columns, rows, locate_row, base=base, seq=session.statements
            )
        base += len(rows)
        if session.saturated:
            break
    return stmt.file, last
