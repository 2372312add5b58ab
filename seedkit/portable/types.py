"""Column types: a PostgreSQL type as each target spells it, and how its values convert.

`port_type` maps one sqlglot DataType (read as PostgreSQL) to the target's, following
`seedkit.portable.rules.CONSTRUCT_RULES`; `column_kind` says which conversion of
`seedkit.portable.values` a column's values take on the way in.
"""

from __future__ import annotations

from typing import Any

#: A text key on MariaDB: an index takes at most 3072 bytes, 768 utf8mb4 characters.
MYSQL_KEY_LENGTH = 255


def type_name(dtype: Any) -> str:
    """`INT`, `TEXT`, `ARRAY`, or a user type's own name (`shop.mood` -> `mood`), upper case."""
    from sqlglot import exp

    if dtype.this == exp.DataType.Type.USERDEFINED:
        kind = dtype.args.get("kind")
        text = kind if isinstance(kind, str) else kind.sql() if kind is not None else dtype.sql()
        return str(text).split(".")[-1].strip('"').upper()
    return str(dtype.this.name)


def column_kind(dtype: Any) -> str:
    """How values of a (PostgreSQL) column type are read: bytes, array, bool, int, decimal,
    or text."""
    name = type_name(dtype)
    if name == "ARRAY" or dtype.args.get("nested") and name == "ARRAY":
        return "array"
    if name in ("VARBINARY", "BINARY", "BLOB", "BYTEA"):
        return "bytes"
    if name == "BOOLEAN":
        return "bool"
    if name in ("INT", "BIGINT", "SMALLINT", "TINYINT", "SERIAL", "BIGSERIAL", "SMALLSERIAL"):
        return "int"
    if name in ("DECIMAL", "NUMERIC", "BIGDECIMAL"):
        return "decimal"
    return "text"


def is_text(dtype: Any) -> bool:
    """A type without a length that MariaDB cannot index whole (`text`, `citext`)."""
    return type_name(dtype) in ("TEXT", "CITEXT")


def port_type(dtype: Any, target: str, *, key: bool = False) -> tuple[Any, str | None]:
    """`dtype` for `target`, and a note when the mapping changes what the column holds.
    `key`: the column is part of a key or index (MariaDB needs a bounded type there)."""
    from sqlglot import exp

    name = type_name(dtype)
    build = exp.DataType.build
    if name == "ARRAY":
        return build("TEXT" if target == "sqlite" else "JSON", dialect=target), None
    if name in ("JSON", "JSONB"):
        return build("TEXT" if target == "sqlite" else "JSON", dialect=target), None
    if name in ("VARBINARY", "BYTEA"):
        spelled = {"sqlite": "BLOB", "mysql": "LONGBLOB", "duckdb": "BLOB"}[target]
        return build(spelled, dialect=target), None
    if name == "CITEXT":
        if target == "mysql":
            return build(f"VARCHAR({MYSQL_KEY_LENGTH})" if key else "TEXT", dialect=target), None
        return build("TEXT" if target == "sqlite" else "VARCHAR", dialect=target), None
    if target == "mysql" and name == "TEXT" and key:
        return build(f"VARCHAR({MYSQL_KEY_LENGTH})", dialect="mysql"), None
    if name in ("DECIMAL", "NUMERIC") and not dtype.expressions:
        # PostgreSQL's unbounded numeric: MariaDB's bare DECIMAL is DECIMAL(10, 0).
        if target == "mysql":
            return build("DECIMAL(65, 30)", dialect="mysql"), "unbounded numeric as DECIMAL(65, 30)"
        if target == "duckdb":
            return build(
                "DECIMAL(38, 10)", dialect="duckdb"
            ), "unbounded numeric as DECIMAL(38, 10)"
    if name in ("DECIMAL", "NUMERIC") and target == "sqlite":
        return build("NUMERIC", dialect="sqlite"), None
    if name in ("INET", "CIDR", "MACADDR", "MONEY", "XML", "TSVECTOR", "INTERVAL", "POINT"):
        if target == "duckdb" and name == "INTERVAL":
            return dtype, None
        spelled = "TEXT" if target != "mysql" or not key else f"VARCHAR({MYSQL_KEY_LENGTH})"
        return build(spelled, dialect=target), f"{name.lower()} kept as text"
    if name == "UUID" and target == "mysql":
        return build("CHAR(36)", dialect="mysql"), None
    if dtype.this == exp.DataType.Type.USERDEFINED:
        return build("TEXT", dialect=target), f"unknown type {name.lower()} kept as text"
    return dtype, None
