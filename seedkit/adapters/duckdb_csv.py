"""DuckDB's fast path: its own CSV reader, every column read as text, then cast in SQL.

DuckDB has no savepoints: a statement that fails aborts the whole transaction, so the
fast path must never fail where seedkit's own reader and converters would succeed.
One `INSERT … SELECT … FROM read_csv(…)` loads the files, with `allow_quoted_nulls =
false` so that a quoted empty field stays an empty string, and a WHERE clause that keeps
only rows whose typed fields are NULL or match their column's pattern (the text
seedkit's converter accepts, in RE2's syntax): no cast can fail. Meanwhile a thread
checks the files' quoting and counts their records (`seedkit.adapters.csvshape`): DuckDB
reads a stray quote or a space beside a quoted field without a word, where seedkit's
reader stops. When the quoting is sound and DuckDB took every record, the step is done.

Otherwise the step goes through the generic loader, which reports a bad value at its
file, line and column. To get there, the rows DuckDB took are deleted again, which is
exact when the table was empty before the step (always so for `replace`). Into a table
that already holds rows, the checks run first instead, and the insert after them.

If DuckDB refuses a row (a constraint), the transaction is lost and the apply fails.
The error then names the row's line for a NULL in a NOT NULL column or a key given
twice (`seedkit.adapters.duckdb_refused` finds it after the fact), else the first bad
value seedkit's reader finds in the files, else the file alone with DuckDB's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.csvscan import cast_pattern, re2_pattern
from seedkit.adapters.loader import Loader
from seedkit.errors import ApplyError, Location, SeedkitError
from seedkit.manifest.models import Mode
from seedkit.typerules import reader_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future

    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.schema import Column
    from seedkit.sources.csvreader import CsvOptions


class DuckdbCsvLoader(Loader):
    """insert and replace of vouched CSV files through DuckDB's read_csv."""

    name: ClassVar[str] = "duckdb-read-csv"
    priority: ClassVar[int] = 10

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """DuckDB targets, CSV steps in insert or replace mode whose columns all qualify."""
        from seedkit.adapters.csvscan import csv_layout

        if step.mode not in (Mode.INSERT, Mode.REPLACE):
            return False
        layout = csv_layout(step)
        return (
            layout is not None
            and layout.options.encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
            and all(cast_pattern(c) is not None for c in layout.columns)
        )

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Load the files in one filtered statement while their quoting is checked;
        go generic when a check fails."""
        from seedkit.adapters.csvscan import csv_layout
        from seedkit.background import helper_pool

        layout = csv_layout(step)
        assert layout is not None
        table = target.table_for_insert(step.table, step.table_name)
        quoted = target.quote_table(conn, table)
        if step.mode == Mode.REPLACE:
            target.execute(
                conn, target.delete_all_sql(conn, table), location=step.source.context.locate()
            )
            empty = True
        else:
            empty = bool(
                target.execute(conn, f"SELECT NOT EXISTS (SELECT 1 FROM {quoted})").scalar()
            )
        reader, params = _read_files(layout)
        sql = self._insert_sql(conn, target, table, layout, reader)
        with helper_pool("seedkit-shape") as pool:
            counted = pool.submit(count_layout_records, layout)
            if not empty:  # rows already there: check first, since no undo could tell
                vouched = _fields_vouched(layout)
                if vouched is None or vouched != counted.result():
                    return self._generic(conn, target, step, reporter)  # nothing written
            rows = self._insert(conn, target, step, layout, sql, params, counted)
            records = counted.result()
        if rows != records:  # a stray quote, a bad value left out, a blank line skipped
            if not empty:  # cannot happen: the checks above passed
                raise ApplyError(
                    f"DuckDB read {rows} rows where seedkit reads {records}",
                    location=Location.in_file(layout.files[0]),
                    hint="report this to seedkit; nothing was applied",
                )
            target.execute(
                conn, target.delete_all_sql(conn, table), location=step.source.context.locate()
            )
            return self._generic(conn, target, step, reporter)
        reporter.step_progress(step.name, rows)
        return rows

    def _generic(
        self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter
    ) -> int:
        from seedkit.adapters.generic import GenericLoader

        return GenericLoader().load(conn, target, step, reporter)

    def _insert(
        self,
        conn: sa.Connection,
        target: Adapter,
        step: LoadStep,
        layout: CsvLayout,
        sql: str,
        params: list[Any],
        counted: Future[int | None],
    ) -> int:
        """Run the insert; if DuckDB refuses it, raise the error that names the most."""
        from sqlalchemy.exc import DBAPIError

        try:
            result = target.execute(conn, sql, params, step.source.context.locate())
        except DBAPIError as exc:
            from seedkit.adapters.engine import db_message

            message = target.scrub(db_message(exc))
            raise _refusal(layout, step, message, sound=counted.result() is not None) from None
        return int(result.scalar() or 0) if result.returns_rows else max(result.rowcount, 0)

    def _insert_sql(
        self, conn: sa.Connection, target: Adapter, table: str, layout: CsvLayout, reader: str
    ) -> str:
        cols = ", ".join(target.quote(conn, n) for n in layout.names)
        sql = f"INSERT INTO {target.quote_table(conn, table)} ({cols}) " + filtered_select(
            layout, reader, cast_pattern
        )
        return sql


def filtered_select(
    layout: CsvLayout, reader: str, pattern_for: Callable[[Column], str | None]
) -> str:
    """`SELECT … FROM reader WHERE …`: the fields of `read_csv_text` as the columns'
    values, keeping only the rows whose typed fields are NULL or match their column's
    pattern (`pattern_for`, ANY_TEXT for any text), so that no cast can fail on text
    seedkit's converters refuse. The dry run loads CSVs so too."""
    checks = field_checks(layout, pattern_for)
    return f"SELECT {', '.join(field_exprs(layout))} FROM {reader}" + (
        f" WHERE {' AND '.join(checks)}" if checks else ""
    )


