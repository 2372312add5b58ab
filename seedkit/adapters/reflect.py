"""Read tables, keys and foreign keys from a live database (`Adapter.reflect_schema`).

Used when the manifest has no DDL: the target itself says what its columns are, so
CSV text is still converted by the real types and the graph still sees the foreign
keys. DuckDB is read from its own catalog functions (`reflect_duckdb`: duckdb-engine's
inspector queries catalog tables DuckDB 2 lacks); every other database through
SQLAlchemy's inspector (`reflect_inspector`), each adapter adding what its inspector
misses (declared types, JSON checks, auto indexes). Every query goes through the
adapter or the inspector, so the `seedkit.sql` trace shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import types as sqltypes

from seedkit.schema import Column, ForeignKey, Schema, Table, TypeKind

if TYPE_CHECKING:
    from seedkit.adapters.base import Adapter

_DUCKDB_COLUMNS = """
SELECT c.schema_name, c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default
FROM duckdb_columns() c
JOIN duckdb_tables() t
  ON t.database_name = c.database_name AND t.schema_name = c.schema_name
 AND t.table_name = c.table_name
WHERE NOT c.internal AND c.database_name = current_database()
  AND c.schema_name NOT IN ('information_schema', 'pg_catalog')
ORDER BY c.schema_name, c.table_name, c.column_index
"""
_DUCKDB_CONSTRAINTS = """
SELECT schema_name, table_name, constraint_type, constraint_column_names, constraint_name,
       referenced_table, referenced_column_names
FROM duckdb_constraints()
WHERE database_name = current_database()
  AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY schema_name, table_name, constraint_index
"""
_DUCKDB_INDEXES = """
SELECT schema_name, table_name, expressions FROM duckdb_indexes()
WHERE is_unique AND database_name = current_database()
"""


def wanted_tables(tables: Iterable[str] | None) -> list[tuple[str | None, str]] | None:
    """`tables` as (schema, name) pairs; None reads every table of the default schema."""
    return None if tables is None else [_split(name) for name in tables]


def _split(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    return (schema or None, table)


def _in_default(
    wanted: list[tuple[str | None, str]] | None, default: str | None
) -> list[tuple[str | None, str]] | None:
    """`public.x` names the same table as `x` when public is the default schema."""
    if wanted is None:
        return None
    return [(None if s and s.lower() == (default or "").lower() else s, n) for s, n in wanted]


def _selected(wanted: list[tuple[str | None, str]] | None, schema: str | None, name: str) -> bool:
    if wanted is None:
        return schema is None
    return any(
        (s or "").lower() == (schema or "").lower() and n.lower() == name.lower() for s, n in wanted
    )


def reflect_duckdb(
    target: Adapter, conn: sqlalchemy.Connection, wanted: list[tuple[str | None, str]] | None
) -> Schema:
    """DuckDB's tables, read from its own catalog functions."""
    from seedkit.schema.ddl import kind_of

    default = target.execute(conn, "SELECT current_schema()").scalar()
    wanted = _in_default(wanted, default)
    found: dict[tuple[str | None, str], dict[str, Any]] = {}

    def entry(schema_name: str, table: str) -> dict[str, Any] | None:
        schema = None if schema_name == default else schema_name
        if not _selected(wanted, schema, table):
            return None
        return found.setdefault((schema, table), {"columns": [], "pk": (), "unique": [], "fks": []})

    for schema_name, table, name, type_, nullable, default_ in target.execute(
        conn, _DUCKDB_COLUMNS
    ):
        e = entry(schema_name, table)
        if e is not None:
            auto = "nextval(" in (default_ or "").lower()
            kind = kind_of(type_, "duckdb")
            e["columns"].append(
                Column(name, type_, kind, bool(nullable), None, auto, default_ is not None)
            )
    for row in target.execute(conn, _DUCKDB_CONSTRAINTS):
        schema_name, table, ctype, cols, cname, ref_table, ref_cols = row
        e = entry(schema_name, table)
        if e is None:
            continue
        if ctype == "PRIMARY KEY":
            e["pk"] = tuple(cols)
        elif ctype == "UNIQUE":
            e["unique"].append(tuple(cols))
        else:
            ref = ref_table if schema_name == default else f"{schema_name}.{ref_table}"
            e["fks"].append(ForeignKey(tuple(cols), ref, tuple(ref_cols or ()), cname))
    for schema_name, table, expressions in target.execute(conn, _DUCKDB_INDEXES):
        e = entry(schema_name, table)
        parts = [p.strip() for p in str(expressions).strip("[]").split(",")]
        if e is not None and all(re.fullmatch(r'"[^"]+"|\w+', p) for p in parts):
            e["unique"].append(tuple(p.strip('"') for p in parts))
    return _build(found)


def _build(found: dict[tuple[str | None, str], dict[str, Any]]) -> Schema:
    result = Schema()
    for (schema, name), e in found.items():
        in_pk = {c.lower() for c in e["pk"]}
        columns = tuple(
            Column(
                c.name,
                c.type,
                c.kind,
                c.nullable and c.name.lower() not in in_pk,
                c.length,
                c.autoincrement,
                c.has_default,
            )
            for c in e["columns"]
        )
        pk_set = set(e["pk"])
        unique = tuple(u for u in dict.fromkeys(e["unique"]) if set(u) != pk_set)
        result.add(Table(name, schema, columns, e["pk"], unique, tuple(e["fks"])))
    return result


