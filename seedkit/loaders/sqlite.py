"""SQLite's fast path: one executemany per chunk of vouched CSV text, converted by SQLite.

The generic loader converts every field in Python (text → Python value → the text or
number SQLite stores). Here the scanner (`seedkit.loaders.csvscan`) vouches for a
chunk, the C `csv` module splits it, and the INSERT itself turns each field into what
the generic loader would have stored: `CAST(? AS INTEGER)`, `datetime(?)`, a CASE for
booleans, NULL for an unquoted empty field and an empty string for a quoted one
(`""` is marked before splitting, since the csv module cannot tell the two apart).
Only floats are converted in Python (SQLite's own text-to-real is not always
correctly rounded). Everything runs in the apply's transaction, in a savepoint: if
SQLite refuses a row, or a chunk holds text the patterns do not cover, the step is
replayed through the generic loader, which names the row's file and line.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.errors import ApplyError
from seedkit.loaders.base import Loader
from seedkit.loaders.csvscan import (
    ANY_TEXT,
    BOOLEAN,
    DATE,
    DECIMAL,
    SEEDKIT_PATTERNS,
    NotVouched,
    paused_gc,
)
from seedkit.manifest.models import Mode
from seedkit.schema import Column, TypeKind

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.loaders.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.target import Target

#: Marks a quoted empty field; a chunk holding it is left to the generic loader.
_MARK = "\x1e"
_HMS = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
_TRUE = ("true", "t", "yes", "y", "1", "on")
_FALSE = ("false", "f", "no", "n", "0", "off")
_NUMERIC_AFFINITY = ("INTEGER", "REAL", "NUMERIC")


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
    """(field pattern, SQL expression for parameter ?n, convert to float in Python) or None.

    The expression stores what the generic loader stores for the same text.
    """
    p = f"?{n}"
    kind = column.kind
    if kind in (TypeKind.TEXT, TypeKind.OTHER, TypeKind.UUID):
        return ANY_TEXT, f"CASE {p} WHEN '' THEN NULL WHEN char(30) THEN '' ELSE {p} END", False
    if kind is TypeKind.INTEGER:  # 64-bit range: longer numbers take the generic path
        return r"[+-]?(?:0*+[1-9][0-9]{0,17}|0++)", f"CAST(NULLIF({p}, '') AS INTEGER)", False
    if kind is TypeKind.DECIMAL and affinity(declared) in _NUMERIC_AFFINITY:
        return DECIMAL, f"NULLIF({p}, '')", False
    if kind is TypeKind.FLOAT:
        return SEEDKIT_PATTERNS[kind], p, True
    if kind is TypeKind.BOOLEAN:
        # A CASE chain: an IN list would build a lookup table for every row.
        cases = " ".join(f"WHEN '{t}' THEN {int(t in _TRUE)}" for t in _TRUE + _FALSE)
        return BOOLEAN, f"CASE lower({p}) {cases} END", False
    if kind is TypeKind.DATE:
        return DATE, f"NULLIF({p}, '')", False
    if kind is TypeKind.TIME and not any(z in column.type.upper() for z in ("TZ", "TIME ZONE")):
        return _HMS, f"time(NULLIF({p}, ''))", False
    if kind is TypeKind.TIMESTAMP:
        return f"{DATE}(?:[T ]{_HMS})?", f"datetime(NULLIF({p}, ''))", False
    return None


class SqliteFastLoader(Loader):
    """insert, replace and upsert of vouched CSV files on SQLite; the rest goes generic."""

    name: ClassVar[str] = "sqlite-fast"
    priority: ClassVar[int] = 10

    def accepts(self, target: Target, step: LoadStep) -> bool:
        """SQLite, for CSV steps in insert, replace or upsert mode."""
        return target.dialect.name == "sqlite" and step.mode in (
            Mode.INSERT,
            Mode.REPLACE,
            Mode.UPSERT,
        )

    def load(self, conn: sa.Connection, target: Target, step: LoadStep, reporter: Reporter) -> int:
        """Write the rows through SQLite's conversions, or replay them generically."""
        from seedkit.loaders.csvscan import csv_layout

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
        from seedkit.loaders.generic import GenericLoader

        return GenericLoader().load(conn, target, step, reporter)

    def _load(self, conn: sa.Connection, layout: CsvLayout) -> int:
        from seedkit.loaders.csvscan import record_regex

        step, dialect = self.step, self.target.dialect
        table = dialect.table_for_insert(step.table, step.table_name)
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
        sql = self._insert_sql(conn, table, layout.names, [p[1] for p in plans])
        floats = [i for i, p in enumerate(plans) if p[2]]
        if step.mode == Mode.REPLACE:
            self.target.run(conn, dialect.delete_all_sql(conn, table), step.source.context.locate())
        with paused_gc():
            return self._chunks(conn, layout, regex, sql, floats)

    def _chunks(
        self, conn: sa.Connection, layout: CsvLayout, regex: Any, sql: str, floats: list[int]
    ) -> int:
        from sqlalchemy.exc import DBAPIError

        from seedkit.loaders.csvscan import quoted_empty_marker, scan

        step, opts = self.step, layout.options
        mark = quoted_empty_marker(opts, _MARK)
        written = 0
        for path in layout.files:
            for chunk in scan(path, opts, regex):
                if _MARK in chunk:
                    raise NotVouched("the chunk holds the marker character")
                reader = csv.reader(
                    io.StringIO(mark(chunk), newline=""),
                    delimiter=opts.delimiter,
                    quotechar=opts.quote,
                    strict=True,
                )
                try:
                    rows: list[Any] = list(reader)
                except csv.Error as exc:  # e.g. a field over the csv module's size limit
                    raise NotVouched(str(exc)) from None
                for i in floats:
                    for row in rows:
                        row[i] = float(row[i]) if row[i] else None
                try:
                    self.target.run_many(conn, sql, list(map(tuple, rows)))
                except (DBAPIError, ApplyError, OverflowError):
                    raise _Refused() from None
                written += len(rows)
                self.reporter.step_progress(step.name, len(rows))
        return written

    def _declared_types(self, conn: sa.Connection, table: str) -> dict[str, str]:
        quoted = self.target.dialect.quote_table(conn, table)
        schema, _, name = quoted.rpartition(".")
        pragma = f"PRAGMA {schema + '.' if schema else ''}table_info({name})"
        rows = self.target.run(conn, pragma).fetchall()
        return {str(r[1]).lower(): str(r[2] or "") for r in rows}

    def _insert_sql(
        self, conn: sa.Connection, table: str, names: list[str], exprs: list[str]
    ) -> str:
        from seedkit.loaders.generic import column_name

        dialect, step = self.target.dialect, self.step
        cols = ", ".join(dialect.quote(conn, n) for n in names)
        sql = f"INSERT INTO {dialect.quote_table(conn, table)} ({cols}) VALUES ({', '.join(exprs)})"
        if step.mode == Mode.UPSERT:
            key = [column_name(step, k) for k in step.key]
            keys = ", ".join(dialect.quote(conn, k) for k in key)
            rest = [n for n in names if n not in key]
            sets = ", ".join(
                f"{dialect.quote(conn, c)} = excluded.{dialect.quote(conn, c)}" for c in rest
            )
            sql += f" ON CONFLICT ({keys}) DO " + (f"UPDATE SET {sets}" if rest else "NOTHING")
        return sql


class _Refused(Exception):
    """SQLite refused a row: replay through the generic loader to name it."""