def field_exprs(layout: CsvLayout) -> list[str]:
    """The value of each field c0, c1, … for its column: the text itself, which the
    insert casts, or the DuckDB reader's SQL of its kind's rule (a boolean, whose words
    are seedkit's; `seedkit.typerules`)."""
    exprs = []
    for name, column in zip(_field_names(layout), layout.columns, strict=True):
        reader = reader_for(column, "duckdb")
        exprs.append(name if reader is None or reader.sql is None else reader.sql.format(f=name))
    return exprs


def _field_names(layout: CsvLayout) -> list[str]:
    """The names read_csv gives the fields: c0, c1, … (the header's own may repeat or clash)."""
    return [f"c{i}" for i in range(len(layout.columns))]


def read_csv_text(width: int, options: CsvOptions) -> tuple[str, list[Any]]:
    """DuckDB's `read_csv(?, …)` reading `width` fields as text (c0, c1, …) with seedkit's
    quoting and NULL rules (a quoted empty field stays ""), and the values to bind after
    the first parameter, which is the file or a list of files. The dry run reads CSVs so too.
    """
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    sql = (
        f"read_csv(?, columns = {{{spec}}}, header = true, auto_detect = false, "
        "delim = ?, quote = ?, escape = ?, nullstr = ?, allow_quoted_nulls = false, "
        "strict_mode = true)"
    )
    return sql, [
        options.delimiter,
        options.quote,
        options.escape or options.quote,
        list(options.null),
    ]


def _read_files(layout: CsvLayout) -> tuple[str, list[Any]]:
    """`read_csv_text` of every file of the layout, with all its parameters."""
    sql, params = read_csv_text(len(layout.columns), layout.options)
    return sql, [[str(p) for p in layout.files], *params]


def count_layout_records(layout: CsvLayout) -> int | None:
    """The records of all the files when their quoting is as seedkit reads it, else None."""
    from seedkit.adapters.csvscan import NotVouched
    from seedkit.adapters.csvshape import count_records

    width = len(layout.columns)
    try:
        return sum(count_records(path, layout.options, width) for path in layout.files)
    except (NotVouched, OSError):
        return None


def field_checks(
    layout: CsvLayout, pattern_for: Callable[[Column], str | None] = cast_pattern
) -> list[str]:
    """One SQL condition per typed column: the field is NULL or matches its pattern."""
    checks = []
    for name, column in zip(_field_names(layout), layout.columns, strict=True):
        pattern = pattern_for(column)
        if pattern:  # None never gets here (see `accepts`); ANY_TEXT needs no check
            regex = _literal(re2_pattern(pattern))
            checks.append(f"({name} IS NULL OR regexp_full_match({name}, {regex}))")
    return checks


def _fields_vouched(layout: CsvLayout) -> int | None:
    """The records DuckDB reads in the files when every typed field passes its check,
    else None.

    Asked of a DuckDB of its own (the files are all it reads), outside the apply's
    transaction, so that a file DuckDB cannot read aborts nothing.
    """
    import duckdb

    checks = field_checks(layout) or ["true"]
    reader, params = _read_files(layout)
    sql = f"SELECT bool_and({' AND '.join(checks)}), count(*) FROM {reader}"
    try:
        with duckdb.connect(":memory:") as checker:
            found = checker.execute(sql, params).fetchone()
    except duckdb.Error:
        return None
    return int(found[1]) if found is not None and found[0] is not False else None


def _refusal(layout: CsvLayout, step: LoadStep, message: str, sound: bool) -> SeedkitError:
    """The error for an insert DuckDB refused with `message`: at the refused row's line
    when the files' quoting is `sound` and the message names the row; else at the first
    bad value seedkit's reader finds; else at the file."""
    from seedkit.adapters.duckdb_refused import refused_line

    if sound:
        try:
            place = refused_line(layout, step.table, message)
        except (SeedkitError, OSError):  # the search must not hide DuckDB's own error
            place = None
        if place is not None:
            return ApplyError(
                message,
                location=Location.in_file(place[0], place[1]),
                hint="fix the row; nothing was applied",
            )
    try:
        for _ in step.source.batches(step.table):
            pass
    except SeedkitError as exc:  # what the generic loader would have stopped at
        return exc
    return ApplyError(
        message,
        location=Location.in_file(layout.files[0]),
        hint=(
            "fix the row; nothing was applied (DuckDB does not say which line: "
            "apply to SQLite or PostgreSQL, or run `seedkit check`, to find it)"
        ),
    )


def _literal(text: str) -> str:
    """One of seedkit's own patterns as a SQL string literal (a constant, so that DuckDB
    compiles the regular expression once)."""
    return "'" + text.replace("'", "''") + "'"