def reflect_inspector(
    target: Adapter, conn: sqlalchemy.Connection, wanted: list[tuple[str | None, str]] | None
) -> Schema:
    """The tables SQLAlchemy's inspector reads, with what `target` adds to it."""
    insp = sqlalchemy.inspect(conn)
    default = insp.default_schema_name
    wanted = _in_default(wanted, default)
    schemas = {None} | {s for s, _ in wanted or [] if s and s != default}
    found: dict[tuple[str | None, str], dict[str, Any]] = {}
    for schema in schemas:
        for name in insp.get_table_names(schema=schema):
            if _selected(wanted, schema, name):
                found[(schema, name)] = _inspect_table(target, conn, insp, schema, name, default)
    return _build(found)


def _inspect_table(
    target: Adapter,
    conn: sqlalchemy.Connection,
    insp: Any,
    schema: str | None,
    name: str,
    default: str | None,
) -> dict[str, Any]:
    dialect = conn.dialect
    pk = tuple(insp.get_pk_constraint(name, schema=schema).get("constrained_columns") or ())
    declared = target.declared_types(conn, schema, name)
    json_checked = target.json_columns(conn, schema, name)
    columns = []
    for col in insp.get_columns(name, schema=schema):
        type_ = col["type"]
        try:
            type_text = str(type_.compile(dialect=dialect))
        except sqlalchemy.exc.CompileError:
            type_text = ""
        if col["name"] in declared:  # a type name SQLAlchemy reads only by its affinity
            type_ = sqltypes.NULLTYPE
            type_text = declared[col["name"]]
        elif col["name"] in json_checked:  # JSON stored as text with a check
            type_, type_text = sqltypes.JSON(), "JSON"
        col_default = col.get("default")
        auto = (
            col.get("autoincrement") is True
            or bool(col.get("identity"))
            or "nextval(" in str(col_default or "").lower()
            # SQLite: an INTEGER PRIMARY KEY is the rowid, assigned when left out
            or (
                target.INTEGER_KEY_IS_ROWID
                and pk == (col["name"],)
                and type_text.upper() == "INTEGER"
            )
        )
        kind = target.reflected_kind(type_, type_text) or _kind(type_, dialect.name, type_text)
        text_type = kind is TypeKind.TEXT and not isinstance(type_, sqltypes.Enum)
        length = getattr(type_, "length", None) if text_type else None
        has_default = col_default is not None or auto or bool(col.get("computed"))
        columns.append(
            Column(col["name"], type_text, kind, bool(col["nullable"]), length, auto, has_default)
        )
    unique = [tuple(u["column_names"]) for u in insp.get_unique_constraints(name, schema=schema)]
    for index in insp.get_indexes(name, schema=schema, **target.INDEX_REFLECTION):
        cols = index.get("column_names") or []
        if index.get("unique") and cols and None not in cols:
            unique.append(tuple(cols))
    fks = []
    for fk in insp.get_foreign_keys(name, schema=schema):
        ref_schema = fk.get("referred_schema")
        ref = fk["referred_table"]
        if ref_schema and ref_schema != default:
            ref = f"{ref_schema}.{ref}"
        fks.append(
            ForeignKey(
                tuple(fk["constrained_columns"]), ref, tuple(fk["referred_columns"]), fk.get("name")
            )
        )
    return {"columns": columns, "pk": pk, "unique": unique, "fks": fks}


def _kind(type_: Any, dialect: str, type_text: str) -> TypeKind:
    """The TypeKind of a reflected SQLAlchemy type."""
    data_type = getattr(type_, "data_type", None)  # a PostgreSQL DOMAIN: look at its base
    if data_type is not None and not isinstance(type_, sqltypes.ARRAY):
        return _kind(data_type, dialect, type_text)
    for cls, kind in (
        (sqltypes.ARRAY, TypeKind.OTHER),
        (sqltypes.Boolean, TypeKind.BOOLEAN),
        (sqltypes.Integer, TypeKind.INTEGER),
        (sqltypes.Float, TypeKind.FLOAT),
        (sqltypes.Numeric, TypeKind.DECIMAL),
        (sqltypes.DateTime, None),
        (sqltypes.Date, TypeKind.DATE),
        (sqltypes.Time, TypeKind.TIME),
        (sqltypes.JSON, TypeKind.JSON),
        (sqltypes.Uuid, TypeKind.UUID),
        (sqltypes.String, TypeKind.TEXT),  # also Enum, Text, CHAR, CITEXT
        (sqltypes._Binary, TypeKind.BINARY),
        (sqltypes.Interval, TypeKind.OTHER),
    ):
        if isinstance(type_, cls):
            if kind is None:  # DateTime
                zoned = getattr(type_, "timezone", False)
                return TypeKind.TIMESTAMPTZ if zoned else TypeKind.TIMESTAMP
            return kind
    from seedkit.schema.ddl import kind_of  # unknown to SQLAlchemy: read its name

    return kind_of(type_text, dialect) if type_text else TypeKind.OTHER
