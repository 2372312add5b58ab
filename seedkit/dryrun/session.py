"""The DuckDB session of one dry run: runs statements, records problems, tracks rows.

Every statement goes through `Session.statement` (called by the dry-run dialect's
`prepare_statement` hook): the policy decides, the session runs it on its own
in-memory DuckDB connection, and a failure becomes a Problem at the statement's file
and line instead of an exception, so the dry run goes on and reports every problem.
Plain literal INSERTs are batched (DuckDB pays about a millisecond per statement);
a failing batch is narrowed down to the statement, and the row, at fault.

Rows are tracked by DuckDB's `rowid`: each load records which rowids came from which
file and line (a `Segment`), so the foreign-key and length checks, which run by query
after each step, can name the row's source.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from seedkit.adapters.trace import trace
from seedkit.dryrun.causes import Causes, created_name, short_name
from seedkit.dryrun.diagnose import (
    classify,
    duplicate_rows,
    first_line,
    literal_locator,
    pinpoint,
    same_place,
    split_tuples,
)
from seedkit.dryrun.failures import (
    function_missing,
    narrow_insert,
    refuse_literal,
    unknown_function,
)
from seedkit.dryrun.functions import Functions, missing_function
from seedkit.dryrun.order import FkOrder
from seedkit.dryrun.policy import Decision, LiteralInsert, PolicyState, decide, normalize_dialect
from seedkit.dryrun.prelude import (
    absent_target,
    after_copy_block,
    after_meta_commands,
    with_inherited_columns,
)
from seedkit.dryrun.report import CheckReport, FidelityItem, Problem
from seedkit.errors import Location
from seedkit.schema import table_key

if TYPE_CHECKING:
    from seedkit.plan.steps import Plan
    from seedkit.schema import ForeignKey
    from seedkit.sources.base import LocatedStatement

log = logging.getLogger("seedkit.sql")

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
_ALTER_FK = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<child>[\w$.\"`]+).*?\bREFERENCES\s+(?:ONLY\s+)?"
    r"(?P<parent>[\w$.\"`]+)",
    re.I | re.S,
)


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
        self.db.execute("SET TimeZone = 'UTC'")
        if self.dialect == "postgres":
            # PostgreSQL's default schema; unqualified names resolve there, as on the server.
            self.db.execute("CREATE SCHEMA IF NOT EXISTS public")
            self.db.execute("USE memory.public")
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
        """Run one statement on the session's connection, traced like every other.

        A MySQL dump's raw BLOB bytes reach the dry run as lone surrogates (the file is
        read with surrogateescape); DuckDB takes UTF-8 only, so each such byte becomes
        U+FFFD: one character for one, so places in the text stay where they were."""
        trace("dry run", sql, "dry run", params)
        try:
            return self.db.execute(sql, params) if params else self.db.execute(sql)
        except Exception as exc:
            if "surrogate" not in str(exc):
                raise
            sql = _SURROGATE.sub("\ufffd", sql)
            if params:
                params = [_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in params]
            return self.db.execute(sql, params) if params else self.db.execute(sql)

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first value of the first row of a query."""
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def type_ok(self, type_sql: str) -> bool:
        """True when DuckDB knows the type `type_sql` (asked once per type)."""
        if type_sql not in self._types:
            try:
                self.db.execute(f"SELECT CAST(NULL AS {type_sql})")
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
        """Decide, then run (or batch, or skip with its reason) one source statement."""
        stmt = after_copy_block(self, stmt)  # type: ignore[assignment]
        if stmt is None:
            return
        if stmt.sql.startswith("\\"):
            stmt = after_meta_commands(self, stmt)  # type: ignore[assignment]
            if stmt is None:
                return
        self.statements += 1
        if stmt.sql[:4].upper() in ("ALTE", "DROP") and (why := absent_target(self, stmt.sql)):
            self.fidelity(stmt, "skipped", why)
            return
        decision = decide(stmt.sql, self.policy)
        if decision.literal is None and decision.copy is None:
            # Not on the literal INSERT path: a data statement declares no key, sets nothing.
            self.order.note(stmt.sql, self.statements)
        if decision.skip is not None:
            self.functions.note(stmt.sql)
            if (name := self.functions.trigger_function(stmt.sql)) and not self.functions.known(
                name
            ):
                unknown_function(self, stmt, name, "trigger function")
                return
            self.fidelity(stmt, "skipped", decision.skip)
            if decision.skip.startswith("foreign key"):
                self._note_foreign_key(stmt)
            else:
                self.causes.creation_failed(stmt.sql, stmt.location, "was skipped")
            return
        if decision.literal is not None:
            if self._batch and (
                self._batch[0][1].head != decision.literal.head
                or len(self._batch) >= BATCH_STATEMENTS
                or self._batch_chars >= BATCH_CHARS
            ):
                self.flush()
            self._batch.append((stmt, decision.literal, self.statements))
            self._batch_chars += len(decision.literal.values)
            self.ran += 1
            return
        self.flush()
        if decision.changes:
            self.fidelity(stmt, "changed", "; ".join(dict.fromkeys(decision.changes)))
        if decision.copy is not None:
            from seedkit.dryrun.copydata import load_copy_block

            self.copy_skip = load_copy_block(self, stmt, *decision.copy)
            self.ran += 1
            return
        if self.dialect == "duckdb" and stmt.sql[:4].upper() == "COPY":
            from seedkit.dryrun.copyfile import COPY_FILE, load_copy_file

            if (m := COPY_FILE.match(stmt.sql)) is not None:
                load_copy_file(self, stmt, m)
                self.ran += 1
                return
        self._run_decision(stmt, decision)

    def _run_decision(self, stmt: LocatedStatement, decision: Decision) -> None:
        if decision.sql and "INHERITS" in stmt.sql[:4000].upper():
            decision.sql[0] = with_inherited_columns(self, stmt.sql, decision.sql[0])
        for sql in decision.sql:
            before = (
                self.max_rowid(decision.table)
                if decision.verb == "insert" and decision.table
                else 0
            )
            try:
                self.execute(sql)
            except Exception as exc:
                if decision.unique is not None and duplicate_rows(self, stmt, decision.unique, exc):
                    return
                if (cause := self.causes.missing(exc)) is not None:
                    self.causes.not_checked(stmt.location, stmt.sql, cause)
                    self.causes.creation_failed(stmt.sql, stmt.location, "was not checked")
                    return
                if (name := missing_function(exc)) is not None:
                    if function_missing(self, stmt, decision, sql, name):
                        continue
                    return
                if decision.tolerate:
                    self.fidelity(stmt, "skipped", f"{decision.tolerate}: {first_line(exc)}")
                    self.causes.creation_failed(stmt.sql, stmt.location, "DuckDB could not run")
                    return
                if str(exc).startswith("Dependency Error"):
                    # DuckDB cannot alter a table an index depends on; the database can.
                    self.fidelity(stmt, "skipped", f"DuckDB cannot run it: {first_line(exc)}")
                    return
                if decision.table and decision.verb == "insert":
                    if narrow_insert(self, stmt, exc):
                        return
                    self.causes.row_refused(decision.table, None, None, stmt.location)
                self.db_problem(exc, stmt.location, stmt=stmt)
                self.causes.creation_failed(stmt.sql, stmt.location)
                return
            if decision.table and decision.verb == "insert":
                after = self.max_rowid(decision.table)
                self.add_segment(
                    decision.table,
                    before + 1,
                    after - before,
                    same_place(stmt.location),
                    range(after - before),
                    self.statements,
                )
            elif decision.table and decision.verb in ("update", "delete"):
                self.dirty.add(canonical(decision.table))
        if (name := created_name(stmt.sql)) is not None:
            self.created_at.setdefault(name, stmt.location)
        self.ran += 1

    def _note_foreign_key(self, stmt: LocatedStatement) -> None:
        """Remember where `ALTER TABLE child … FOREIGN KEY … REFERENCES parent` is."""
        m = _ALTER_FK.match(stmt.sql)
        if m is not None:
            self.fk_added_at.setdefault(short_name(m["child"]), []).append(
                (short_name(m["parent"]), stmt.location)
            )

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
