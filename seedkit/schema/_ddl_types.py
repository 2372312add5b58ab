"""Column types read from DDL: which TypeKind a type name is, per dialect.

Part of the DDL reader; `kind_of` is public through seedkit.schema.ddl, and the
reflector uses it too for types SQLAlchemy does not know.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError

from seedkit.schema import TypeKind
from seedkit.schema._ddl_parse import _quiet

_ALIASES = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql", "sqlite3": "sqlite"}
_KINDS: dict[str, TypeKind] = {
    name: kind
    for kind, names in {
        TypeKind.INTEGER: "TINYINT UTINYINT SMALLINT USMALLINT MEDIUMINT UMEDIUMINT INT UINT "
        "BIGINT UBIGINT INT128 UINT128 INT256 UINT256 SERIAL SMALLSERIAL BIGSERIAL YEAR",
        TypeKind.DECIMAL: "DECIMAL UDECIMAL BIGDECIMAL DECIMAL32 DECIMAL64 DECIMAL128 DECIMAL256 "
        "DECFLOAT",
        TypeKind.FLOAT: "FLOAT DOUBLE UDOUBLE",
        TypeKind.BOOLEAN: "BOOLEAN",
        TypeKind.DATE: "DATE DATE32",
        TypeKind.TIME: "TIME TIMETZ TIME_NS",
        TypeKind.TIMESTAMP: "TIMESTAMP DATETIME DATETIME2 DATETIME64 SMALLDATETIME TIMESTAMPNTZ "
        "TIMESTAMP_S TIMESTAMP_MS TIMESTAMP_NS",
        TypeKind.TIMESTAMPTZ: "TIMESTAMPTZ TIMESTAMPLTZ",
        TypeKind.JSON: "JSON JSONB",
        TypeKind.TEXT: "CHAR NCHAR VARCHAR NVARCHAR BPCHAR TEXT TINYTEXT MEDIUMTEXT LONGTEXT NAME "
        "ENUM ENUM8 ENUM16 FIXEDSTRING",
        TypeKind.BINARY: "BINARY VARBINARY BLOB TINYBLOB MEDIUMBLOB LONGBLOB IMAGE",
        TypeKind.UUID: "UUID",
    }.items()
    for name in names.split()
}
_NAMED_KINDS = {"citext": TypeKind.TEXT, "clob": TypeKind.TEXT, "string": TypeKind.TEXT}


def _dialect(dialect: str | None) -> str | None:
    d = (dialect or "").lower() or None
    return _ALIASES.get(d, d) if d else None


def kind_of(type_: str | exp.DataType, dialect: str | None = None) -> TypeKind:
    """The TypeKind of a type, given as text ("VARCHAR(20)") or a sqlglot DataType.

    The kind decides how CSV text for a column is converted. MySQL's `tinyint(1)` is
    its boolean, and its TIMESTAMP holds no zone (sqlglot reads it as TIMESTAMPTZ).
    SQLite's free-form names fall back to SQLite's own affinity rules.
    """
    d = _dialect(dialect)
    dt = type_ if isinstance(type_, exp.DataType) else _build_type(type_, d)
    if dt is None or dt.this == exp.DataType.Type.USERDEFINED:
        text = type_ if isinstance(type_, str) else dt.sql(d) if dt is not None else ""
        udt = dt.args.get("kind") if dt is not None else None
        name = (udt.name if isinstance(udt, exp.Expression) else text).split("(")[0].strip()
        return _NAMED_KINDS.get(name.lower()) or _affinity(text, d)
    name = dt.this.name
    if d == "mysql":
        params = dt.expressions
        if name == "TINYINT" and len(params) == 1 and params[0].name == "1":
            return TypeKind.BOOLEAN
        if name in ("TIMESTAMPTZ", "TIMESTAMPLTZ"):
            return TypeKind.TIMESTAMP
    return _KINDS.get(name, TypeKind.OTHER)


def _build_type(text: str, dialect: str | None) -> exp.DataType | None:
    try:
        with _quiet():
            return exp.DataType.build(text, dialect=dialect, udt=True)
    except (SqlglotError, ValueError):
        return None


def _affinity(text: str, dialect: str | None) -> TypeKind:
    if dialect != "sqlite":
        return TypeKind.OTHER
    upper = text.upper()
    for needles, kind in (
        (("INT",), TypeKind.INTEGER),
        (("CHAR", "CLOB", "TEXT"), TypeKind.TEXT),
        (("BLOB",), TypeKind.BINARY),
        (("REAL", "FLOA", "DOUB"), TypeKind.FLOAT),
    ):
        if any(n in upper for n in needles):
            return kind
    return TypeKind.OTHER
