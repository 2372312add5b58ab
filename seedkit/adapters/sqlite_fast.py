"""SQLite's fast path: vouched CSV text staged as is, then one INSERT … SELECT converts it.

The generic loader converts every field in Python (text → Python value → the text or
number SQLite stores). Here the scanner (`seedkit.adapters.csvscan`) vouches for a
chunk, the C `csv` module splits it, and the fields go, still text, into a TEMP table
of untyped columns (multi-row INSERTs: no index, no conversion, so cheap). One
`INSERT … SELECT` from that table then turns each field into what the generic loader
would have stored: `CAST(? AS INTEGER)`, `datetime(?)`, a CASE for booleans, NULL for
an unquoted empty field and an empty string for a quoted one (`""` is marked before
splitting, since the csv module cannot tell the two apart). Only floats are converted
in Python (SQLite's own text-to-real is not always correctly rounded).

Why stage: binding rows straight into the target's INSERT costs more than binding them
into a table without indexes and moving them with one statement (the benchmark's 1M
rows, parsed beforehand: 4.6 s straight, against 1.2 s staged plus 2.2 s moved), and
the staging overlaps with the Python work: a reader thread vouches and splits while
the apply's thread runs the statements with the GIL released inside SQLite. Every
`_PIECE_ROWS` rows move and the stage is emptied, so it stays in SQLite's page cache
(its temporary file holds a piece at most) and memory stays flat; it is dropped after
the load.

Everything runs in the apply's transaction, in a savepoint: if SQLite refuses a row, or
a chunk holds text the patterns do not cover, the step is replayed through the generic
loader, which names the row's file and line.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.csvscan import NotVouched, paused_gc
from seedkit.adapters.loader import Loader
from seedkit.adapters.trace import trace
from seedkit.manifest.models import Mode
from seedkit.schema import Column, TypeKind
from seedkit.typerules import QUOTED_EMPTY_MARK, reader_for

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep

_NUMERIC_AFFINITY = ("INTEGER", "REAL", "NUMERIC")
#: Where the rows' placeholders go in the INSERT (no identifier holds a NUL).
_ROWS = "\x00rows\x00"
#: The TEMP table's name, before a random suffix.
_STAGE = "seedkit_stage"
#: Rows staged before they move into the target (a piece stays in the page cache).
_PIECE_ROWS = 32768
#: Parameters per statement at most (SQLite's own limit may be lower).
_MAX_PARAMS = 32766
#: How soon the reader thread hands the GIL back to a statement that has finished.
_SWITCH_SECONDS = 0.0002
#: Characters the reader thread scans and splits at a time: each C call over a chunk
#: holds the GIL, keeping a finished statement waiting, so chunks stay small.
_READ_CHARS = 64 << 10
#: SQLite's page cache during a load, in KiB.
_CACHE_KIB = 32 << 10
#: Batches the reader thread may prepare ahead of the inserting thread.
_QUEUE_DEPTH = 8


def affinity(declared: str) -> str:
    """SQLite's column affinity for a declared type (section 3.1 of its datatype page)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def column_plan(column: Column, declared: str, n: int) -> tuple[str, str, bool] | None:
    """(field pattern, SQL expression of VALUES column n, convert to float in Python) or None.

    The pattern and expression are the SQLite reader's in the kind's rule
    (`seedkit.typerules`); the expression stores what the generic loader stores for the
    same text. A decimal goes this way only into a column of numeric affinity (into a
    TEXT column SQLite would keep the digits as written), and a float's field becomes a
    Python float first (SQLite reads '1e5' text into a REAL column, but not 'inf').
    """
    reader = reader_for(column, "sqlite")
    if reader is None or reader.sql is None:
        return None
    if column.kind is TypeKind.DECIMAL and affinity(declared) not in _NUMERIC_AFFINITY:
        return None
    return reader.pattern, reader.sql.format(f=f"column{n}"), column.kind is TypeKind.FLOAT


