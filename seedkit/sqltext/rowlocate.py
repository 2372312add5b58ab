"""The row of a multi-row INSERT that a database error is about.

A dump writes many rows in one statement (`mariadb-dump`'s extended inserts,
`pg_dump --rows-per-insert`), one row a line. The database names the statement only, but
its message names the row's key or values (`Duplicate entry 'A-1' for key 'PRIMARY'`,
`Key (sku)=(A-1) already exists.`, `Failing row contains (1, Ann, null)`), so the error
can point at the row's own line: the row holding that value (of two, the second: the row
that repeated it). MariaDB's `Got error 1 "Operation not permitted" during COMMIT`, its
word for a key repeated in a bulk insert, names none: the row repeating an earlier row's
first value is taken. DuckDB's `COPY t FROM 'file.csv'` (its EXPORT DATABASE's load.sql)
names the key too, and the row is then looked up in that CSV file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from seedkit.errors import Location

_INSERT = re.compile(r"\s*(?:/\*.*?\*/\s*)?insert\b.*?\bvalues\s*", re.IGNORECASE | re.DOTALL)
_DUPLICATE = re.compile(r"Duplicate entry '(.*)' for key")
_KEY = re.compile(r"Key \((?:[^)]*)\)=\((.*)\) (?:already exists|is not present)")
_FAILING = re.compile(r"Failing row contains \((.*)\)")
_AT_COMMIT = "during COMMIT (1180)"


@dataclass(frozen=True)
class _Row:
    line: int  # counted from the statement's first line, 0-based
    column: int
    values: tuple[str, ...]


def locate_row(sql: str, where: Location, message: str, backslash: bool) -> Location | None:
    """The line of the row `message` is about, when `sql` is an INSERT of rows on several
    lines; None when it cannot tell (one row, or no value in the message)."""
    head = _INSERT.match(sql)
    if head is None or "\n" not in sql[head.end() :] or where.line is None:
        return None
    rows = list(_rows(sql, head.end(), backslash))
    if len(rows) < 2:
        return None
    match = _match(rows, message)
    if match is None:
        return None
    column = match.column if match.line else match.column + (where.column or 1) - 1
    return Location(where.file, where.line + match.line, column)


def _match(rows: list[_Row], message: str) -> _Row | None:
    keys: list[tuple[str, ...]]
    if found := _FAILING.search(message):
        keys = [(found[1].split(",")[0].strip(),)]
    elif found := _DUPLICATE.search(message):  # MySQL joins a composite key's parts with -
        keys = [(found[1],), tuple(found[1].split("-"))]
    elif found := _KEY.search(message):
        keys = [tuple(v.strip() for v in found[1].split(","))]
    elif _AT_COMMIT in message:
        # MariaDB's bulk insert into an empty table finds a repeated key only at the end,
        # without naming it: the first row repeating an earlier row's first value.
        seen: set[str] = set()
        for row in rows:
            if row.values and row.values[0] in seen:
                return row
            seen.update(row.values[:1])
        return None
    else:
        return None
    for key in keys:  # a key is most often the row's first values
        hits = [row for row in rows if row.values[: len(key)] == key]
        if hits:
            return hits[1] if len(hits) > 1 else hits[0]
    return None


def value_rows(sql: str, pos: int, backslash: bool) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """Each `( … )` tuple of an INSERT's VALUES from `pos` on, as (line counted from the
    statement's first line, 0-based; column; its values as literal text, unquoted)."""
    for row in _rows(sql, pos, backslash):
        yield row.line, row.column, row.values


def _rows(sql: str, pos: int, backslash: bool) -> Iterator[_Row]:
    """Each top-level `( … )` tuple after VALUES, with its line, column and literal values."""
    line, line_start = sql.count("\n", 0, pos), sql.rfind("\n", 0, pos) + 1
    n = len(sql)
    while pos < n:
        ch = sql[pos]
        if ch == "\n":
            line, line_start = line + 1, pos + 1
        if ch != "(":
            if ch not in " \t\r\n,":
                return  # ON DUPLICATE KEY …, RETURNING …: the rows are over
            pos += 1
            continue
        start_line, column = line, pos - line_start + 1
        values: list[str] = []
        current: list[str] = []
        depth, pos = 1, pos + 1
        while pos < n and depth:
            ch = sql[pos]
            if ch == "'":
                end = pos + 1
                text: list[str] = []
                while end < n:
                    c = sql[end]
                    if backslash and c == "\\" and end + 1 < n:
                        text.append(sql[end + 1])
                        end += 2
                        continue
                    if c == "'":
                        if sql.startswith("'", end + 1):
                            text.append("'")
                            end += 2
                            continue
                        break
                    if c == "\n":
                        line, line_start = line + 1, end + 1
                    text.append(c)
                    end += 1
                current.append("".join(text))
                pos = end + 1
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 1:
                values.append("".join(current).strip())
                current = []
            elif ch == "\n":
                line, line_start = line + 1, pos + 1
            if depth:
                current.append(ch)
            pos += 1
        values.append("".join(current).strip())
        yield _Row(
            start_line, column, tuple(v.lower() if v in ("NULL", "null") else v for v in values)
        )


_COPY_FILE = re.compile(
    r"\s*copy\s+\S+(?:\s*\([^)]*\))?\s+from\s+'(?P<path>(?:[^']|'')*)'\s*(?:\((?P<options>.*)\))?",
    re.IGNORECASE | re.DOTALL,
)
_DUCKDB_DUPLICATE = re.compile(r'[Dd]uplicate key "(.*?)"')
_OPTION = re.compile(r"\b(delimiter|delim|sep|quote)\s+'((?:[^']|'')*)'", re.IGNORECASE)


def locate_file_row(sql: str, message: str) -> Location | None:
    """The CSV line of a repeated key DuckDB names (`duplicate key "10"`) for a
    `COPY t FROM 'file.csv' (…, header 1)` statement, as DuckDB's EXPORT DATABASE writes
    them; None when the statement, the message or the file does not say."""
    import csv

    from seedkit.errors import display_path

    copy, found = _COPY_FILE.match(sql), _DUCKDB_DUPLICATE.search(message)
    if copy is None or found is None:
        return None
    options = {k.lower(): v.replace("''", "'") for k, v in _OPTION.findall(copy["options"] or "")}
    if "csv" not in (copy["options"] or "csv").lower() and not copy["path"].endswith(".csv"):
        return None
    # DuckDB 1 spells the key `id: 10`; DuckDB 2 only its values (`10`), most often the
    # first columns' (as a table's key is most often written first).
    parts = [part.split(": ", 1) for part in found[1].split(", ")]
    named = all(len(part) == 2 for part in parts)
    path = copy["path"].replace("''", "'")
    delimiter = options.get("delimiter") or options.get("delim") or options.get("sep") or ","
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, quotechar=options.get("quote", '"'))
            header = next(reader)
            where = [header.index(p[0]) for p in parts] if named else list(range(len(parts)))
            wanted = [p[-1] for p in parts]
            hits: list[int] = []
            line = reader.line_num + 1
            for row in reader:
                if all(i < len(row) and row[i] == v for i, v in zip(where, wanted, strict=True)):
                    hits.append(line)
                    if len(hits) == 2:
                        break
                line = reader.line_num + 1
    except (OSError, ValueError, StopIteration, csv.Error):
        return None
    if not hits:
        return None
    return Location(display_path(path), hits[-1], 1)
