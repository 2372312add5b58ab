"""Read tables, keys and foreign keys from DDL text with sqlglot.

The manifest's DDL files are the schema's source of truth when there is no live
database to reflect: row sources convert CSV text by these column types, and the
graph infers step order from these foreign keys. Statements that are not DDL, or
that sqlglot cannot parse, are skipped: a schema file full of GRANTs, functions and
comments must still yield its tables.

This module is the reader's public API (`schema_from_ddl`, `kind_of`); the parts
live beside it: `_ddl_parse` (text to sqlglot trees, and sqlglot's workarounds),
`_ddl_types` (type names to kinds) and `_ddl_tables` (the statement readers).
"""

from __future__ import annotations

from sqlglot.errors import SqlglotError

from seedkit.schema import Schema
from seedkit.schema._ddl_parse import SQLITE_REPAIRS, _parse, log
from seedkit.schema._ddl_tables import _Reader
from seedkit.schema._ddl_types import _dialect, kind_of

__all__ = ["SQLITE_REPAIRS", "kind_of", "schema_from_ddl"]


def schema_from_ddl(
    sql: str, dialect: str | None, *, source: str | None = None, schema: Schema | None = None
) -> Schema:
    """The tables that DDL text declares, added to `schema` (a new one when None).

    Reads CREATE TABLE (columns, NOT NULL, defaults, primary keys, UNIQUE, foreign
    keys), ALTER TABLE ADD/DROP/ALTER COLUMN and ADD CONSTRAINT, CREATE UNIQUE INDEX,
    DROP TABLE, and PostgreSQL domains and enums. Everything else is skipped, and so
    is a statement sqlglot cannot parse: this never fails on odd DDL. `source` names
    the text in log messages.
    """
    d = _dialect(dialect)
    target = schema if schema is not None else Schema()
    reader = _Reader(d, target)
    for node, text in _parse(sql, d):
        try:
            reader.statement(node, text)
        except (SqlglotError, ValueError, AttributeError) as exc:
            log.info("%s: skipped %s: %s", source or "DDL", type(node).__name__, exc)
    reader.finish(target)
    return target
