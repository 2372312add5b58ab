"""A target database: the engine, its dialect adapter, and the one place SQL is executed.

Every statement seedkit sends goes through `Target.run` or `Target.run_many`, so a
trace (`-v`, the `seedkit.sql` logger) and the tests see all of it, and every
database error becomes an ApplyError carrying the source location.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError, Location, TargetError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.dialects import Dialect
    from seedkit.sources.base import LocatedStatement

log = logging.getLogger("seedkit.sql")

#: Send a statement with no parameters at all (`cursor.execute(sql)`), so the driver does
#: no placeholder processing: psycopg and PyMySQL read `%` as a placeholder only when given
#: parameters, and SQLAlchemy would otherwise give an empty tuple.
AS_WRITTEN = {"no_parameters": True}

#: Which extra installs the driver a URL names.
DRIVER_EXTRAS = {
    "psycopg": ("postgres", "postgresql+psycopg://"),
    "psycopg2": ("postgres", "postgresql+psycopg://"),
    "pymysql": ("mysql", "mysql+pymysql://"),
    "MySQLdb": ("mysql", "mysql+pymysql://"),
    "mysqldb": ("mysql", "mysql+pymysql://"),
}


def normalize_url(url: str) -> str:
    """`postgres://…` (Heroku's and libpq's spelling, which SQLAlchemy refuses) read as
    `postgresql+psycopg://…`, and `postgres+DRIVER://` as `postgresql+DRIVER://`."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    if url.startswith("postgres+"):
        return "postgresql+" + url[len("postgres+") :]
    return url


def mask_url(url: str) -> str:
    """The URL with its password and secret query options replaced by ***, safe to print."""
    from seedkit.secrets import mask_url as mask

    return mask(url)


