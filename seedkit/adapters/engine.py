"""Engines and database errors: URL spelling, engine creation, the database's own words.

Shared by every adapter (seedkit.adapters.base.Adapter opens its engine here).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location, TargetError

if TYPE_CHECKING:
    from collections.abc import Callable

    import sqlalchemy as sa

    from seedkit.sources.base import LocatedStatement

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


def create_engine(url: str, display_url: str, scrub: Callable[[str], str]) -> sa.Engine:
    """A SQLAlchemy engine for `url`; a bad URL or a missing driver becomes a TargetError
    that names the URL masked (`display_url`) and says what to install."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return sa.create_engine(url)
    except NoSuchModuleError:
        raise TargetError(
            f"no SQLAlchemy dialect for {display_url}",
            hint="use a URL such as sqlite:///file.db, postgresql+psycopg://…, "
            "mysql+pymysql://… or duckdb:///file.duckdb",
        ) from None
    except (ArgumentError, ValueError) as exc:
        raise TargetError(
            f"not a database URL: {display_url} ({scrub(str(exc))})",
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
            f"the database driver for {display_url} is not installed ({module})",
            hint=hint,
        ) from None


_COPY_LINE = re.compile(r"\bCOPY [^,]*, line (\d+)(?:, column ([^:]+))?")


def copy_location(exc: Exception, stmt: LocatedStatement) -> Location:
    """The data line (and, when the server names it, the column) a COPY error is about."""
    context = getattr(getattr(exc, "diag", None), "context", None) or ""
    found = _COPY_LINE.search(context)
    if found is None or stmt.copy is None:
        return stmt.location
    return Location.in_file(stmt.file, stmt.copy.line + int(found[1]) - 1)


def copy_message(exc: Exception) -> str:
    """The server's words for a COPY error, with the column it names (its line is the
    error's location)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if not primary:
        return db_message(exc)
    detail = getattr(diag, "message_detail", None)
    found = _COPY_LINE.search(getattr(diag, "context", None) or "")
    column = f" (column {found[2]})" if found is not None and found[2] else ""
    return f"{primary}{column}" + (f": {detail}" if detail else "")


def no_such_database(exc: Exception) -> bool:
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


def db_message(exc: Exception) -> str:
    """The database's own words, without SQLAlchemy's wrapping and without the SQL."""
    orig = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) == 2 and isinstance(args[0], int):  # PyMySQL: (code, message)
        return f"{args[1]} ({args[0]})"
    text = str(orig).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def backend_name(url: str) -> str:
    """The SQLAlchemy backend a URL names (`postgresql`, `sqlite`, …); "" when it is not a
    URL (opening it then says why)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return str(make_url(normalize_url(url)).get_backend_name())
    except (ArgumentError, ValueError):
        return ""


def file_missing(url: sa.URL) -> bool:
    """True for a database file (SQLite, DuckDB) that does not exist yet; in-memory and
    URI databases are never missing."""
    from pathlib import Path

    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or database.startswith("md:"):
        return False
    return not Path(database).exists()