class SqliteFastLoader(Loader):
    """insert, replace and upsert of vouched CSV files on SQLite; the rest goes generic."""

    name: ClassVar[str] = "sqlite-fast"
    priority: ClassVar[int] = 10

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """SQLite, for CSV steps in insert, replace or upsert mode."""
        return step.mode in (
            Mode.INSERT,
            Mode.REPLACE,
            Mode.UPSERT,
        )

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Write the rows through SQLite's conversions, or replay them generically."""
        from seedkit.adapters.csvscan import csv_layout

        self.target, self.step, self.reporter = target, step, reporter
        layout = csv_layout(step)
        if layout is not None and layout.options.null == ("",):
            savepoint = conn.begin_nested()
            try:
                rows = self._load(conn, layout)
            except (NotVouched, _Refused):
                savepoint.rollback()
            except BaseException:
                savepoint.rollback()
                raise
            else:
                savepoint.commit()
                return rows
        from seedkit.adapters.generic import GenericLoader

        return GenericLoader().load(conn, target, step, reporter)

    def _load(self, conn: sa.Connection, layout: CsvLayout) -> int:
        import uuid

        from seedkit.adapters.csvscan import record_regex

        step = self.step
        table = self.target.table_for_insert(step.table, step.table_name)
        declared = self._declared_types(conn, table)
        plans = []
        for n, column in enumerate(layout.columns, start=1):
            plan = column_plan(column, declared.get(column.name.lower(), ""), n)
            if plan is None:
                raise NotVouched(f"column {column.name} takes typed rows")
            plans.append(plan)
        by_name = {c: p for c, p in zip(layout.names, plans, strict=True)}
        regex = record_regex(layout, lambda c: by_name[c.name][0])
        assert regex is not None
        stage = f"temp.{_STAGE}_{uuid.uuid4().hex[:12]}"
        width = len(plans)
        sql = self._insert_sql(conn, table, stage, layout.names, [p[1] for p in plans])
        # upsert: a staged row with a NULL key sends the step to the generic loader,
        # which names the row (seedkit.adapters.keys).
        keys = {k.lower() for k in step.key} if step.mode == Mode.UPSERT else set()
        nulls = [f"({p[1]}) IS NULL" for c, p in by_name.items() if c.lower() in keys]
        check = f"SELECT 1 FROM {stage} WHERE {' OR '.join(nulls)}" if nulls else ""
        floats = [i for i, p in enumerate(plans) if p[2]]
        if step.mode == Mode.REPLACE:
            self.target.execute(
                conn, self.target.delete_all_sql(conn, table), location=step.source.context.locate()
            )
        columns = ", ".join(f"column{n}" for n in range(1, width + 1))
        driver = self.target.raw(conn, "PRAGMA cache_size")
        # A page cache big enough that SQLite seldom spills the target's pages while its
        # indexes fill (the 2 MiB default costs a quarter of the time in write calls),
        # but bounded: flat memory.
        cache = driver.execute("PRAGMA cache_size").fetchone()[0]
        if cache <= 0:  # in KiB (a positive size counts pages: the user chose it)
            trace("raw", f"PRAGMA cache_size = {min(int(cache), -_CACHE_KIB)}")
            driver.execute(f"PRAGMA cache_size = {min(int(cache), -_CACHE_KIB)}")
        trace("raw", f"CREATE TEMP TABLE {stage} ({columns})")
        driver.execute(f"CREATE TEMP TABLE {stage} ({columns})")
        try:
            with paused_gc():
                return self._chunks(conn, layout, regex, stage, (check, sql), floats)
        finally:
            trace("raw", f"DROP TABLE IF EXISTS {stage}")
            driver.execute(f"DROP TABLE IF EXISTS {stage}")
            trace("raw", f"PRAGMA cache_size = {int(cache)}")
            driver.execute(f"PRAGMA cache_size = {int(cache)}")

    def _chunks(
        self,
        conn: sa.Connection,
        layout: CsvLayout,
        regex: Any,
        stage: str,
        statements_: tuple[str, str],
        floats: list[int],
    ) -> int:
        """Stage the reader thread's batches as they come, and move every `_PIECE_ROWS`
        staged rows into the target with the second of `statements_`, emptying the stage;
        the first, when given, finds a staged row the step must refuse (_Refused).

        The reader thread scans, splits and converts chunks (Python work, holding the
        GIL) while this thread runs the statements (SQLite's work, GIL released), so
        the two overlap, the moving included. Each staging statement inserts `rows_per`
        rows, bound at once: one GIL hand-over per statement rather than one per row.
        A piece small enough to stay in SQLite's page cache never reaches the disk.
        """
        import contextlib
        import queue
        import sqlite3
        import sys
        import threading

        step, width = self.step, len(layout.columns)
        check, sql = statements_
        driver = self.target.raw(conn, sql, rows=_PIECE_ROWS)
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        rows_per = max(1, min(_MAX_PARAMS, limit) // width)
        batches: queue.Queue[tuple[tuple[Any, ...], int] | BaseException | None] = queue.Queue(
            maxsize=_QUEUE_DEPTH
        )
        stop = threading.Event()
        reader = threading.Thread(
            target=self._read,
            args=(layout, regex, floats, rows_per, batches, stop),
            name="seedkit-sqlite-reader",
            daemon=True,
        )
        cursor = driver.cursor()
        insert = f"INSERT INTO {stage} VALUES {_ROWS}"
        statements: dict[int, str] = {}
        staged = written = 0

        def move() -> None:
            try:
                if check:
                    trace("raw", check)
                if check and cursor.execute(check).fetchone():
                    raise _Refused()
                trace("raw", sql)
                cursor.execute(sql)
            except sqlite3.Error:
                raise _Refused() from None
            trace("raw", f"DELETE FROM {stage}")
            cursor.execute(f"DELETE FROM {stage}")
            self.reporter.step_progress(step.name, staged)

        switch = sys.getswitchinterval()
        sys.setswitchinterval(_SWITCH_SECONDS)
        reader.start()
        try:
            while (item := batches.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                params, count = item
                if count not in statements:
                    statements[count] = _many_rows(insert, width, count)
                    trace("raw", insert, rows=count)
                try:
                    cursor.execute(statements[count], params)
                except OverflowError:  # an integer SQLite cannot bind
                    raise _Refused() from None
                staged += count
                if staged >= _PIECE_ROWS:
                    move()
                    written, staged = written + staged, 0
            if staged:
                move()
                written += staged
        finally:
            sys.setswitchinterval(switch)
            stop.set()
            while reader.is_alive():  # unblock a reader waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    batches.get(timeout=0.05)
            cursor.close()
        return written

    def _read(
        self,
        layout: CsvLayout,
        regex: Any,
        floats: list[int],
        rows_per: int,
        out: Any,
        stop: Any,
    ) -> None:
        """The reader thread: vouched chunks split into flat parameter batches, then None."""
        from itertools import chain

        from seedkit.adapters.csvscan import quoted_empty_marker, scan

        opts = layout.options
        mark = quoted_empty_marker(opts, QUOTED_EMPTY_MARK)
        rows: list[Any] = []
        try:
            for path in layout.files:
                for chunk in scan(path, opts, regex, _READ_CHARS):
                    if stop.is_set():
                        return
                    if QUOTED_EMPTY_MARK in chunk:
                        raise NotVouched("the chunk holds the marker character")
                    reader = csv.reader(
                        io.StringIO(mark(chunk), newline=""),
                        delimiter=opts.delimiter,
                        quotechar=opts.quote,
                        strict=True,
                    )
                    try:
                        part: list[Any] = list(reader)
                    except csv.Error as exc:  # e.g. a field over the csv module's size limit
                        raise NotVouched(str(exc)) from None
                    for i in floats:
                        for row in part:
                            row[i] = float(row[i]) if row[i] else None
                    rows += part
                    while len(rows) >= rows_per:
                        out.put((tuple(chain.from_iterable(rows[:rows_per])), rows_per))
                        del rows[:rows_per]
            if rows:
                out.put((tuple(chain.from_iterable(rows)), len(rows)))
            out.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the inserting thread
            out.put(exc)

    def _declared_types(self, conn: sa.Connection, table: str) -> dict[str, str]:
        quoted = self.target.quote_table(conn, table)
        schema, _, name = quoted.rpartition(".")
        pragma = f"PRAGMA {schema + '.' if schema else ''}table_info({name})"
        rows = self.target.execute(conn, pragma).fetchall()
        return {str(r[1]).lower(): str(r[2] or "") for r in rows}

    def _insert_sql(
        self, conn: sa.Connection, table: str, stage: str, names: list[str], exprs: list[str]
    ) -> str:
        from seedkit.adapters.generic import column_name

        step = self.step
        cols = ", ".join(self.target.quote(conn, n) for n in names)
        # The expressions read the stage's columns (column1…n); `WHERE true` keeps an
        # ON CONFLICT clause from reading as a join's ON.
        sql = (
            f"INSERT INTO {self.target.quote_table(conn, table)} ({cols}) "
            f"SELECT {', '.join(exprs)} FROM {stage} WHERE true"
        )
        if step.mode == Mode.UPSERT:
            key = [column_name(step, k) for k in step.key]
            keys = ", ".join(self.target.quote(conn, k) for k in key)
            rest = [n for n in names if n not in key]
            sets = ", ".join(
                f"{self.target.quote(conn, c)} = excluded.{self.target.quote(conn, c)}"
                for c in rest
            )
            sql += f" ON CONFLICT ({keys}) DO " + (f"UPDATE SET {sets}" if rest else "NOTHING")
        return sql


def _many_rows(sql: str, width: int, count: int) -> str:
    """`sql` (an INSERT … VALUES {_ROWS}) taking `count` rows of `width` values."""
    row = "(" + ", ".join("?" * width) + ")"
    return sql.replace(_ROWS, ", ".join([row] * count), 1)


class _Refused(Exception):
    """SQLite refused a row: replay through the generic loader to name it."""
