"""`COPY table (cols) FROM stdin` blocks of a pg_dump script, loaded into the dry run.

The SQL splitter does not know COPY's data lines; the dry run reads them from the file
itself (they follow the statement, up to a line `\\.`), in PostgreSQL's text format:
tab-separated, `\\N` for NULL, backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.dryrun.rows import insert_rows
from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.sources.base import LocatedStatement

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


def load_copy_block(
    session: Session, stmt: LocatedStatement, table: str, columns: list[str] | None, options: str
) -> tuple[str, int]:
    """Load the data lines after `stmt`; return (file, last line of the block) so the
    splitter's fragments of the data can be dropped."""
    end_line = stmt.line + stmt.sql.count("\n")
    rows: list[tuple[str | None, ...]] = []
    row_lines: list[int] = []
    last = end_line
    for number, text in _lines_after(Path(stmt.file), end_line):
        last = number
        if text == "\\.":
            break
        rows.append(tuple(_unescape(f) for f in text.split("\t")))
        row_lines.append(number)
    if re.search(r"\b(CSV|BINARY)\b", options, re.I):
        session.fidelity(stmt, "skipped", "COPY in CSV or binary format is not read by the dry run")
        return stmt.file, last
    if columns is None:
        info = session.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table.split(".")[-1].strip('"')],
        ).fetchall()
        columns = [f'"{name}"' for (name,) in info]

    def locate_row(index: int) -> Location:
        return Location(stmt.file, row_lines[index], 1)

    for index, row in enumerate(rows):
        if len(row) != len(columns):
            session.problem(
                "data",
                f"COPY row has {len(row)} fields, the column list has {len(columns)}",
                locate_row(index),
            )
            return stmt.file, last
    insert_rows(session, table, columns, rows, locate_row)
    return stmt.file, last
