"""Turning DDL text into sqlglot trees, and the workarounds for what sqlglot cannot read.

Part of the DDL reader (seedkit.schema.ddl): statements sqlglot cannot parse are
skipped, its "falling back to a Command" warnings are hushed, SQLite's own type
names and table options are repaired first, and the patterns here read the
statements sqlglot keeps as bare text (domains, pg_dump's ADD ... AS IDENTITY).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from seedkit.errors import SeedkitError

log = logging.getLogger("seedkit.schema.ddl")  # the DDL reader's log, whichever part speaks

#: SQLite's own multi-word type names and table options, which sqlglot cannot parse,
#: and what to read them as (the dry run's policy repairs SQLite statements alike).
SQLITE_REPAIRS = [
    (re.compile(pattern, re.I), repl)
    for pattern, repl in (
        (r"\bUNSIGNED\s+BIG\s+INT\b", "BIGINT"),
        (r"\bVARYING\s+CHARACTER\b", "VARCHAR"),
        (r"\bNATIVE\s+CHARACTER\b", "NCHAR"),
        (r"\)\s*(?:WITHOUT\s+ROWID|STRICT)(?:\s*,\s*(?:WITHOUT\s+ROWID|STRICT))*\s*;?\s*$", ")"),
    )
]
_SQLITE_TYPE = re.compile(
    r"\s*((?:(?!(?:CONSTRAINT|PRIMARY|NOT|NULL|UNIQUE|CHECK|DEFAULT|COLLATE|REFERENCES|"
    r"GENERATED|AS)\b)[A-Za-z_]\w*\s*)*(?:\([^)]*\))?)",
    re.I,
)
_NAME = r'(?:"[^"]+"|`[^`]+`|[\w$]+)(?:\.(?:"[^"]+"|`[^`]+`|[\w$]+))*'
_DOMAIN = re.compile(rf"\s*DOMAIN\s+(?P<name>{_NAME})\s+(?:AS\s+)?(?P<rest>.*)", re.I | re.S)
_DOMAIN_END = re.compile(r"\s+(?=(?:NOT\s+NULL|NULL|CHECK|DEFAULT|CONSTRAINT|COLLATE)\b)", re.I)
_ADD_IDENTITY = re.compile(
    rf"\s*TABLE\s+(?:ONLY\s+)?(?P<table>{_NAME})\s+ALTER\s+(?:COLUMN\s+)?(?P<col>{_NAME})\s+"
    r"ADD\s+GENERATED\b.*?\bAS\s+IDENTITY",
    re.I | re.S,
)


@contextmanager
def _quiet() -> Iterator[None]:
    """Hush sqlglot's "falling back to a Command" warnings: skipping those is intended."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _split(sql: str, dialect: str | None) -> list[str]:
    """Split DDL text into statements, with the project's tokenizer when it is there."""
    try:
        from seedkit.sqltext.split import split_sql

        return [stmt.text for stmt in split_sql(sql, dialect)]
    except (ImportError, SeedkitError):  # not there yet, or an unterminated quote
        return [part for part in sql.split(";") if part.strip()]


def _parse(sql: str, dialect: str | None) -> list[tuple[Any, str]]:
    """Every statement sqlglot can parse, each with the text its offsets point into."""
    with _quiet():
        try:
            return [(e, sql) for e in sqlglot.parse(sql, read=dialect) if e is not None]
        except SqlglotError:
            pass
        out: list[tuple[Any, str]] = []
        for piece in _split(sql, dialect):
            texts = [piece, _sqlite_repair(piece)] if dialect == "sqlite" else [piece]
            for text in texts:
                try:
                    out.extend((e, text) for e in sqlglot.parse(text, read=dialect) if e)
                    break
                except SqlglotError as exc:
                    log.info("skipped a statement sqlglot cannot parse: %s", exc)
        return out


def _sqlite_repair(text: str) -> str:
    for pattern, repl in SQLITE_REPAIRS:
        text = pattern.sub(repl, text)
    return text
