"""The DuckDB session of one dry run: its database, what it has found, the rows it tracks.

The executor walks the dry run's stages as it walks an apply's and sends each statement
through the DryRunAdapter (seedkit.dryrun.adapter), whose policy, batcher and sink
(seedkit.dryrun.sending, seedkit.dryrun.sink) work on this session: a failure becomes a
Problem at the statement's file and line instead of an exception, so the dry run goes on
and reports every problem. Every statement, the session's own queries too, goes through
`Adapter.execute` on the session's connection. Plain literal INSERTs are batched (DuckDB
pays about a millisecond per statement); a failing batch is narrowed down to the
statement, and the row, at fault.

Rows are tracked by DuckDB's `rowid`: each load records which rowids came from which
file and line (a `Segment`), so the foreign-key and length checks, which run by query
after each step, can name the row's source.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from seedkit.dryrun.causes import Causes
from seedkit.dryrun.diagnose import classify, literal_locator, pinpoint, split_tuples
from seedkit.dryrun.failures import refuse_literal
from seedkit.dryrun.functions import Functions
from seedkit.dryrun.order import FkOrder
from seedkit.dryrun.policy import Decision, LiteralInsert, PolicyState, normalize_dialect
from seedkit.dryrun.report import CheckReport, FidelityItem, Problem
from seedkit.errors import Location
from seedkit.schema import table_key

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.dryrun.adapter import DryRunAdapter
    from seedkit.plan.steps import Plan
    from seedkit.schema import ForeignKey
    from seedkit.sources.base import LocatedStatement

_SURROGATE = re.compile("[\udc80-\udcff]")
#: Literal INSERT statements sent to DuckDB as one.
BATCH_STATEMENTS = 2000
#: ... and at most about this many characters of VALUES: DuckDB holds a statement's whole
#: parse tree, so 2,000 statements of 100 rows each took a gigabyte.
BATCH_CHARS = 1 << 18
#: Problems reported per step before the dry run stops looking in it.
MAX_PROBLEMS_PER_STEP = 20

Locator = Callable[[list[int], "str | None"], list[Location]]

#: Problems meaning a row was refused (not loaded).
_ROW_KINDS = frozenset({"type", "not_null", "check", "data", "sql"})


@dataclass
class Segment:
    """Rows `first_rowid …` of a table, loaded from one source: index i of the segment is
    the source's row `ordinals[i]` (a range when contiguous)."""

    first_rowid: int
    count: int
    locate: Locator
    ordinals: range | list[int]
    #: The number of the statement that inserted the rows (statements read so far).
    seq: int = 0
    #: True when a SQL statement inserted them with foreign keys checked per statement.
    strict: bool = False


@lru_cache(maxsize=4096)
def canonical(name: str) -> str:
    """A table's lookup key: lower case, unquoted, without the default `public`/`main` schema."""
    key = table_key(re.sub(r"\s+", "", name))
    for default in ("memory.main.", "memory.public.", "public.", "main."):
        if key.startswith(default):
            return key[len(default) :]
    return key


