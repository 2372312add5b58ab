"""Text-level rewrites of the dry run, before any parsing: what a database's own client
reads differently from sqlglot.

- MySQL's executable comments `/*!NNNNN body */` (and MariaDB's `/*M!NNNNNN body */`)
  are opened anywhere in a statement, as the server runs them: a dump writes
  `/*!50003 CREATE*/ /*!50017 DEFINER=…*/ /*!50003 TRIGGER …*/` as one statement.
  MariaDB's `/*M!999999\\- enable the sandbox mode */` is a client command: dropped.
- A MySQL view's ALGORITHM, DEFINER and SQL SECURITY do not change what it shows.
- PostgreSQL identity options sqlglot cannot read (`NO MINVALUE`, `CACHE 1`,
  `SEQUENCE NAME …`) are dropped; START and INCREMENT are kept.
- psql meta-commands (`\\restrict KEY` of recent pg_dump) are lines for psql, not SQL.
"""

from __future__ import annotations

import re

_VERSION_COMMENT = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*`"
    r"|/\*(?P<m>M?)!(?P<version>\d*)(?P<body>.*?)\*/",
    re.S,
)
_VIEW_OPTIONS = re.compile(
    r"^(CREATE\s+(?:OR\s+REPLACE\s+)?)"
    r"((?:ALGORITHM\s*=\s*\w+\s+|DEFINER\s*=\s*(?:`[^`]*`|'[^']*'|[^\s@]+)"
    r"(?:\s*@\s*(?:`[^`]*`|'[^']*'|\S+))?\s+|SQL\s+SECURITY\s+\w+\s+)+)(VIEW\b)",
    re.I,
)
_IDENTITY_OPTIONS = re.compile(
    r"(GENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\s*)\((?P<opts>[^()]*)\)", re.I
)
_KEEP_OPTION = re.compile(r"\b(START\s+(?:WITH\s+)?[+-]?\d+|INCREMENT\s+(?:BY\s+)?[+-]?\d+)", re.I)
_META_LINE = re.compile(r"\A[ \t]*\\[^\n]*(?:\n|\Z)")


def open_version_comments(text: str) -> tuple[str, bool]:
    """`text` with MySQL/MariaDB executable comments replaced by their contents (a MariaDB
    `/*M!999999 …*/` comment, meant for no server, by nothing); True when one was found."""
    if "/*" not in text or "!" not in text:
        return text, False
    found = False

    def one(m: re.Match[str]) -> str:
        nonlocal found
        if m["body"] is None:
            return m[0]
        found = True
        if m["m"] and m["version"] == "999999":
            return " "
        return " " + m["body"].strip() + " "

    opened = _VERSION_COMMENT.sub(one, text)
    return (opened.strip(), True) if found else (text, False)


def drop_view_options(text: str) -> tuple[str, bool]:
    """A MySQL `CREATE ALGORITHM=… DEFINER=… SQL SECURITY … VIEW` as `CREATE VIEW`."""
    m = _VIEW_OPTIONS.match(text)
    if m is None:
        return text, False
    return m[1] + m[3] + text[m.end() :], True


_DROP_AS = re.compile(r"(DROP\s+)(MATERIALIZED\s+VIEW|DOMAIN)\b", re.I)
_MATERIALIZED = re.compile(r"(CREATE\s+)MATERIALIZED\s+(VIEW\b)", re.I)
_WITH_DATA = re.compile(r"\s+WITH\s+(?:NO\s+)?DATA\s*\Z", re.I)


def materialized_as_view(text: str) -> tuple[str, str | None]:
    """PostgreSQL's `CREATE MATERIALIZED VIEW … [WITH NO DATA]` as a plain view, which
    shows the same rows in DuckDB (it has no materialized views); its DROP, and a
    domain's (a DuckDB type alias), accordingly."""
    if (d := _DROP_AS.match(text)) is not None:
        view = d[2].upper().startswith("MAT")
        return (
            d[1] + ("VIEW" if view else "TYPE") + text[d.end() :],
            "a materialized view is a view in the dry run"
            if view
            else "a domain is a type alias in the dry run",
        )
    m = _MATERIALIZED.match(text)
    if m is None:
        return text, None
    return _WITH_DATA.sub("", m[1] + m[2] + text[m.end() :]), "materialized view created as a view"


def trim_identity_options(text: str) -> tuple[str, bool]:
    """Identity options reduced to START and INCREMENT, which sqlglot reads."""
    if "IDENTITY" not in text.upper():
        return text, False
    changed = False

    def one(m: re.Match[str]) -> str:
        nonlocal changed
        kept = " ".join(k[0] for k in _KEEP_OPTION.finditer(m["opts"]))
        if kept != " ".join(m["opts"].split()):
            changed = True
        return m[1] + (f"({kept})" if kept else "")

    return _IDENTITY_OPTIONS.sub(one, text), changed


def split_meta_commands(text: str) -> tuple[list[tuple[int, str]], str, int]:
    """Leading psql meta-command lines of a statement: (each command with its line offset,
    the rest, how many lines the commands and the blank or `--` lines after them took)."""
    commands: list[tuple[int, str]] = []
    lines = 0
    rest = text
    while True:
        m = _META_LINE.match(rest)
        if m is None:
            break
        commands.append((lines, m[0].strip()))
        rest = rest[m.end() :]
        lines += 1
        while True:
            blank = re.match(r"[ \t]*(?:--[^\n]*)?(?:\n|\Z)", rest)
            if blank is None or not blank[0] or not rest:
                break
            rest = rest[blank.end() :]
            lines += 1
    return commands, rest, lines


_SPATIAL = re.compile(
    r"(?<=[\s`\"])(?:point|linestring|polygon|geometry|multipoint|multilinestring|multipolygon|"
    r"geometrycollection|geomcollection)(?=\s+(?:NOT\b|NULL\b|DEFAULT\b|SRID\b|COMMENT\b|"
    r"INVISIBLE\b)|\s*[,)])",
    re.I,
)
_INVISIBLE = re.compile(r"(?<=\s)INVISIBLE\b\s*", re.I)
_CREATE_TABLE = re.compile(r"CREATE\s+(?:TEMPORARY\s+)?TABLE\b", re.I)


def spatial_as_text(text: str) -> tuple[str, bool]:
    """MySQL spatial column types (which sqlglot cannot read) as `text` in a CREATE TABLE,
    and MariaDB's INVISIBLE columns as plain ones (a dump names them in its INSERTs)."""
    if not _CREATE_TABLE.match(text):
        return text, False
    out, count = _SPATIAL.subn("text", text)
    out, hidden = _INVISIBLE.subn("", out)
    return out, count + hidden > 0
