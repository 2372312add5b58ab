"""What comes before a statement in its text and is not SQL for DuckDB: the data lines of a
`COPY … FROM stdin` block the splitter took in, and psql meta-commands (`\\restrict`).

Split from seedkit.dryrun.session.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from seedkit.dryrun.causes import short_name

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.sources.base import LocatedStatement


def after_copy_block(session: Session, stmt: LocatedStatement) -> LocatedStatement | None:
    """Drop what the SQL splitter made of a `COPY … FROM stdin` block's data lines."""
    if session.copy_skip is None:
        return stmt
    file, last = session.copy_skip
    if stmt.file != file or stmt.line > last:
        session.copy_skip = None
        return stmt
    lines = stmt.sql.split("\n")
    rest = lines[last - stmt.line + 1 :]
    # What follows the block's `\\.` line may start with `--` comments and blank lines.
    offset = next(
        (i for i, line in enumerate(rest) if line.strip() and not line.lstrip().startswith("--")),
        len(rest),
    )
    text = "\n".join(rest[offset:]).strip()
    if not text:
        return None
    session.copy_skip = None
    from seedkit.sources.base import LocatedStatement as Located

    return Located(text, stmt.file, last + 1 + offset, 1)


def after_meta_commands(session: Session, stmt: LocatedStatement) -> LocatedStatement | None:
    """psql meta-commands (`\\restrict KEY` in pg_dump's output) are skipped and named;
    the SQL after them, on the lines that follow, is the statement."""
    from seedkit.dryrun._policy_text import split_meta_commands
    from seedkit.sources.base import LocatedStatement as Located

    commands, rest, lines = split_meta_commands(stmt.sql)
    session.statements += len(commands)
    for offset, command in commands:
        session.fidelity(
            Located(command, stmt.file, stmt.line + offset, 1),
            "skipped",
            "a psql meta-command, not SQL",
        )
    text = rest.strip()
    if not text:
        return None
    return Located(text, stmt.file, stmt.line + lines, 1)


_INHERITS = re.compile(r"\)\s*INHERITS\s*\((?P<parents>[^)]*)\)", re.I)


def with_inherited_columns(session: Session, text: str, sql: str) -> str:
    """A PostgreSQL `CREATE TABLE child (…) INHERITS (parent)`, for DuckDB: the parent's
    columns first, as the child has them (DuckDB has no inheritance)."""
    m = _INHERITS.search(text)
    if m is None or "(" not in sql:
        return sql
    start = sql.index("(") + 1
    own = sql[start:]
    columns = []
    for parent in m["parents"].split(","):
        for name, dtype, nullable in session.execute(
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index",
            [short_name(parent)],
        ).fetchall():
            if re.search(rf'(?<![\w$])"?{re.escape(name)}"?\s', own, re.I):
                continue  # the child declares it too: PostgreSQL merges the two
            columns.append(f'"{name}" {dtype}' + ("" if nullable else " NOT NULL"))
    if not columns:
        return sql
    joiner = "" if own.lstrip().startswith(")") else ", "
    return sql[:start] + ", ".join(columns) + joiner + own


_IF_EXISTS = re.compile(
    r"(?:ALTER|DROP)\s+(?:MATERIALIZED\s+)?(?P<kind>TABLE|VIEW|SEQUENCE|TYPE|DOMAIN|INDEX)\s+"
    r"IF\s+EXISTS\s+(?:ONLY\s+)?(?P<name>(?:\"[^\"]+\"|`[^`]+`|[\w$]+)"
    r"(?:\s*\.\s*(?:\"[^\"]+\"|`[^`]+`|[\w$]+))*)\s*(?:;|\s|$)",
    re.I,
)


def absent_target(session: Session, text: str) -> str | None:
    """`ALTER/DROP … IF EXISTS x` (pg_dump --clean --if-exists) when there is no `x` yet in
    the dry run's database: the reason it does nothing. None otherwise."""
    m = _IF_EXISTS.match(text)
    if m is None:
        return None
    name = short_name(m["name"])
    kind = m["kind"].upper()
    catalog = {
        "TABLE": "SELECT table_name FROM duckdb_tables()",
        "VIEW": "SELECT view_name FROM duckdb_views()",
        "SEQUENCE": "SELECT sequence_name FROM duckdb_sequences()",
        "INDEX": "SELECT index_name FROM duckdb_indexes()",
    }.get(kind, "SELECT type_name FROM duckdb_types()")
    found = session.execute(f"SELECT count(*) FROM ({catalog}) AS c(n) WHERE lower(n) = ?", [name])
    row = found.fetchone()
    if row and row[0]:
        return None
    return f"IF EXISTS, and there is no {kind.lower()} `{name}` yet: nothing to do"