class Session:
    """One in-memory DuckDB for one dry run, and what it has found."""

    def __init__(self, plan: Plan, report: CheckReport) -> None:
        import duckdb

        self.plan = plan
        self.report = report
        self.dialect = normalize_dialect(plan.source_dialect)
        # No network: an unknown type must not make DuckDB download an extension.
        self.db = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
        from seedkit.dryrun.adapter import DryRunAdapter

        #: The adapter the executor runs the dry run through, and the session's connection.
        self.adapter: DryRunAdapter = DryRunAdapter(self)
        self.conn: sa.Connection = self.adapter.engine.connect()
        self.execute("SET TimeZone = 'UTC'")
        if self.dialect == "postgres":
            # PostgreSQL's default schema; unqualified names resolve there, as on the server.
            self.execute("CREATE SCHEMA IF NOT EXISTS public")
            self.execute("USE memory.public")
        self.policy = PolicyState(self.dialect, self.type_ok)
        self.step: str | None = None
        self.step_problems = 0
        self.segments: dict[str, list[Segment]] = {}
        self.watermarks: dict[str, int] = {}
        self.dirty: set[str] = set()
        self.invalid_steps: set[str] = set()
        self.statements = 0
        self.ran = 0
        self.rows_added = 0
        self._batch: list[tuple[LocatedStatement, LiteralInsert, int]] = []
        self._batch_chars = 0  # characters of VALUES in _batch
        self._types: dict[str, bool] = {}
        self.copy_skip: tuple[str, int] | None = None
        #: What failed, and what is not checked because of it (one root cause, one problem).
        self.causes = Causes()
        #: Where each table was created, and where foreign keys were added to it (short names).
        self.created_at: dict[str, Location] = {}
        self.fk_added_at: dict[str, list[tuple[str, Location]]] = {}
        self.parents_checked: set[tuple[str, tuple[str, ...], str]] = set()
        #: Steps run so far, and the keys enforced after the data checked whole (checks.py).
        self.steps_done: set[str] = set()
        self.finished = False
        self.late_checked: set[tuple[str, ForeignKey]] = set()
        #: When foreign keys came into force, for checking them per statement.
        self.order = FkOrder()
        #: Functions the seed creates (CREATE FUNCTION is skipped, not forgotten).
        self.functions = Functions(self.dialect)
        #: True while a refused row's values are being recorded by the caller itself.
        self.precise_refusal = False
        #: The source statement being sent (as the policy read it) and its Decision; the
        #: SQL of it left to send; a DuckDB `COPY t FROM 'file'` it is (seedkit.dryrun.sending).
        self.current: LocatedStatement | None = None
        self.decision: Decision | None = None
        self.left = 0
        self.copy_file: re.Match[str] | None = None

    def close(self) -> None:
        """Close the session's connection, the adapter's engine and the database."""
        self.conn.close()
        self.adapter.dispose()
        self.db.close()

    # -- problems and fidelity ---------------------------------------------------------

    def problem(
        self,
        kind: str,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        """Record a problem of the seed at `location`, in the current step."""
        loc = location or Location()
        if kind in _ROW_KINDS and not self.precise_refusal:
            step = self.plan.steps.get(self.step) if self.step else None
            if step is not None and not step.is_sql:
                # A row source's row was refused: its children are not blamed for it.
                self.causes.row_refused_in_step(step.table_name, step.name, loc)
        self.report.problems.append(
            Problem(self.step, kind, message, loc.file, loc.line, loc.column, hint)
        )
        self.step_problems += 1

    def fidelity(self, stmt: LocatedStatement, action: str, reason: str) -> None:
        """Record a statement skipped or changed for DuckDB."""
        first = stmt.sql.strip().splitlines()[0] if stmt.sql.strip() else ""
        shown = first if len(first) <= 80 else first[:77] + "..."
        self.report.fidelity.append(FidelityItem(stmt.file, stmt.line, action, reason, shown))

    @property
    def saturated(self) -> bool:
        """True once the current step has reported enough problems to stop looking."""
        return self.step_problems >= MAX_PROBLEMS_PER_STEP

    # -- execution -----------------------------------------------------------------------

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run one of the dry run's own statements through `Adapter.execute` on the
        session's connection (traced like every other); a failure raises DuckDB's own
        exception, whose words the callers read.

        A MySQL dump's raw BLOB bytes reach the dry run as lone surrogates (the file is
        read with surrogateescape); DuckDB takes UTF-8 only, so each such byte becomes
        U+FFFD: one character for one, so places in the text stay where they were (the
        adapter does so for a statement's text, here for its parameters)."""
        try:
            return self._send(sql, params)
        except Exception as exc:
            if "surrogate" not in str(exc):
                raise
            sql = _SURROGATE.sub("\ufffd", sql)
            if params:
                params = [_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in params]
            return self._send(sql, params)

    def _send(self, sql: str, params: list[Any] | None) -> Any:
        from seedkit.dryrun.sink import RefusedStatement

        try:
            return self.adapter.execute(self.conn, sql, params)
        except RefusedStatement as exc:
            raise exc.original from None

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first value of the first row of a query."""
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def type_ok(self, type_sql: str) -> bool:
        """True when DuckDB knows the type `type_sql` (asked once per type)."""
        if type_sql not in self._types:
            try:
                self.execute(f"SELECT CAST(NULL AS {type_sql})")
                self._types[type_sql] = True
            except Exception:
                self._types[type_sql] = False
        return self._types[type_sql]

    def max_rowid(self, table: str) -> int:
        """The largest rowid of `table` (-1 when empty or unknown)."""
        try:
            value = self.scalar(f"SELECT max(rowid) FROM {table}")
        except Exception:
            return -1
        return -1 if value is None else int(value)

    def add_segment(
        self,
        table: str,
        first_rowid: int,
        count: int,
        locate: Locator,
        ordinals: range | list[int],
        seq: int | None = None,
    ) -> None:
        """Remember where rows `first_rowid …` of `table` came from; `seq` is the number of
        the SQL statement that inserted them (None: a row source, checked per step)."""
        if count > 0:
            self.rows_added += count
            strict = seq is not None and self.order.enforced(table)
            self.segments.setdefault(canonical(table), []).append(
                Segment(
                    first_rowid,
                    count,
                    locate,
                    ordinals,
                    self.statements if seq is None else seq,
                    strict,
                )
            )

    def locate_rows(
        self, table: str, rowids: list[int], column: str | None = None
    ) -> dict[int, Location]:
        """The source location of each rowid of `table` (missing when not tracked)."""
        segments = self.segments.get(canonical(table), [])
        starts = [s.first_rowid for s in segments]
        wanted: dict[int, list[tuple[int, int]]] = {}
        for rowid in rowids:
            at = bisect.bisect_right(starts, rowid) - 1
            if at >= 0 and rowid < segments[at].first_rowid + segments[at].count:
                seg = segments[at]
                ordinal = seg.ordinals[rowid - seg.first_rowid]
                wanted.setdefault(at, []).append((rowid, ordinal))
        found: dict[int, Location] = {}
        for at, pairs in wanted.items():
            locations = segments[at].locate([o for _, o in pairs], column)
            for (rowid, _), loc in zip(pairs, locations, strict=True):
                found[rowid] = loc
        return found

    # -- statements --------------------------------------------------------------------

    def statement(self, stmt: LocatedStatement) -> None:
        """Send one source statement as the executor's walk does (policy, batch, execute,
        sink: seedkit.dryrun.sending), for a caller without a plan's steps."""
        from seedkit.dryrun.sending import send_alone

        send_alone(self, self.conn, stmt)

    def queue(self, stmt: LocatedStatement, literal: LiteralInsert) -> None:
        """Queue a plain literal INSERT, sending what is queued first when it writes another
        table or the batch is full."""
        if self._batch and (
            self._batch[0][1].head != literal.head
            or len(self._batch) >= BATCH_STATEMENTS
            or self._batch_chars >= BATCH_CHARS
        ):
            self.flush()
        self._batch.append((stmt, literal, self.statements))
        self._batch_chars += len(literal.values)
        self.ran += 1

    def flush(self) -> None:
        """Send the batched literal INSERTs, narrowing a failure down to its statement."""
        batch, self._batch, self._batch_chars = self._batch, [], 0
        if batch:
            self._insert_statements(batch)

    def _insert_statements(self, batch: list[tuple[LocatedStatement, LiteralInsert, int]]) -> None:
        head = batch[0][1].head
        table = batch[0][1].table
        before = self.max_rowid(table)
        try:
            self.execute(head + ", ".join(lit.values for _, lit, _ in batch))
        except Exception as exc:
            if (cause := self.causes.missing(exc)) is not None:
                lead = batch[0][0]
                self.causes.not_checked(lead.location, lead.sql, cause, len(batch))
                return
            if len(batch) == 1:
                self._narrow_rows(*batch[0], exc)
                return
            middle = len(batch) // 2
            self._insert_statements(batch[:middle])
            self._insert_statements(batch[middle:])
            return
        first = before + 1
        for stmt, lit, seq in batch:
            count = lit.row_count
            self.add_segment(table, first, count, literal_locator(stmt, lit), range(count), seq)
            first += count

    def _narrow_rows(
        self, stmt: LocatedStatement, lit: LiteralInsert, seq: int, exc: Exception
    ) -> None:
        """One multi-row INSERT failed: find the row at fault by inserting row by row."""
        starts = lit.tuple_starts()
        locate = literal_locator(stmt, lit)
        if len(starts) <= 1:
            if not starts or classify(exc)[0] == "sql":
                self.db_problem(exc, stmt.location, stmt=stmt)  # the statement's own fault
                return
            # One row: at its tuple (pg_dump --rows-per-insert puts it on its own line).
            where = locate([0], None)[0]
            self.db_problem(exc, where)
            refuse_literal(self, lit, lit.values.strip(), where)
            return
        rows = split_tuples(lit.values, [s - lit.values_offset for s in starts])
        for index, row in enumerate(rows):
            if self.saturated:
                return
            before = self.max_rowid(lit.table)
            try:
                self.execute(lit.head + row)
            except Exception as row_exc:
                where = locate([index], None)[0]
                self.db_problem(row_exc, where)
                refuse_literal(self, lit, row, where)
                continue
            self.add_segment(lit.table, before + 1, 1, locate, [index], seq)

    def db_problem(
        self,
        exc: Exception,
        location: Location,
        stmt: LocatedStatement | None = None,
        columns: list[str] | None = None,
        column_of: Callable[[str], int | None] | None = None,
    ) -> None:
        """Record a database error as a problem: its kind from DuckDB's words, and where.
        An error only caused by an earlier failure is "not checked" instead."""
        if (cause := self.causes.missing(exc)) is not None:
            self.causes.not_checked(location, stmt.sql if stmt else "", cause)
            return
        # The first statement naming a table that does not exist is the problem; the others
        # naming it are "not checked".
        self.causes.name_missing(exc, location)
        kind, message, word = classify(exc)
        loc = location
        if stmt is not None and word:
            loc = pinpoint(stmt, word) or loc
        elif column_of is not None and word:
            col = column_of(word)
            if col is not None:
                loc = Location(loc.file, loc.line, col, loc.key)
        hint = {
            "sql": "fix the statement",
            "unknown_column": "use a column of the table",
            "not_null": "give the column a value",
            "unique": 'remove the duplicate, or use mode = "upsert"',
            "check": "fix the value so the CHECK holds",
            "type": "write a value of the column's type",
        }.get(kind)
        self.problem(kind, message, loc, hint)
