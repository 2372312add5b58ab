"""PostgreSQL's fast path: `COPY … FROM STDIN` through psycopg 3, in the apply's transaction.

Three tiers, each in a savepoint, each falling to the next:

1. **Streamed**: a CSV file the scanner vouches for (`seedkit.adapters.csvscan`) is sent
   to COPY's CSV format as text, chunk by chunk, so the server parses it while
   Python checks the next chunk. Its NULL rule is seedkit's (an unquoted NULL token
   is NULL, a quoted empty field is an empty string) and every column's pattern
   accepts only text PostgreSQL reads as seedkit would; zoned timestamps without an
   offset are read in UTC (the session's TimeZone is set for the COPY, then restored).
2. **Typed**: any other row source: seedkit's own typed rows through `write_row()`.
3. **Generic**: when the database refuses the data, the step is replayed through the
   generic loader from the savepoint, which names the exact row, file and line.

`upsert` and `mirror` copy into a temporary table, then run one
`INSERT … SELECT … ON CONFLICT` (and, for mirror, one anti-join DELETE).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from seedkit.adapters.csvscan import NotVouched, csv_layout
from seedkit.adapters.loader import Loader
from seedkit.adapters.mirror import ReferencedRowsError
from seedkit.errors import ApplyError
from seedkit.manifest.models import Mode
from seedkit.schema import Column, TypeKind
from seedkit.typerules import reader_pattern

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.csvscan import CsvLayout
    from seedkit.plan.executor import Reporter
    from seedkit.plan.steps import LoadStep

_STAGE = "seedkit_stage"


def pg_pattern(column: Column) -> str | None:
    """The field pattern for a column COPY may read as text (`seedkit.typerules`); None
    for typed rows instead (JSON, binary, a time with zone)."""
    return reader_pattern(column, "postgres")


class _Refused(Exception):
    """The database refused the data: replay the step through the generic loader."""


class PostgresCopyLoader(Loader):
    """COPY for every mode on PostgreSQL via psycopg 3."""

    name: ClassVar[str] = "postgres-copy"
    priority: ClassVar[int] = 10

    def accepts(self, target: Adapter, step: LoadStep) -> bool:
        """PostgreSQL through psycopg 3 (COPY needs the driver's own API)."""
        return target.engine.dialect.driver == "psycopg"

    def load(self, conn: sa.Connection, target: Adapter, step: LoadStep, reporter: Reporter) -> int:
        """Write the step's rows by its mode; fall back tier by tier as the module says."""
        self.target, self.reporter, self.step = target, reporter, step
        omits = step.source.omits_columns() and step.mode != Mode.INSERT
        if (step.mode == Mode.MIRROR and not _key_is_primary(step)) or omits:
            from seedkit.adapters.generic import GenericLoader

            return GenericLoader().load(conn, target, step, reporter)
        layout = csv_layout(step)
        tiers = []
        if layout is not None and all(pg_pattern(c) is not None for c in layout.columns):
            tiers.append(self._streamed)
        tiers.append(self._typed)
        for tier in tiers:
            savepoint = conn.begin_nested()
            try:
                rows = tier(conn, layout)
            except NotVouched:
                savepoint.rollback()
                continue
            except _Refused:
                savepoint.rollback()
                break
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
            return rows
        from seedkit.adapters.generic import GenericLoader

        return GenericLoader().load(conn, target, step, reporter)

    # -- tiers ---------------------------------------------------------------------

    def _streamed(self, conn: sa.Connection, layout: CsvLayout | None) -> int:
        from seedkit.adapters.csvscan import record_regex, scan

        assert layout is not None
        regex = record_regex(layout, pg_pattern)
        assert regex is not None
        opts = layout.options
        options = (
            f"FORMAT csv, DELIMITER {_literal(opts.delimiter)}, QUOTE {_literal(opts.quote)}, "
            f"ESCAPE {_literal(opts.quote)}, NULL {_literal(opts.null[0])}"
        )

        def chunks() -> Iterator[str]:
            for path in layout.files:
                for chunk in scan(path, opts, regex):
                    yield chunk
                    self.reporter.step_progress(self.step.name, chunk.count("\n"))

        zoned = any(c.kind is TypeKind.TIMESTAMPTZ for c in layout.columns)
        previous = self._set_timezone(conn, "UTC") if zoned else None
        rows = self._write(conn, layout.names, iter([chunks()]), options, typed=False)
        if previous is not None:
            self._set_timezone(conn, previous)
        return rows

    def _typed(self, conn: sa.Connection, layout: CsvLayout | None) -> int:
        from seedkit.adapters.generic import column_name

        step = self.step
        names = [column_name(step, n) for n in step.source.columns(step.table)]
        if step.source.omits_columns():  # insert mode: one COPY per run of given columns
            written = 0
            for whole in step.source.batches(step.table):
                for kept, batch in whole.by_given_columns():
                    given = [names[i] for i in kept]
                    written += self._write(conn, given, iter([batch.rows]), None, typed=True)
                    self.reporter.step_progress(step.name, len(batch.rows))
            return written

        def copies() -> Iterator[list[tuple[Any, ...]]]:
            # One COPY per batch, each finished before the next batch is read: a source
            # may query earlier tables through its reader, which it cannot do while a
            # COPY holds the connection. A bad value in a batch (a DataError) so comes
            # after every earlier batch is in and checked, as with the generic loader.
            for batch in step.source.batches(step.table):
                yield batch.rows
                self.reporter.step_progress(step.name, len(batch.rows))

        return self._write(conn, names, copies(), None, typed=True)

    # -- helpers -------------------------------------------------------------------

    def _write(
        self,
        conn: sa.Connection,
        names: list[str],
        copies: Iterator[Iterable[Any]],
        options: str | None,
        typed: bool,
    ) -> int:
        """COPY each of `copies` into the table by the step's mode; _Refused if refused.

        Each item of `copies` is one COPY's data: text chunks, or rows when `typed`.
        """
        import psycopg

        step = self.step
        table = self.target.quote_table(
            conn, self.target.table_for_insert(step.table, step.table_name)
        )
        cols = ", ".join(self.target.quote(conn, n) for n in names)
        staged = step.mode in (Mode.UPSERT, Mode.MIRROR)
        try:
            if step.mode == Mode.REPLACE:
                self.target.execute(
                    conn,
                    self.target.delete_all_sql(
                        conn, self.target.table_for_insert(step.table, step.table_name)
                    ),
                    location=step.source.context.locate(),
                )
            into = table
            if staged:
                self.target.execute(conn, f"DROP TABLE IF EXISTS {_STAGE}")
                self.target.execute(
                    conn,
                    f"CREATE TEMP TABLE {_STAGE} ON COMMIT DROP AS "
                    f"SELECT {cols} FROM {table} WITH NO DATA",
                )
                into = _STAGE
            sql = f"COPY {into} ({cols}) FROM STDIN" + (f" ({options})" if options else "")
            count = sum(self.target.copy(conn, sql, data, rows=typed) for data in copies)
            if staged:
                self._merge(conn, table, names)
        except ReferencedRowsError:
            raise
        except (psycopg.Error, ApplyError):
            raise _Refused() from None
        return count

    def _merge(self, conn: sa.Connection, table: str, names: list[str]) -> None:
        """Upsert the staged rows in one statement; for mirror, delete what they lack."""
        from seedkit.adapters.generic import column_name

        step = self.step
        key = [column_name(step, k) for k in step.key]
        q = self.target.quote
        cols = ", ".join(q(conn, n) for n in names)
        keys = ", ".join(q(conn, k) for k in key)
        rest = [n for n in names if n not in key]
        # A row whose values are already there is left alone: no new row version, no
        # index entries, no UPDATE trigger for a change that changes nothing.
        old = ", ".join(f"_seedkit_row.{q(conn, c)}" for c in rest)
        new = ", ".join(f"excluded.{q(conn, c)}" for c in rest)
        action = (
            "DO UPDATE SET "
            + ", ".join(f"{q(conn, c)} = excluded.{q(conn, c)}" for c in rest)
            + f" WHERE ({old}) IS DISTINCT FROM ({new})"
            if rest
            else "DO NOTHING"
        )
        nulls = " OR ".join(f"{q(conn, k)} IS NULL" for k in key if k in names)
        if nulls and self.target.execute(conn, f"SELECT 1 FROM {_STAGE} WHERE {nulls}").first():
            raise _Refused()  # a NULL key: the generic loader names its row
        self.target.execute(
            conn,
            f"INSERT INTO {table} AS _seedkit_row ({cols}) SELECT {cols} FROM {_STAGE} "
            f"ON CONFLICT ({keys}) {action}",
        )
        if step.mode == Mode.MIRROR:
            from seedkit.adapters.mirror import delete_unkept

            match = " AND ".join(f"s.{q(conn, k)} = t.{q(conn, k)}" for k in key)
            delete_unkept(
                conn,
                self.target,
                step,
                self.target.table_for_insert(step.table, step.table_name),
                _STAGE,
                key,
                f"DELETE FROM {table} AS t WHERE NOT EXISTS "
                f"(SELECT 1 FROM {_STAGE} AS s WHERE {match})",
            )
        self.target.execute(conn, f"DROP TABLE {_STAGE}")

    def _set_timezone(self, conn: sa.Connection, zone: str) -> str:
        """Set the transaction's TimeZone; return the one it had."""
        previous = str(self.target.execute(conn, "SHOW TimeZone").scalar())
        self.target.executemany(conn, "SELECT set_config('TimeZone', %s, true)", [(zone,)])
        return previous


def _key_is_primary(step: LoadStep) -> bool:
    """Mirror's anti-join matches keys with `=`: right when no key column can be NULL."""
    table = step.table
    if table is None:
        return False
    primary = {k.lower() for k in table.primary_key}
    return bool(step.key) and all(k.lower() in primary for k in step.key)


def _literal(text: str) -> str:
    """A one-character COPY option as a SQL string literal (these come from seed.toml)."""
    return "'" + text.replace("'", "''") + "'"
