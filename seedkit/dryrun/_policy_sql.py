"""The dry run's transpiling: a statement read by sqlglot, rewritten, and written for DuckDB.

What no skip rule or mapping of seedkit.dryrun.policy claims comes here: sqlglot
parses it in the seed's dialect, `_rewrite` maps what DuckDB lacks (auto-increment,
foreign keys, table options, types, casts), and the tree is written as DuckDB SQL.
A statement sqlglot cannot parse goes to DuckDB as written, for DuckDB to judge.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from seedkit.dryrun._policy_map import _column, _is_foreign_key, _sqlite_rowid
from seedkit.dryrun._policy_types import Decision, PolicyState

_VIEW = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+)?(MATERIALIZED\s+)?VIEW\b", re.I)
_UNIQUE_INDEX = re.compile(r"CREATE\s+UNIQUE\s+INDEX\b", re.I)


def _parse(text: str, dialect: str | None) -> list[Any]:
    """sqlglot's trees for a statement, its warnings kept quiet (the fidelity report speaks)."""
    import sqlglot

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return [t for t in sqlglot.parse(text, read=dialect) if t is not None]
    finally:
        logger.setLevel(level)


def _transpiled(text: str, state: PolicyState) -> Decision:
    import sqlglot
    from sqlglot import exp

    from seedkit.schema.ddl import SQLITE_REPAIRS

    changes = []
    if state.dialect == "sqlite":
        for pattern, repl in SQLITE_REPAIRS:
            text, count = pattern.subn(repl, text)
            if count and repl == ")":
                changes.append("WITHOUT ROWID/STRICT dropped")
    try:
        trees = _parse(text, state.dialect)
    except sqlglot.errors.SqlglotError:
        # sqlglot may not know a valid statement: let DuckDB's own parser judge it.
        return Decision(sql=[text])
    decision = Decision(changes=changes)
    for tree in trees:
        if isinstance(tree, exp.Command):
            decision.sql.append(tree.sql(dialect="duckdb") if state.dialect == "duckdb" else text)
            continue
        if isinstance(tree, exp.Drop) and len(tree.args.get("tables") or []) > 1:
            # DuckDB drops one object at a time.
            for table in tree.args["tables"]:
                one = tree.copy()
                one.set("tables", [table.copy()])
                decision.sql.append(one.sql(dialect="duckdb"))
            decision.changes.append("DROP of several tables run one by one")
            continue
        tree = _rewrite(tree, state, decision)
        if tree is None:
            continue
        if isinstance(tree, exp.Insert | exp.Update | exp.Delete):
            target = tree.this
            while isinstance(target, exp.Schema):
                target = target.this
            if isinstance(target, exp.Table):
                decision.table = target.sql(dialect="duckdb")
                decision.verb = type(tree).__name__.lower()
        decision.sql.append(tree.sql(dialect="duckdb"))
    if _VIEW.match(text):
        decision.tolerate = "a view DuckDB cannot create"
    elif _UNIQUE_INDEX.match(text):
        decision.tolerate = "a unique index DuckDB cannot create"
        tree = trees[0] if trees else None
        if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Index):
            params = tree.this.args.get("params")
            listed = (params.args.get("columns") or []) if params is not None else []
            cols = [c.this if isinstance(c, exp.Ordered) else c for c in listed]
            if (
                cols
                and all(isinstance(c, exp.Column) for c in cols)
                and tree.this.args.get("table")
            ):
                decision.unique = (
                    tree.this.args["table"].sql("duckdb"),
                    [c.sql("duckdb") for c in cols],
                )
    if not decision.sql and decision.skip is None:
        decision.skip = "nothing to run in DuckDB"
    return decision


def _generated(item: Any) -> bool:
    from sqlglot import exp

    return isinstance(item, exp.ColumnDef) and any(
        isinstance(c.kind, exp.ComputedColumnConstraint) for c in item.args.get("constraints") or []
    )


