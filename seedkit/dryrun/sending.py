"""How the dry run's statements go through the executor: its policy, its batches, its rows.

The executor (seedkit.plan.statements) sends a dry run's SQL files as it sends an
apply's; the DryRunAdapter answers its questions from here:

- `prepare` is the statement policy (`prepare_statement`): each source statement is
  decided (seedkit.dryrun.policy) and the SQL DuckDB runs is returned; a statement the
  policy skips returns nothing and is named in the fidelity report with its reason.
- `DryRunBatcher` is the adapter's batcher: plain literal INSERTs are queued and sent
  together (Session.flush, narrowed to the row at fault when refused), and data the dry
  run reads itself (a `COPY … FROM stdin` block's lines, DuckDB's `COPY t FROM 'file'`)
  is loaded row by row located.
- `tracking` surrounds each statement sent alone: the rows an INSERT added are
  remembered with the statement's place, for the foreign-key and length checks.

A statement DuckDB refuses goes to the dry run's sink (seedkit.dryrun.sink).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from seedkit.adapters.batches import Batcher
from seedkit.dryrun.causes import created_name, short_name
from seedkit.dryrun.diagnose import same_place
from seedkit.dryrun.failures import unknown_function
from seedkit.dryrun.policy import decide
from seedkit.dryrun.prelude import (
    absent_target,
    after_copy_block,
    after_meta_commands,
    with_inherited_columns,
)
from seedkit.dryrun.session import canonical

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.dryrun.session import Session
    from seedkit.sources.base import LocatedStatement

_ALTER_FK = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<child>[\w$.\"`]+).*?\bREFERENCES\s+(?:ONLY\s+)?"
    r"(?P<parent>[\w$.\"`]+)",
    re.I | re.S,
)


def prepare(session: Session, stmt: LocatedStatement) -> list[str]:
    """The SQL DuckDB runs for one source statement, in order; nothing when the policy
    skips it (named in the fidelity report with its reason). The statement and its
    Decision become the session's current ones, for the batcher, the sink and the
    row tracking that follow."""
    session.current = session.decision = session.copy_file = None
    stmt = after_copy_block(session, stmt)  # type: ignore[assignment]
    if stmt is None:
        return []
    if stmt.sql.startswith("\\"):
        stmt = after_meta_commands(session, stmt)  # type: ignore[assignment]
        if stmt is None:
            return []
    session.statements += 1
    if stmt.sql[:4].upper() in ("ALTE", "DROP") and (why := absent_target(session, stmt.sql)):
        session.fidelity(stmt, "skipped", why)
        return []
    decision = decide(stmt.sql, session.policy)
    if decision.literal is None and decision.copy is None:
        # Not on the literal INSERT path: a data statement declares no key, sets nothing.
        session.order.note(stmt.sql, session.statements)
    if decision.skip is not None:
        _skipped(session, stmt, decision.skip)
        return []
    session.current, session.decision = stmt, decision
    if decision.literal is not None:
        return [decision.literal.head + decision.literal.values]
    if decision.changes:
        session.fidelity(stmt, "changed", "; ".join(dict.fromkeys(decision.changes)))
    if decision.copy is not None:
        return [stmt.sql]
    if session.dialect == "duckdb" and stmt.sql[:4].upper() == "COPY":
        from seedkit.dryrun.copyfile import COPY_FILE

        session.copy_file = COPY_FILE.match(stmt.sql)
        if session.copy_file is not None:
            return [stmt.sql]
    if decision.sql and "INHERITS" in stmt.sql[:4000].upper():
        decision.sql[0] = with_inherited_columns(session, stmt.sql, decision.sql[0])
    session.left = len(decision.sql)
    if not decision.sql:  # nothing to run, and nothing failed: the statement counts as run
        session.left = 1
        sent(session)
    return list(decision.sql)


def _skipped(session: Session, stmt: LocatedStatement, reason: str) -> None:
    """A statement the policy skips: named, and what it would have made remembered."""
    session.functions.note(stmt.sql)
    name = session.functions.trigger_function(stmt.sql)
    if name and not session.functions.known(name):
        unknown_function(session, stmt, name, "trigger function")
        return
    session.fidelity(stmt, "skipped", reason)
    if reason.startswith("foreign key"):
        m = _ALTER_FK.match(stmt.sql)
        if m is not None:  # where `ALTER TABLE child … FOREIGN KEY … REFERENCES parent` is
            session.fk_added_at.setdefault(short_name(m["child"]), []).append(
                (short_name(m["parent"]), stmt.location)
            )
    else:
        session.causes.creation_failed(stmt.sql, stmt.location, "was skipped")


def load_data(session: Session) -> bool:
    """Load the data the current statement holds as the dry run reads it (a COPY block's
    lines, or a DuckDB COPY from a file), each row located; False when it holds none."""
    stmt, decision = session.current, session.decision
    if stmt is None or decision is None:
        return False
    if decision.copy is not None:
        from seedkit.dryrun.copydata import load_copy_block

        session.flush()
        session.copy_skip = load_copy_block(session, stmt, *decision.copy)
    elif session.copy_file is not None:
        from seedkit.dryrun.copyfile import load_copy_file

        session.flush()
        load_copy_file(session, stmt, session.copy_file)
    else:
        return False
    session.ran += 1
    return True


@contextmanager
def tracking(session: Session) -> Iterator[None]:
    """Around one SQL of the current statement, sent alone: the rows an INSERT added are
    remembered at the statement's place; once its last SQL ran, the statement counts as
    run (and what it created, as created there)."""
    stmt, decision = session.current, session.decision
    if stmt is None or decision is None:
        yield
        return
    inserts = decision.verb == "insert" and decision.table
    before = session.max_rowid(decision.table) if inserts and decision.table else 0
    yield
    if inserts and decision.table:
        after = session.max_rowid(decision.table)
        session.add_segment(
            decision.table,
            before + 1,
            after - before,
            same_place(stmt.location),
            range(after - before),
            session.statements,
        )
    elif decision.table and decision.verb in ("update", "delete"):
        session.dirty.add(canonical(decision.table))
    sent(session)


def sent(session: Session) -> None:
    """One more SQL of the current statement is done with (run, or its failure mended);
    after its last, the statement counts as run."""
    session.left -= 1
    stmt = session.current
    if session.left == 0 and stmt is not None:
        if (name := created_name(stmt.sql)) is not None:
            session.created_at.setdefault(name, stmt.location)
        session.ran += 1


class DryRunBatcher(Batcher):
    """The dry run's batcher (Adapter.batcher): literal INSERTs queued and sent together,
    data the dry run reads itself loaded; any other statement is left to the executor
    once what is queued has gone."""

    def __init__(self, session: Session) -> None:  # the session holds the queue
        self.session = session
        #: Rows are counted by the dry run's own report, not here.
        self.rows = 0

    def add(self, sql: str, where: LocatedStatement) -> bool:
        """Queue a literal INSERT, or load a statement's data, and return True; else send
        what is queued and return False."""
        session = self.session
        decision = session.decision
        if decision is not None and decision.literal is not None and session.current is not None:
            session.queue(session.current, decision.literal)
            return True
        if load_data(session):
            return True
        session.flush()
        return False

    def flush(self) -> None:
        """Send the queued literal INSERTs."""
        self.session.flush()


def send_alone(session: Session, conn: sa.Connection, stmt: LocatedStatement) -> None:
    """One source statement through the same pieces as the executor's walk (policy,
    batcher, tracking, `Adapter.execute`, sink): for a tool or a test driving a Session
    without a plan's steps."""
    send(session, conn, stmt, prepare(session, stmt))


def send(session: Session, conn: sa.Connection, stmt: LocatedStatement, sql: list[str]) -> None:
    """Send the SQL the policy gave for `stmt` as the executor's walk does
    (seedkit.plan.statements): queued or loaded by the batcher, else alone through
    `Adapter.execute` with its rows tracked, a refusal handed to the dry run's sink."""
    from seedkit.dryrun.sink import DryRunSink
    from seedkit.errors import ApplyError

    batcher, sink, adapter = DryRunBatcher(session), DryRunSink(session), session.adapter
    for one in sql:
        if batcher.add(one, stmt):
            continue
        try:
            with adapter.sending(conn, stmt, one):
                adapter.execute(conn, one, location=stmt.location)
        except ApplyError as exc:
            if not sink.failed(exc, stmt, one):
                break
