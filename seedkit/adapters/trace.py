"""The trace of every statement seedkit sends: the `seedkit.sql` logger and recorders.

Each statement an adapter runs (`Adapter.execute`, `executemany`, `copy`, and what a
loader sends through `raw`) is traced here once, with where it comes from; the
statements SQLAlchemy sends by itself (its inspector's catalog queries, reflection)
are traced through an engine event, so nothing reaches the database unseen. `-v` shows
the logger; a test (or a tool) attaches a recorder to get the statements as data:

    with recording() as sent:
        api.apply(manifest, url=url)
    assert any(t.kind == "execute" and t.sql.startswith("CREATE TABLE") for t in sent)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.errors import Location

log = logging.getLogger("seedkit.sql")

#: A statement longer than this is cut in the log (a 10 MB INSERT would flood it).
_SHOWN = 2000


@dataclass(frozen=True)
class Traced:
    """One statement sent: how (`execute`, `executemany`, `copy`, `raw`, `sqlalchemy` for
    SQLAlchemy's own), its text, where it comes from, and its parameters or the number of
    rows it carries."""

    kind: str
    sql: str
    location: Location | None = None
    params: Sequence[Any] | None = None
    rows: int | None = None


#: Functions called with each Traced statement (`recording` adds and removes one).
TRACERS: list[Callable[[Traced], None]] = []


def tracing() -> bool:
    """Whether anyone looks at the trace (the logger at DEBUG, or a recorder)."""
    return bool(TRACERS) or log.isEnabledFor(logging.DEBUG)


def trace(
    kind: str,
    sql: str,
    location: Location | str | None = None,
    params: Sequence[Any] | None = None,
    rows: int | None = None,
) -> None:
    """Log one statement to `seedkit.sql` and hand it to every recorder."""
    if not tracing():
        return
    where = location if location is not None else "seedkit"
    shown = sql if len(sql) <= _SHOWN else sql[:_SHOWN] + " …"
    extra = f"  [{kind}" + (f", {rows} rows" if rows is not None else "") + "]"
    if params:
        log.debug("%s: %s %s%s", where, shown, list(params), extra)
    else:
        log.debug("%s: %s%s", where, shown, extra)
    item = Traced(kind, sql, location if not isinstance(location, str) else None, params, rows)
    for tracer in list(TRACERS):
        tracer(item)


@contextmanager
def recording() -> Iterator[list[Traced]]:
    """Collect every statement traced inside the block, in order."""
    sent: list[Traced] = []
    TRACERS.append(sent.append)
    try:
        yield sent
    finally:
        TRACERS.remove(sent.append)


#: conn.info key set while an adapter runs a statement itself (already traced).
OWN = "seedkit_own_statement"


def listen(engine: sa.Engine) -> None:
    """Trace the statements SQLAlchemy sends on its own through `engine` (the inspector's
    catalog queries for reflection and has_table, BEGIN/COMMIT are not statements)."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: sa.Connection, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        if not tracing() or conn.info.get(OWN):
            return
        shown = params if isinstance(params, (list, tuple)) and not many else None
        trace("sqlalchemy", statement, "sqlalchemy", shown or None)