def _rewrite(tree: Any, state: PolicyState, decision: Decision) -> Any:
    """Map what DuckDB lacks: auto-increment, foreign keys, table options, types, casts."""
    from sqlglot import exp

    extra: list[str] = []
    for call in list(tree.find_all(exp.Anonymous)):
        args = call.expressions
        if (
            str(call.this).lower() == "nextval"
            and len(args) == 1
            and isinstance(args[0], exp.Column)
        ):
            # MariaDB's `nextval(db.seq)` names the sequence; DuckDB's takes its name as text.
            args[0].replace(exp.Literal.string(args[0].name))
    for cast in list(tree.find_all(exp.Cast)):
        if isinstance(cast.to, exp.ObjectIdentifier) or (
            cast.to.this == exp.DataType.Type.USERDEFINED
        ):
            # `'seq'::regclass`, `::oid`, a domain or enum: the value as written.
            cast.replace(cast.this)
        elif (
            state.dialect == "postgres"
            and cast.to.this in (exp.DataType.Type.VARBINARY, exp.DataType.Type.BLOB)
            and isinstance(cast.this, exp.Literal)
            and cast.this.is_string
        ):
            # `'\\000a'::bytea` (escape format) or `'\\x00ff'`: the bytes PostgreSQL
            # reads, as the port to other databases reads them (seedkit.portable.values).
            from seedkit.portable.values import bytea_bytes

            try:
                data = bytea_bytes(cast.this.this)
            except ValueError:
                continue
            cast.replace(
                exp.Anonymous(this="from_hex", expressions=[exp.Literal.string(data.hex())])
            )
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and isinstance(tree.this, exp.Schema):
        table = tree.this.this
        props = tree.args.get("properties")
        if props is not None and props.expressions:
            names = sorted(
                {type(p).__name__.removesuffix("Property").upper() for p in props.expressions}
            )
            decision.changes.append("dropped table options " + ", ".join(names))
            tree.set("properties", None)
        kept: list[Any] = []
        for item in tree.this.expressions:
            if state.dialect == "sqlite" and _generated(item):
                # sqlite3 .dump writes no value for a generated column.
                decision.changes.append(f"generated column {item.name} left out")
                continue
            if isinstance(item, exp.ColumnDef):
                seq = _column(item, table, state, decision)
                if seq:
                    extra.append(seq)
                kept.append(item)
            elif isinstance(item, exp.Identifier):  # SQLite: a column without a type
                decision.changes.append(f"column {item.name} has no type: VARCHAR")
                kept.append(exp.ColumnDef(this=item, kind=exp.DataType.build("VARCHAR")))
            elif _is_foreign_key(item):
                decision.changes.append("foreign key removed: checked by seedkit's own queries")
            elif isinstance(item, exp.IndexColumnConstraint):
                decision.changes.append("dropped an index")
            elif isinstance(item, exp.UniqueColumnConstraint) and item.this is not None:
                cols = item.this.expressions if isinstance(item.this, exp.Schema) else []
                kept.append(exp.UniqueColumnConstraint(this=exp.Schema(expressions=cols)))
            else:
                kept.append(item)
        tree.this.set("expressions", kept)
        _sqlite_rowid(tree, state, decision, extra)
        decision.sql.extend(extra)
        return tree
    if isinstance(tree, exp.Alter):
        tree.set("only", None)
        actions = tree.args.get("actions") or []
        if len(actions) == 1 and isinstance(actions[0], exp.AddConstraint):
            unique = actions[0].find(exp.UniqueColumnConstraint)
            primary = actions[0].find(exp.PrimaryKey)
            cols = []
            if unique is not None:
                cols = unique.this.expressions if isinstance(unique.this, exp.Schema) else []
            elif primary is not None:
                cols = [e.this if isinstance(e, exp.Ordered) else e for e in primary.expressions]
            if cols:
                state.indexes += 1
                index = f"{tree.this.name}_seedkit_{state.indexes}"
                what = "UNIQUE" if unique is not None else "PRIMARY KEY"
                # DuckDB cannot alter a table that has an index; a unique index it can add.
                decision.changes.append(f"{what} constraint created as a unique index")
                decision.unique = (tree.this.sql("duckdb"), [c.sql("duckdb") for c in cols])
                return exp.maybe_parse(
                    f"CREATE UNIQUE INDEX {exp.to_identifier(index).sql('duckdb')} ON "
                    f"{tree.this.sql('duckdb')} (" + ", ".join(c.sql("duckdb") for c in cols) + ")",
                    dialect="duckdb",
                )
    if isinstance(tree, exp.Create) and tree.kind == "INDEX":
        index = tree.this
        if isinstance(index, exp.Index) and index.args.get("params") is not None:
            params = index.args["params"]
            if params.args.get("using") is not None:
                params.set("using", None)
    return tree
