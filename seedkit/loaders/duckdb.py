"""DuckDB's fast path: its own CSV reader, every column read as text, then cast in SQL.

DuckDB has no savepoints: a statement that fails aborts the whole transaction, so a
half-tried fast path cannot be taken back. The files are therefore vouched for before
anything is written, in two checks that run at the same time (DuckDB releases the
GIL while it reads):

- the structure, by seedkit's scanner (`seedkit.loaders.csvscan`) in a thread: every
  record has the header's fields, quotes only where seedkit's reader takes them, no
  blank line before the end (DuckDB reads a stray quote or a space beside a quoted
  field without a word, where seedkit's reader stops);
- each typed field, by an in-memory DuckDB of its own (outside the apply's
  transaction): the field is NULL or matches its column's pattern, the text seedkit's
  converter accepts, in RE2's syntax.

Only then does one `INSERT … SELECT … FROM read_csv(…)` load the files, with
`allow_quoted_nulls = false` so that a quoted empty field stays an empty string. A file
either check refuses goes through the generic loader, which reports a bad value at its
file, line and column. If DuckDB itself refuses a row, the error carries DuckDB's
message and, for a NULL in a NOT NULL column or a key given twice, the row's line
(`seedkit.loaders.duckdb_refused` finds it after the fact); otherwise the file alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.errors import ApplyError, Location, SeedkitError
from seedkit.loaders.base import Loader
from seedkit.loaders.csvscan import ANY_TEXT, cast_pattern, re2_pattern
from seedkit.manifest.models import Mode
from seedkit.schema import TypeKind
from seedkit.types import FALSE_WORDS, TRUE_WORDS

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.loaders.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.csvreader import CsvOptions
    from seedkit.target import Target


class DuckdbCsvLoader(Loader):
    """insert and replace of vouched CSV files through DuckDB's read_csv."""

    name: ClassVar[str] = "duckdb-read-csv"
    priority: ClassVar[int] = 10

    def accepts(self, target: Target, step: LoadStep) -> bool:
        """DuckDB targets, CSV steps in insert or replace mode whose columns all qualify."""
        from seedkit.loaders.csvscan import csv_layout

        if target.dialect.name != "duckdb" or step.mode not in (Mode.INSERT, Mode.REPLACE):
            return False
        layout = csv_layout(step)
        return (
            layout is not None
            and layout.options.encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
            and all(cast_pattern(c) is not None for c in layout.columns)
        )

    def load(self, conn: sa.Connection, target: Target, step: LoadStep, reporter: Reporter) -> int:
        """Vouch for every file, then load them all in one statement."""
        from seedkit.loaders.csvscan import csv_layout

        layout = csv_layout(step)
        assert layout is not None
        if not self._vouched(layout):
            from seedkit.loaders.generic import GenericLoader

            return GenericLoader().load(conn, target, step, reporter)
        dialect = target.dialect
        table = dialect.table_for_insert(step.table, step.table_name)
        if step.mode == Mode.REPLACE:
            target.run(conn, dialect.delete_all_sql(conn, table), step.source.context.locate())
        reader, params = _read_files(layout)
        sql = self._insert_sql(conn, target, table, layout, reader)
        from sqlalchemy.exc import DBAPIError

        try:
            result = conn.exec_driver_sql(sql, tuple(params))
        except DBAPIError as exc:
            from seedkit.loaders.duckdb_refused import refused_line
            from seedkit.target import _db_message

            message = target.scrub(_db_message(exc))
            try:
                place = refused_line(layout, step.table, message)
            except (SeedkitError, OSError):  # the search must not hide DuckDB's own error
                place = None
            if place is not None:
                location = Location.in_file(place[0], place[1])
                hint = "fix the row; nothing was applied"
            else:
                location = Location.in_file(layout.files[0])
                hint = (
                    "fix the row; nothing was applied (DuckDB does not say which line: "
                    "apply to SQLite or PostgreSQL, or run `seedkit check`, to find it)"
                )
            raise ApplyError(message, location=location, hint=hint) from None
        rows = int(result.scalar() or 0) if result.returns_rows else max(result.rowcount, 0)
        reporter.step_progress(step.name, rows)
        return rows

    def _vouched(self, layout: CsvLayout) -> bool:
        """Both checks at once: seedkit's scanner on the structure (a thread), DuckDB on
        the typed fields (this thread, waiting in DuckDB without the GIL)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seedkit-scan") as pool:
            structure = pool.submit(_structure_vouched, layout)
            typed = _fields_vouched(layout)
            return structure.result() and typed

    def _insert_sql(
        self, conn: sa.Connection, target: Target, table: str, layout: CsvLayout, reader: str
    ) -> str:
        import logging

        exprs = []
        for name, column in zip(_field_names(layout), layout.columns, strict=True):
            if column.kind is TypeKind.BOOLEAN:
                cases = " ".join(
                    f"WHEN '{t}' THEN {t in TRUE_WORDS}" for t in TRUE_WORDS + FALSE_WORDS
                )
                exprs.append(f"CASE lower({name}) {cases} END")
            else:
                exprs.append(name)
        dialect = target.dialect
        cols = ", ".join(dialect.quote(conn, n) for n in layout.names)
        sql = (
            f"INSERT INTO {dialect.quote_table(conn, table)} ({cols}) "
            f"SELECT {', '.join(exprs)} FROM {reader}"
        )
        logging.getLogger("seedkit.sql").debug("%s", sql)
        return sql


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


def _structure_vouched(layout: CsvLayout) -> bool:
    """Whether seedkit's scanner takes every record of every file, any field as text."""
    from seedkit.loaders.csvscan import NotVouched, record_regex, scan

    regex = record_regex(layout, lambda column: ANY_TEXT)
    assert regex is not None
    try:
        for path in layout.files:
            for _ in scan(path, layout.options, regex):
                pass
    except NotVouched:
        return False
    return True


def _fields_vouched(layout: CsvLayout) -> bool:
    """Whether every typed field of the files is NULL or matches its column's pattern.

    Asked of a DuckDB of its own (the files are all it reads), outside the apply's
    transaction, so that a file DuckDB cannot read aborts nothing.
    """
    checks = []
    for name, column in zip(_field_names(layout), layout.columns, strict=True):
        pattern = cast_pattern(column)
        if pattern:  # None never gets here (see `accepts`); ANY_TEXT needs no check
            regex = _literal(re2_pattern(pattern))
            checks.append(f"({name} IS NULL OR regexp_full_match({name}, {regex}))")
    if not checks:
        return True
    import duckdb

    reader, params = _read_files(layout)
    sql = f"SELECT bool_and({' AND '.join(checks)}) FROM {reader}"
    try:
        with duckdb.connect(":memory:") as checker:
            found = checker.execute(sql, params).fetchone()
    except duckdb.Error:
        return False
    return found is not None and found[0] is not False


def _literal(text: str) -> str:
    """One of seedkit's own patterns as a SQL string literal (a constant, so that DuckDB
    compiles the regular expression once)."""
    return "'" + text.replace("'", "''") + "'"