class Target:
    """An open target: engine, dialect adapter, masked URL, and statement execution."""

    def __init__(self, url: str, dialect: Dialect | None = None) -> None:
        url = normalize_url(url)
        self.url = url
        from seedkit.secrets import remember, url_secrets

        remember(url)
        self.display_url = mask_url(url)
        self._secrets = url_secrets(url)
        self.engine = self._create_engine(url)
        from seedkit.dialects import dialect_for

        if self.engine.dialect.name in ("mysql", "mariadb") and not self.engine.url.database:
            raise TargetError(
                f"{self.display_url} names no database",
                hint="add the database to the URL: mysql+pymysql://user@host:3306/DATABASE",
            )
        self.dialect: Dialect = dialect or dialect_for(self.engine.dialect.name)
        self.dialect.configure_engine(self.engine)

    def _create_engine(self, url: str) -> sa.Engine:
        import sqlalchemy as sa
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            return sa.create_engine(url)
        except NoSuchModuleError:
            raise TargetError(
                f"no SQLAlchemy dialect for {self.display_url}",
                hint="use a URL such as sqlite:///file.db, postgresql+psycopg://…, "
                "mysql+pymysql://… or duckdb:///file.duckdb",
            ) from None
        except (ArgumentError, ValueError) as exc:
            raise TargetError(
                f"not a database URL: {self.display_url} ({self.scrub(str(exc))})",
                hint="the form is dialect+driver://user:password@host:port/database",
            ) from None
        except ImportError as exc:
            module = (exc.name or str(exc)).split(".")[0]
            extra, scheme = DRIVER_EXTRAS.get(module, (None, None))
            hint = f"install the driver module `{module}`"
            if extra:
                hint = (
                    f"pip install 'seedkit[{extra}]' and use a {scheme} URL"
                    if module.lower() not in ("psycopg", "pymysql")
                    else f"pip install 'seedkit[{extra}]'"
                )
            raise TargetError(
                f"the database driver for {self.display_url} is not installed ({module})",
                hint=hint,
            ) from None

    @property
    def sqlglot_dialect(self) -> str | None:
        """The sqlglot name of the target's dialect (for transpiling)."""
        return self.dialect.sqlglot_name

    def scrub(self, text: str) -> str:
        """Remove the URL's password and secret options from any text before it is shown."""
        from seedkit.secrets import scrub

        return scrub(text, self._secrets)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection; an unreachable database becomes a TargetError with the URL masked."""
        from sqlalchemy.exc import DBAPIError, OperationalError

        try:
            conn = self.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            if _no_such_database(exc):
                name = self.engine.url.database
                raise TargetError(
                    f"cannot connect to {self.display_url}: the database `{name}` does not exist",
                    hint=f"create it first (CREATE DATABASE {name}), or correct the URL "
                    "(--url, SEEDKIT_URL); seedkit creates tables, not databases",
                ) from None
            reason = self.scrub(_db_message(exc))
            raise TargetError(
                f"cannot connect to {self.display_url}: {reason}",
                hint="check that the server is running and the URL (or --url / SEEDKIT_URL)",
            ) from None
        except TypeError as exc:  # a query option the driver does not take
            raise TargetError(
                f"cannot connect to {self.display_url}: the driver refused an option of the "
                f"URL ({self.scrub(str(exc))})",
                hint="remove the option from the URL's query (after `?`)",
            ) from None
        try:
            yield conn
        finally:
            conn.close()

    def run(self, conn: sa.Connection, sql: str, location: Location | None = None) -> Any:
        """Execute one statement exactly as written (no driver placeholder processing:
        `%`, `?`, `:name` are text); a database error becomes an ApplyError at `location`."""
        from sqlalchemy.exc import DBAPIError

        log.debug("%s: %s", location or "seedkit", sql)
        if not sql.isascii():
            try:
                sql.encode("utf-8")
            except UnicodeEncodeError:
                return self._run_bytes(conn, sql, location)
        try:
            return conn.exec_driver_sql(sql, execution_options=AS_WRITTEN)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise self.connection_lost(exc, location) from None
            raise self.statement_error(exc, sql, location) from None

    def statement_error(self, exc: Exception, sql: str, location: Location | None) -> ApplyError:
        """The database's error for one statement, as seedkit shows it: at the statement's
        place, or at its row's own line where a multi-row INSERT (or DuckDB's COPY from a
        CSV file) lets the message's key or values name it (seedkit.plan.rowlocate)."""
        from seedkit.plan.rowlocate import locate_file_row, locate_row

        message = self.scrub(_db_message(exc))
        row = None
        if location is not None:
            row = locate_row(sql, location, message, self.dialect.name == "mysql")
        return ApplyError(
            message,
            location=row or locate_file_row(sql, message) or location,
            hint="fix the statement; nothing was applied",
        )

    def connection_lost(self, exc: Exception, location: Location | None = None) -> TargetError:
        """The error for a connection the server closed (or that broke) mid-apply."""
        transactional = self.dialect.SUPPORTS_TRANSACTIONAL_DDL
        return TargetError(
            f"the connection to {self.display_url} was lost: {self.scrub(_db_message(exc))}",
            location=location,
            hint=(
                "nothing was applied (the transaction died with the connection); "
                if transactional
                else "the steps recorded in history before this one stay applied; "
            )
            + "check the server, then apply again",
        )

    def _run_bytes(self, conn: sa.Connection, sql: str, location: Location | None) -> Any:
        """A statement holding bytes that are not UTF-8 (a MySQL dump's BLOB values, read as
        surrogates): sent as those bytes, where the driver takes bytes (PyMySQL)."""
        import types

        data = sql.encode("utf-8", "surrogateescape")
        driver = conn.connection.driver_connection
        if self.engine.dialect.driver != "pymysql" or driver is None:
            raise ApplyError(
                "this statement holds bytes that are not UTF-8 text",
                location=location,
                hint="save the file as UTF-8 (binary values as hex literals: X'00ff')",
            )
        cursor = driver.cursor()
        try:
            cursor.execute(data)
            return types.SimpleNamespace(rowcount=cursor.rowcount)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] != "pymysql":
                raise
            raise self.statement_error(exc, sql, location) from None
        finally:
            cursor.close()

    def run_many(self, conn: sa.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Execute one statement for many rows (the driver's executemany)."""
        log.debug("%s  [%d rows]", sql, len(rows))
        conn.exec_driver_sql(sql, list(rows))

    def copy_in(
        self, conn: sa.Connection, sql: str, data: Iterable[Any], rows: bool = False
    ) -> int:
        """Run a PostgreSQL `COPY … FROM STDIN` on the connection, inside its transaction.

        `data` yields text chunks (or, with `rows`, tuples of Python values for
        psycopg's `write_row`); returns the rows the server copied. Database errors
        are psycopg's own, for the loader to map back to the source's lines.
        """
        log.debug("%s  [copy]", sql)
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            with cursor.copy(sql) as copy:
                write = copy.write_row if rows else copy.write
                for item in data:
                    write(item)
            return int(cursor.rowcount)

    def copy_block(self, conn: sa.Connection, stmt: LocatedStatement) -> int:
        """Stream a SQL file's `COPY … FROM stdin` block through psycopg's COPY (PostgreSQL),
        its data lines as written; returns the rows copied. A database error becomes an
        ApplyError at the data line the server names (else at the statement)."""
        import psycopg

        assert stmt.copy is not None
        log.debug("%s: %s  [data from line %d]", stmt.location, stmt.sql, stmt.copy.line)
        driver = conn.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor() as cursor:
                with cursor.copy(stmt.sql) as copy:
                    for chunk in stmt.copy.chunks():
                        copy.write(chunk)
                return int(cursor.rowcount)
        except psycopg.Error as exc:
            raise ApplyError(
                self.scrub(_copy_message(exc)),
                location=_copy_location(exc, stmt),
                hint="fix the row; nothing was applied",
            ) from None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


_COPY_LINE = re.compile(r"\bCOPY [^,]*, line (\d+)(?:, column ([^:]+))?")


def _copy_location(exc: Exception, stmt: LocatedStatement) -> Location:
    """The data line (and, when the server names it, the column) a COPY error is about."""
    context = getattr(getattr(exc, "diag", None), "context", None) or ""
    found = _COPY_LINE.search(context)
    if found is None or stmt.copy is None:
        return stmt.location
    return Location.in_file(stmt.file, stmt.copy.line + int(found[1]) - 1)


def _copy_message(exc: Exception) -> str:
    """The server's words for a COPY error, with the column it names (its line is the
    error's location)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if not primary:
        return _db_message(exc)
    detail = getattr(diag, "message_detail", None)
    found = _COPY_LINE.search(getattr(diag, "context", None) or "")
    column = f" (column {found[2]})" if found is not None and found[2] else ""
    return f"{primary}{column}" + (f": {detail}" if detail else "")


def _no_such_database(exc: Exception) -> bool:
    """True when connecting failed because the URL's database does not exist: MySQL's and
    MariaDB's error 1049, PostgreSQL's SQLSTATE 3D000 (on connecting, psycopg gives only
    the server's message)."""
    orig = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if args and args[0] == 1049:
        return True
    if getattr(orig, "sqlstate", None) == "3D000":
        return True
    return bool(_PG_NO_DATABASE.search(str(orig)))


_PG_NO_DATABASE = re.compile(r'FATAL:\s+database "[^"]*" does not exist')


def _db_message(exc: Exception) -> str:
    """The database's own words, without SQLAlchemy's wrapping and without the SQL."""
    orig = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) == 2 and isinstance(args[0], int):  # PyMySQL: (code, message)
        return f"{args[1]} ({args[0]})"
    text = str(orig).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
