"""DuckDB's fast path: its own CSV reader, every column read as text, then cast in SQL.

DuckDB has no savepoints: a statement that fails aborts the whole transaction, so a
half-tried fast path cannot be taken back. The scanner (`seedkit.loaders.csvscan`)
therefore reads every file first and vouches for each field (seedkit's NULL rule and
seedkit's accepted text per column type); only then does one
`INSERT … SELECT … FROM read_csv(…)` load them, with `allow_quoted_nulls = false` so
that a quoted empty field stays an empty string. A file the scanner will not vouch for
goes through the generic loader, which reports a bad value at its file, line and
column. If DuckDB itself refuses the rows (a duplicate key, a NOT NULL), the error
names DuckDB's message and the files; DuckDB cannot say which line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from seedkit.errors import ApplyError, Location
from seedkit.loaders.base import Loader
from seedkit.loaders.csvscan import cast_pattern
from seedkit.manifest.models import Mode
from seedkit.schema import TypeKind
from seedkit.types import FALSE_WORDS, TRUE_WORDS

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.loaders.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep
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
        from seedkit.loaders.csvscan import NotVouched, csv_layout, record_regex, scan

        layout = csv_layout(step)
        assert layout is not None
        regex = record_regex(layout, cast_pattern)
        assert regex is not None
        try:
            for path in layout.files:
                for _ in scan(path, layout.options, regex):
                    pass
        except NotVouched:
            from seedkit.loaders.generic import GenericLoader

            return GenericLoader().load(conn, target, step, reporter)
        dialect = target.dialect
        table = dialect.table_for_insert(step.table, step.table_name)
        if step.mode == Mode.REPLACE:
            target.run(conn, dialect.delete_all_sql(conn, table), step.source.context.locate())
        sql = self._insert_sql(conn, target, table, layout)
        from sqlalchemy.exc import DBAPIError

        try:
            result = conn.exec_driver_sql(sql, ([str(p) for p in layout.files],))
        except DBAPIError as exc:
            from seedkit.errors import display_path
            from seedkit.target import _db_message

            raise ApplyError(
                target.scrub(_db_message(exc)),
                location=Location.in_file(display_path(layout.files[0])),
                hint="fix the row; nothing was applied (DuckDB cannot name the line: "
                "apply to SQLite or PostgreSQL, or run `seedkit check`, to find it)",
            ) from None
        rows = int(result.scalar() or 0) if result.returns_rows else max(result.rowcount, 0)
        reporter.step_progress(step.name, rows)
        return rows

    def _insert_sql(
        self, conn: sa.Connection, target: Target, table: str, layout: CsvLayout
    ) -> str:
        import logging

        dialect, opts = target.dialect, layout.options
        names = [f"c{i}" for i in range(len(layout.columns))]
        spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        exprs = []
        for name, column in zip(names, layout.columns, strict=True):
            if column.kind is TypeKind.BOOLEAN:
                cases = " ".join(
                    f"WHEN '{t}' THEN {t in TRUE_WORDS}" for t in TRUE_WORDS + FALSE_WORDS
                )
                exprs.append(f"CASE lower({name}) {cases} END")
            else:
                exprs.append(name)
        cols = ", ".join(dialect.quote(conn, n) for n in layout.names)
        sql = (
            f"INSERT INTO {dialect.quote_table(conn, table)} ({cols}) "
            f"SELECT {', '.join(exprs)} FROM read_csv(?, columns = {{{spec}}}, header = true, "
            f"auto_detect = false, allow_quoted_nulls = false, strict_mode = true, "
            f"delim = {_literal(opts.delimiter)}, quote = {_literal(opts.quote)}, "
            f"escape = {_literal(opts.quote)}, nullstr = {_literal(opts.null[0])})"
        )
        logging.getLogger("seedkit.sql").debug("%s", sql)
        return sql


def _literal(text: str) -> str:
    """A CSV option from seed.toml as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
