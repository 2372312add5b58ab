"""The dry run's mappings: what DuckDB lacks, rewritten to what it has, each change named.

Domains become type aliases, sequences keep START and INCREMENT, SERIAL, IDENTITY,
AUTO_INCREMENT and SQLite's rowid become sequences, and a type DuckDB does not have
becomes VARCHAR (its lengths are checked by seedkit's own queries).
"""

from __future__ import annotations

import re
from typing import Any

from seedkit.dryrun._policy_types import Decision, PolicyState

_DOMAIN = re.compile(
    r"CREATE\s+DOMAIN\s+(?P<name>[\w$.\"]+)\s+(?:AS\s+)?(?P<type>.+?)"
    r"(?=\s+(?:NOT\s+NULL|NULL|CHECK|DEFAULT|CONSTRAINT|COLLATE)\b|\s*$)(?P<rest>.*)$",
    re.I | re.S,
)
_SEQUENCE = re.compile(r"CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w$.\"`]+)", re.I)
_SEQ_OPT = re.compile(r"\b(START\s+(?:WITH\s+)?|INCREMENT\s+(?:BY\s+)?)([+-]?\d+)", re.I)
# pg_dump's identity columns: `ALTER TABLE ONLY t ALTER COLUMN c ADD GENERATED … AS IDENTITY (…)`.
_ADD_IDENTITY = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>[\w$.\"]+)\s+ALTER\s+(?:COLUMN\s+)?"
    r"(?P<column>[\w$\"]+)\s+ADD\s+GENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b",
    re.I,
)


def _domain(m: re.Match[str], state: PolicyState) -> Decision:
    name = m["name"]
    base = _type_sql(m["type"].strip(), state)
    state.domains[name.split(".")[-1].strip('"').lower()] = base
    changes = ["CREATE DOMAIN became a DuckDB type alias"]
    if re.search(r"\bCHECK\b", m["rest"], re.I):
        changes.append("its CHECK is not checked")
    return Decision(sql=[f"CREATE TYPE {name} AS {base}"], changes=changes)


def _sequence(text: str) -> Decision:
    name = _SEQUENCE.match(text)["name"].replace("`", '"')  # type: ignore[index]
    options = _sequence_options(text)
    changes = []
    if re.search(r"\b(CACHE|AS|OWNED|MINVALUE|MAXVALUE|ENGINE)\b", text, re.I):
        changes.append("kept only START and INCREMENT of the sequence")
    return Decision(
        sql=[f"CREATE SEQUENCE IF NOT EXISTS {name} {options}".rstrip()], changes=changes
    )


def _sequence_options(text: str) -> str:
    return " ".join(
        f"{'START WITH' if word.upper().startswith('START') else 'INCREMENT BY'} {value}"
        for word, value in _SEQ_OPT.findall(text)
    )


def _add_identity(text: str, state: PolicyState) -> Decision:
    """An identity added by ALTER TABLE: a sequence of its own, and the column's default."""
    m = _ADD_IDENTITY.match(text)
    assert m is not None
    state.sequences += 1
    seq = f"seedkit_seq_{state.sequences}"
    options = _sequence_options(text[m.end() :])
    return Decision(
        sql=[
            f"CREATE SEQUENCE IF NOT EXISTS {seq} {options}".rstrip(),
            f"ALTER TABLE {m['table']} ALTER COLUMN {m['column']} SET DEFAULT nextval('{seq}')",
        ],
        changes=[f"identity of {m['column']} mapped to a sequence"],
    )


def _type_sql(type_text: str, state: PolicyState) -> str:
    """A type's DuckDB spelling, or VARCHAR when DuckDB has no such type."""
    import sqlglot
    from sqlglot import exp

    try:
        dt = exp.DataType.build(type_text, dialect=state.dialect, udt=True)
        rendered = _duck_type(dt, state, [])
    except Exception:
        rendered = type_text
    return rendered if state.type_ok(rendered) else "VARCHAR"
    _ = sqlglot


def _is_foreign_key(item: Any) -> bool:
    from sqlglot import exp

    return isinstance(item, exp.ForeignKey) or (
        isinstance(item, exp.Constraint)
        and any(isinstance(e, exp.ForeignKey) for e in item.expressions)
    )


