"""`COPY table FROM 'file.csv' (…)` in a DuckDB seed (what `EXPORT DATABASE` writes in
load.sql), loaded so that each row is tracked to its line of the file.

The file is copied as written into a stage table of the same columns without the
table's constraints (a value of the wrong type fails there, and DuckDB names its line),
then moved into the table by rowid ranges, halved around a row the table refuses (NOT
NULL, duplicate key, CHECK) until that row is alone and reported at its line; the other
rows go in, and foreign keys are checked by query as for every step.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.dryrun.diagnose import same_place
from seedkit.errors import Location, display_path

if TYPE_CHECKING:
    from seedkit.dryrun.session import Locator, Session
    from seedkit.sources.base import LocatedStatement

_NAME = r'(?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))*'
COPY_FILE = re.compile(
    rf"COPY\s+(?P<table>{_NAME})\s*(?:\((?P<cols>[^)]*)\))?\s+FROM\s+'(?P<path>(?:[^']|'')*)'"
    r"(?P<rest>.*)\Z",
    re.I | re.S,
)
_STAGE = "seedkit_copy_stage"


def _csv_locator(path: Path, header: bool) -> Locator:
    """Ordinal → the line of that record in the CSV file (quoted newlines counted)."""

    def locate(ordinals: list[int], _column: str | None) -> list[Location]:
        wanted = set(ordinals)
        lines: dict[int, int] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            start = 1
            for index, _row in enumerate(reader, start=-1 if header else 0):
                if index in wanted:
                    lines[index] = start
                start = reader.line_num + 1
                if index >= max(wanted, default=-1):
                    break
        shown = display_path(path)
        return [Location(shown, lines.get(o)) for o in ordinals]

    return locate


def load_copy_file(session: Session, stmt: LocatedStatement, m: re.Match[str]) -> None:
    """Load the COPY's file into its table, each refused row reported at its line."""
    from seedkit.dryrun.policy import _duck_name

    table = _duck_name(m["table"])
    cols = f" ({_duck_name(m['cols'])})" if m["cols"] else ""
    path = Path(m["path"].replace("''", "'"))
    rest = m["rest"]
    is_csv = not re.search(r"\b(parquet|json)\b", rest, re.I)
    header = is_csv and not re.search(r"\bheader\s*(?:0|false)\b", rest, re.I)
    locate = _csv_locator(path, header) if is_csv and path.is_file() else same_place(stmt.location)
    seq = session.statements
    try:
        session.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        session.execute(f"CREATE TEMP TABLE {_STAGE} AS SELECT * FROM {table} LIMIT 0")
        session.execute(f"COPY {_STAGE}{cols} FROM '{m['path']}'{rest}")
    except Exception as exc:
        line = re.search(r"\bLine:\s*(\d+)", str(exc))
        where = Location(display_path(path), int(line[1])) if line else stmt.location
        session.db_problem(exc, where, stmt=None if line else stmt)
        session.causes.row_refused(table, None, None, where)
        return
    total = session.scalar(f"SELECT count(*) FROM {_STAGE}") or 0
    names = cols[2:-1] if cols else "*"
    _move(session, table, cols, names, 0, int(total) - 1, locate, seq)
    session.execute(f"DROP TABLE IF EXISTS {_STAGE}")


def _move(
    session: Session,
    table: str,
    cols: str,
    names: str,
    lo: int,
    hi: int,
    locate: Locator,
    seq: int,
) -> None:
    if hi < lo or session.saturated:
        return
    before = session.max_rowid(table)
    try:
        session.execute(
            f"INSERT INTO {table}{cols} SELECT {names} FROM {_STAGE} "
            f"WHERE rowid BETWEEN {lo} AND {hi} ORDER BY rowid"
        )
    except Exception as exc:
        if lo == hi:
            where = locate([lo], None)[0]
            session.db_problem(exc, where)
            session.causes.row_refused(table, None, None, where)
            return
        middle = (lo + hi) // 2
        _move(session, table, cols, names, lo, middle, locate, seq)
        _move(session, table, cols, names, middle + 1, hi, locate, seq)
        return
    session.add_segment(table, before + 1, hi - lo + 1, locate, range(lo, hi + 1), seq)
