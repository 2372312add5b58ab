"""MySQL and MariaDB's fast path: `LOAD DATA LOCAL INFILE`, fed through a pipe.

A writer thread reads the CSV file, has the scanner (`seedkit.adapters.csvscan`)
vouch for each chunk, marks quoted empty fields (LOAD DATA cannot tell `,"",` from
`,,`), and writes the chunk into a named pipe that PyMySQL streams to the server
while the server parses the previous one. User variables and a SET clause give each
column seedkit's meaning: an unquoted empty field is NULL, a marked one an empty
string, booleans are read as seedkit reads them.

LOAD DATA LOCAL turns errors into warnings (a duplicate row is skipped, a long value
cut), so the load runs in a savepoint and any warning, or any text the scanner will
not vouch for, rolls it back and replays the step through the generic loader, which
names the row's file and line. PyMySQL refuses a server's request for a local file
unless this loader has just asked for its own pipe (see `MysqlDialect.configure_engine`).
Without named pipes (Windows) or with `local_infile` off on the server, the generic
loader's batched inserts run instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.loader import Loader
from seedkit.adapters.trace import trace
from seedkit.manifest.models import Mode
from seedkit.schema import Column
from seedkit.typerules import QUOTED_EMPTY_MARK, reader_for, reader_pattern

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep


def _expression(column: Column, var: str) -> str:
    """The SET expression giving column its value from the user variable `var`."""
    reader = reader_for(column, "mysql")
    assert reader is not None and reader.sql is not None  # accepts() saw every column's
    return reader.sql.format(f=var)


def _pattern(column: Column) -> str | None:
    return reader_pattern(column, "mysql")


class MysqlLoadDataLoader(Loader):
    """insert and replace of vouched CSV files through LOAD DATA LOCAL INFILE."""

    name: ClassVar[str] = "mysql-load-data"
    priority: ClassVar[int] = 10

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """MySQL/MariaDB via PyMySQL with named pipes, insert or replace of a CSV step."""
        from seedkit.adapters.csvscan import csv_layout

        if target.engine.dialect.driver != "pymysql":
            return False
        if step.mode not in (Mode.INSERT, Mode.REPLACE) or not hasattr(os, "mkfifo"):
            return False
        layout = csv_layout(step)
        return (
            layout is not None
            and layout.options.null == ("",)
            and all(_pattern(c) is not None for c in layout.columns)
        )

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """LOAD DATA in a savepoint; on any warning or unvouched text, replay generically."""
        from seedkit.adapters.csvscan import csv_layout

        layout = csv_layout(step)
        assert layout is not None
        driver = target.raw(conn)
        if getattr(driver, "_seedkit_local_infile", False):
            savepoint = conn.begin_nested()
            try:
                rows = self._load(conn, target, step, layout, driver, reporter)
            except BaseException:
                savepoint.rollback()
                raise
            if rows is not None:
                savepoint.commit()
                return rows
            savepoint.rollback()
        from seedkit.adapters.generic import GenericLoader

        return GenericLoader().load(conn, target, step, reporter)

    def _load(
        self,
        conn: sa.Connection,
        target: Adapter,
        step: LoadStep,
        layout: CsvLayout,
        driver: Any,
        reporter: Reporter,
    ) -> int | None:
        """The rows loaded, or None when the step must be replayed."""

        import pymysql

        table = target.table_for_insert(step.table, step.table_name)
        if step.mode == Mode.REPLACE:
            target.execute(
                conn, target.delete_all_sql(conn, table), location=step.source.context.locate()
            )
        variables = [f"@c{i}" for i in range(len(layout.columns))]
        sets = ", ".join(
            f"{target.quote(conn, c.name)} = {_expression(c, v)}"
            for c, v in zip(layout.columns, variables, strict=True)
        )
        opts = layout.options
        with tempfile.TemporaryDirectory(prefix="seedkit-") as folder:
            pipe = os.path.join(folder, "rows.csv")
            os.mkfifo(pipe, 0o600)
            sql = (
                f"LOAD DATA LOCAL INFILE '{pipe}' INTO TABLE {target.quote_table(conn, table)} "
                f"CHARACTER SET utf8mb4 FIELDS TERMINATED BY {_literal(opts.delimiter)} "
                f"OPTIONALLY ENCLOSED BY {_literal(opts.quote)} ESCAPED BY '' "
                f"LINES TERMINATED BY '\\n' ({', '.join(variables)}) SET {sets}"
            )
            writer = _PipeWriter(pipe, layout, reporter, step.name)
            writer.start()
            trace("raw", sql, step.source.context.locate())
            driver._local_infile = True
            try:
                cursor = driver.cursor()
                # Notes (a decimal rounded to its scale) are what an INSERT gives too;
                # only warnings and errors, which LOCAL downgrades, send us back.
                trace("raw", "SET @seedkit_notes = @@session.sql_notes, SESSION sql_notes = 0")
                cursor.execute("SET @seedkit_notes = @@session.sql_notes, SESSION sql_notes = 0")
                try:
                    cursor.execute(sql)
                    rows = int(cursor.rowcount)
                    trace("raw", "SELECT @@warning_count")
                    cursor.execute("SELECT @@warning_count")
                    warnings = int(cursor.fetchone()[0])
                finally:
                    trace("raw", "SET SESSION sql_notes = @seedkit_notes")
                    cursor.execute("SET SESSION sql_notes = @seedkit_notes")
                    cursor.close()
            except pymysql.Error:
                return None
            finally:
                driver._local_infile = False
                writer.abandon()
            if writer.failed or warnings:
                return None
        return rows


class _PipeWriter(threading.Thread):
    """Writes the vouched, marked chunks of every file into the pipe, then closes it."""

    def __init__(self, pipe: str, layout: CsvLayout, reporter: Reporter, step: str) -> None:
        super().__init__(name="seedkit-load-data", daemon=True)
        self.pipe, self.layout, self.reporter, self.step = pipe, layout, reporter, step
        self.failed = False
        self._cancel = threading.Event()
        # An unquoted field NULL is NULL to LOAD DATA; to seedkit it is the text "NULL".
        d = re.escape(layout.options.delimiter)
        self._null_word = re.compile(f"(?:^|{d})NULL(?={d}|\\n)", re.M)

    def run(self) -> None:
        from seedkit.adapters.csvscan import (
            NotVouched,
            quoted_empty_marker,
            record_regex,
            scan,
        )

        layout = self.layout
        regex = record_regex(layout, _pattern, crlf=False)  # LINES TERMINATED BY '\n'
        mark = quoted_empty_marker(layout.options, QUOTED_EMPTY_MARK)
        try:
            with open(self.pipe, "wb") as out:
                assert regex is not None
                for path in layout.files:
                    for chunk in scan(path, layout.options, regex):
                        if self._cancel.is_set():
                            return
                        if QUOTED_EMPTY_MARK in chunk or self._null_word.search(chunk):
                            raise NotVouched("text LOAD DATA would read differently")
                        out.write(mark(chunk).encode("utf-8"))
                        self.reporter.step_progress(self.step, chunk.count("\n"))
        except (NotVouched, OSError):
            self.failed = True
        except BaseException:
            self.failed = True
            raise

    def abandon(self) -> None:
        """Stop writing; unblock a writer waiting for a reader, or writing to none."""
        self._cancel.set()
        while self.is_alive():
            # Opening the pipe lets a blocked open() return; closing it makes the
            # next write fail with a broken pipe, which ends the thread.
            with contextlib.suppress(OSError):
                os.close(os.open(self.pipe, os.O_RDONLY | os.O_NONBLOCK))
            self.join(timeout=0.05)


def _literal(text: str) -> str:
    """A CSV option from seed.toml as a MySQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
