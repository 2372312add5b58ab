"""Writing Python rows into the dry run's DuckDB: multi-row statements, bad rows narrowed.

DuckDB is slow with `executemany`, so rows go in as one `INSERT … VALUES (?, ?), (?, ?)…`
per chunk. A chunk DuckDB refuses is split in halves until the refused row is alone,
and that row is reported at its own file and line; the other rows are kept, so the
dry run goes on to find the next problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session

CHUNK_ROWS = 1000
MAX_PARAMS = 20_000


def insert_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    locate_row: Callable[[int], Location],
    base: int = 0,
    seq: int | None = None,
) -> int:
    """Insert `rows` into `table` (a DuckDB name) for `columns` (quoted names); return how
    many went in. Row i of `rows` is the source's row `base + i`, at `locate_row(base + i)`."""
    if not rows:
        return 0
    width = max(len(columns), 1)
    size = max(1, min(CHUNK_ROWS, MAX_PARAMS // width))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    written = 0
    for start in range(0, len(rows), size):
        written += _insert_chunk(
            session,
            table,
            head,
            width,
            rows,
            start,
            min(start + size, len(rows)),
            locate_row,
            base,
            seq,
        )
        if session.saturated:
            break
    return written


def head_columns(head: str) -> list[str]:
    """The column names of `INSERT INTO t (a, b) VALUES `."""
    inner = head[head.index("(") + 1 : head.rindex(")")]
    return [c.strip() for c in inner.split(",")]


def _insert_chunk(
    session: Session,
    table: str,
    head: str,
    width: int,
    rows: list[tuple[Any, ...]],
    lo: int,
    hi: int,
    locate_row: Callable[[int], Location],
    base: int,
    seq: int | None = None,
) -> int:
    marks = "(" + ", ".join(["?"] * width) + ")"
    params = [v for row in rows[lo:hi] for v in row]
    before = session.max_rowid(table)
    try:
        session.execute(head + ", ".join([marks] * (hi - lo)), params)
    except Exception as exc:
        if hi - lo == 1:
            where = locate_row(base + lo)
            session.precise_refusal = True
            try:
                session.db_problem(exc, where)
            finally:
                session.precise_refusal = False
            session.causes.row_refused(table, list(head_columns(head)), rows[lo], where)
            return 0
        middle = (lo + hi) // 2
        done = _insert_chunk(session, table, head, width, rows, lo, middle, locate_row, base, seq)
        if not session.saturated:
            done += _insert_chunk(
                session, table, head, width, rows, middle, hi, locate_row, base, seq
            )
        return done
    ordinals = range(base + lo, base + hi)
    session.add_segment(
        table,
        before + 1,
        hi - lo,
        lambda wanted, _column: [locate_row(o) for o in wanted],
        ordinals,
        seq,
    )
    return hi - lo