def _column(col: Any, table: Any, state: PolicyState, decision: Decision) -> str | None:
    """Rewrite one column definition; returns a CREATE SEQUENCE when it auto-increments."""
    from sqlglot import exp

    auto = False
    options = ""
    dtype = col.args.get("kind")
    if isinstance(dtype, exp.DataType):
        name = dtype.this.name
        if name in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
            auto = True
            dtype = exp.DataType.build(
                {"SERIAL": "INT", "BIGSERIAL": "BIGINT"}.get(name, "SMALLINT")
            )
        col.set(
            "kind",
            exp.DataType.build(
                _duck_type(dtype, state, decision.changes), dialect="duckdb", udt=True
            ),
        )
    else:
        col.set("kind", exp.DataType.build("VARCHAR"))
        decision.changes.append(f"column {col.name} has no type: VARCHAR")
    kept = []
    for constraint in col.args.get("constraints") or []:
        kind = constraint.kind
        if isinstance(
            kind, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint
        ):
            auto = True
            if isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
                options = _sequence_options(kind.sql(dialect="postgres"))
        elif isinstance(kind, exp.Reference):
            decision.changes.append("foreign key removed: checked by seedkit's own queries")
        elif isinstance(kind, exp.OnUpdateColumnConstraint):
            decision.changes.append(f"ON UPDATE of {col.name} is not emulated")
        elif isinstance(
            kind,
            exp.CharacterSetColumnConstraint
            | exp.CollateColumnConstraint
            | exp.BinaryColumnConstraint,
        ):
            decision.changes.append(f"collation/character set of {col.name} dropped")
        elif isinstance(kind, exp.CommentColumnConstraint):
            pass
        elif isinstance(kind, exp.ComputedColumnConstraint):
            # pg_dump and mariadb-dump give the column a value (DEFAULT, or the computed
            # one) in their INSERTs; DuckDB's generated columns take none. sqlite3 .dump
            # leaves it out: there the column goes (see _drop_generated).
            decision.changes.append(f"generated column {col.name} kept as a plain column")
        else:
            kept.append(constraint)
    col.set("constraints", kept)
    if auto:
        return _add_sequence(col, table, state, decision, options)
    return None


def _add_sequence(
    col: Any, table: Any, state: PolicyState, decision: Decision, options: str = ""
) -> str:
    from sqlglot import exp

    state.sequences += 1
    seq = f"seedkit_seq_{state.sequences}"
    default: Any = exp.maybe_parse(f"nextval('{seq}')", dialect="duckdb")
    constraints = [
        c
        for c in col.args.get("constraints") or []
        if not isinstance(c.kind, exp.DefaultColumnConstraint)
    ]
    constraints.insert(0, exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
    col.set("constraints", constraints)
    decision.changes.append(f"auto-increment of {col.name} mapped to a sequence")
    return f"CREATE SEQUENCE IF NOT EXISTS {seq} {options}".rstrip()


def _sqlite_rowid(tree: Any, state: PolicyState, decision: Decision, extra: list[str]) -> None:
    """SQLite: an `INTEGER PRIMARY KEY` column is the rowid and numbers itself."""
    from sqlglot import exp

    if state.dialect != "sqlite":
        return
    for col in tree.this.expressions:
        if not isinstance(col, exp.ColumnDef):
            continue
        kind = col.args.get("kind")
        is_pk = any(
            isinstance(c.kind, exp.PrimaryKeyColumnConstraint)
            for c in col.args.get("constraints") or []
        )
        has_default = any(
            isinstance(c.kind, exp.DefaultColumnConstraint)
            for c in col.args.get("constraints") or []
        )
        if (
            is_pk
            and not has_default
            and isinstance(kind, exp.DataType)
            and kind.this.name in ("INT", "BIGINT")
        ):
            extra.append(_add_sequence(col, tree.this.this, state, decision))


_MYSQL_BINARY = {"BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB"}
_TEXT_TYPES = {
    "VARCHAR",
    "CHAR",
    "NCHAR",
    "NVARCHAR",
    "TEXT",
    "BPCHAR",
    "TINYTEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
}


def _duck_type(dt: Any, state: PolicyState, changes: list[str]) -> str:
    """The DuckDB spelling of a column type; VARCHAR (noted) for one DuckDB does not have."""
    from sqlglot import exp

    name = dt.this.name
    if state.dialect == "duckdb" and dt.args.get("nested"):
        # DuckDB's own lists and structs, in a DuckDB seed: as they are.
        nested: str = dt.sql(dialect="duckdb")
        if state.type_ok(nested):
            return nested
    if name == "ARRAY" or dt.args.get("nested") and name == "ARRAY":
        changes.append("array column kept as text")
        return "VARCHAR"
    if name in _TEXT_TYPES:
        return "VARCHAR"  # lengths are checked by seedkit's own queries
    if name == "VARBINARY" and state.dialect == "postgres":
        # bytea's '\\x…' and escape forms are not DuckDB's blob literals.
        changes.append("bytea kept as text")
        return "VARCHAR"
    if name in _MYSQL_BINARY and state.dialect == "mysql":
        # mariadb-dump without --hex-blob writes the bytes as they are, in a string: DuckDB
        # refuses any byte past ASCII in a string cast to BLOB (its blob literals escape them).
        changes.append("binary kept as text")
        return "VARCHAR"
    if name in (
        "TINYINT",
        "SMALLINT",
        "INT",
        "BIGINT",
        "MEDIUMINT",
        "UTINYINT",
        "USMALLINT",
        "UINT",
        "UBIGINT",
        "UMEDIUMINT",
    ):
        dt = dt.copy()
        dt.set("expressions", [])
    if dt.this == exp.DataType.Type.USERDEFINED:
        udt = dt.args.get("kind")
        key = (udt.name if isinstance(udt, exp.Expression) else str(udt or "")).split(".")[-1]
        key = key.strip('"').lower()
        if key in state.domains:
            return state.domains[key]
    rendered: str = dt.sql(dialect="duckdb")
    if rendered.upper().endswith("[]"):
        changes.append("array column kept as text")
        return "VARCHAR"
    if state.type_ok(rendered):
        return rendered
    changes.append(f"type {dt.sql(dialect=state.dialect)} is not DuckDB's: VARCHAR")
    return "VARCHAR"
