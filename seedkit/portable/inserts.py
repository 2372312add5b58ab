"""Rows ported: an INSERT's literals and a COPY block's fields, as the target stores them.

An INSERT keeps its SQL; only literals of columns whose type the target spells otherwise
change (`bytea` text to a binary literal, an array to its JSON text). A COPY block's
fields are read into Python values by the column's kind and bound into multi-row
INSERTs, never pasted into the SQL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError, Location
from seedkit.portable.scan import name_key
from seedkit.portable.values import array_json, bytea_bytes, copy_field, from_text

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter as Target
    from seedkit.portable.rewrite import Porter
    from seedkit.sources.base import LocatedStatement

_COPY = re.compile(
    r"COPY\s+(?P<table>[\w$.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+FROM\s+stdin\b", re.I | re.S
)
#: Bound values per INSERT statement (SQLite allows 32,766; MariaDB 65,535).
MAX_PARAMETERS = 30000
MAX_ROWS = 1000


def _kinds(porter: Porter, table: str, listed: list[str] | None) -> list[str]:
    known = porter.columns.get(table, [])
    if listed is None:
        return [kind for _, kind in known]
    by_name = {name.lower(): kind for name, kind in known}
    return [by_name.get(name.lower(), "text") for name in listed]


def port_insert(porter: Porter, tree: Any) -> Any:
    """An INSERT tree with the literals of bytea and array columns converted."""
    from sqlglot import exp

    into = tree.this
    listed = None
    if isinstance(into, exp.Schema):
        listed = [c.name for c in into.expressions]
        into = into.this
    table = porter.qualified(name_key(into.sql("postgres")))
    kinds = _kinds(porter, table, listed)
    if not any(k in ("bytes", "array") for k in kinds):
        return tree
    values = tree.expression
    if not isinstance(values, exp.Values):
        return tree
    for row in values.expressions:
        for value, kind in zip(row.expressions, kinds, strict=False):
            if (
                kind in ("bytes", "array")
                and isinstance(value, exp.Cast)
                and isinstance(value.this, exp.Literal | exp.Array)
            ):  # '\\x00'::bytea: the literal, converted below
                inner = value.this
                value.replace(inner)
                value = inner
            if kind == "bytes" and isinstance(value, exp.Literal) and value.is_string:
                value.replace(_binary(porter.target, bytea_bytes(value.this)))
            elif kind == "array" and isinstance(value, exp.Literal) and value.is_string:
                value.replace(exp.Literal.string(array_json(value.this)))
            elif kind == "array" and isinstance(value, exp.Array):
                items = [
                    e.to_py() if isinstance(e, exp.Literal | exp.Null) else None
                    for e in value.expressions
                ]
                import json

                value.replace(exp.Literal.string(json.dumps(items, ensure_ascii=False)))
    return tree


def _binary(target: str, data: bytes) -> Any:
    from sqlglot import exp

    if target == "duckdb":
        return exp.Anonymous(this="from_hex", expressions=[exp.Literal.string(data.hex())])
    return exp.HexString(this=data.hex())


def load_copy(porter: Porter, conn: sa.Connection, target: Target, stmt: LocatedStatement) -> int:
    """Insert a COPY block's rows (text format) into the ported table; returns the count."""
    from sqlalchemy.exc import DBAPIError

    m = _COPY.match(stmt.sql.strip())
    if m is None or stmt.copy is None:
        raise ApplyError(
            "only COPY … FROM stdin in text format ports to another database",
            location=stmt.location,
            hint="dump the data with INSERT statements (pg_dump --inserts)",
        )
    table = porter.qualified(name_key(m["table"]))
    listed = [c.strip().strip('"') for c in m["cols"].split(",")] if m["cols"] else None
    columns = listed or [name for name, _ in porter.columns.get(table, [])]
    kinds = _kinds(porter, table, columns)
    shown = table if porter.target == "duckdb" else table.split(".")[-1]
    dialect = target
    one = dialect.insert_sql(conn, shown, columns)
    head = one.rsplit(" VALUES ", 1)[0]
    adapt = dialect.value_adapter()
    per = max(1, min(MAX_ROWS, MAX_PARAMETERS // max(1, len(columns))))
    rows: list[Any] = []
    lines: list[int] = []
    done = 0

    def flush() -> None:
        nonlocal done, rows, lines
        if not rows:
            return
        every = dialect.placeholders(conn, len(rows)).split(", ")
        width = len(columns)
        groups = (", ".join(every[i : i + width]) for i in range(0, len(every), width))
        sql = head + " VALUES " + ", ".join(f"({g})" for g in groups)
        try:
            conn.exec_driver_sql(sql, tuple(rows))
        except DBAPIError as exc:
            where = Location.in_file(stmt.file, lines[0])
            error = target.statement_error(exc, sql, where)
            if len(lines) > 1:
                error.message += f" (in the rows of lines {lines[0]}-{lines[-1]})"
            raise error from None
        done += len(lines)
        rows, lines = [], []

    for line, text in stmt.copy.lines():
        fields = text.rstrip("\n").rstrip("\r").split("\t")
        if len(fields) != len(columns):
            raise ApplyError(
                f"this COPY row has {len(fields)} fields for {len(columns)} columns",
                location=Location.in_file(stmt.file, line),
            )
        try:
            values = [from_text(k, copy_field(f)) for k, f in zip(kinds, fields, strict=True)]
        except ValueError as exc:
            raise ApplyError(str(exc), location=Location.in_file(stmt.file, line)) from None
        rows += [adapt(v) for v in values] if adapt else values
        lines.append(line)
        if len(lines) >= per:
            flush()
    flush()
    return done
