"""`CREATE TABLE` ported: types, auto-numbering, keys folded in, partitions as tables.

`port_create_table` takes the sqlglot tree of a PostgreSQL `CREATE TABLE` (names already
unqualified where the target has no schemas) and the rewriter's state, and returns the
target's statements for it: the table, and before it any sequence its defaults need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seedkit.portable.counters import Counter
from seedkit.portable.scan import Sequence, name_key
from seedkit.portable.types import column_kind, is_text, port_type, type_name

if TYPE_CHECKING:
    from seedkit.portable.rewrite import Porter

_SERIAL = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}


def _key_columns(items: list[Any]) -> tuple[list[str], set[str]]:
    """(primary key columns, columns of a primary or unique key) among a table's items."""
    from sqlglot import exp

    primary: list[str] = []
    keyed: set[str] = set()
    for item in items:
        if isinstance(item, exp.ColumnDef):
            for c in item.args.get("constraints") or []:
                if isinstance(c.kind, exp.PrimaryKeyColumnConstraint):
                    primary = [item.name.lower()]
                if isinstance(c.kind, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint):
                    keyed.add(item.name.lower())
            continue
        for node in item.find_all(exp.PrimaryKey, exp.UniqueColumnConstraint):
            cols = node.expressions
            if isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
                cols = node.this.expressions
            names = [(c.this if isinstance(c, exp.Ordered) else c).name.lower() for c in cols]
            keyed.update(names)
            if isinstance(node, exp.PrimaryKey):
                primary = names
    return primary, keyed


def _folded(porter: Porter, table: str) -> list[Any]:
    """The seed's later `ALTER TABLE … ADD CONSTRAINT`s of `table` this target takes in its
    CREATE TABLE, as table constraints; each is remembered so its ALTER is dropped."""
    import sqlglot

    out = []
    for text in porter.scan.constraints.get(table, []):
        foreign = "FOREIGN" in text.upper().split("ADD", 1)[1][:60]
        if foreign and porter.target == "mysql":
            continue  # MariaDB adds it after the data, as the dump does
        tree = sqlglot.parse_one(text, read="postgres")
        action = tree.args["actions"][0]
        for constraint in action.expressions:
            porter.unqualify(constraint)
            out.append(constraint)
        porter.folded.add(text)
    if out:
        porter.note("ALTER TABLE … ADD CONSTRAINT folded into CREATE TABLE")
    return out


def _foreign_keys_ok(porter: Porter, table: str, item: Any) -> bool:
    """DuckDB checks a foreign key on each row as it is written and cannot add one later:
    keep it only when the seed writes the parent's rows before the child's."""
    from sqlglot import exp

    ref = item.find(exp.Reference)
    if ref is None:
        return True
    parent_node = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
    parent = name_key(parent_node.sql("postgres"))
    child = porter.scan.data.get(table)
    if porter.qualified(parent) == table:
        return False
    if porter.qualified(parent) not in porter.columns:
        return False  # DuckDB needs the parent table to exist when the child is made
    before = porter.scan.data.get(porter.qualified(parent))
    return child is None or before is None or before[1] < child[0]


def _parent_made(porter: Porter, table: str, item: Any) -> bool:
    """Whether the table a foreign key references exists already (or is `table` itself)."""
    from sqlglot import exp

    ref = item.find(exp.Reference)
    if ref is None:
        return True
    node = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
    parent = porter.qualified(name_key(node.sql("postgres")))
    if parent == table:
        # DuckDB checks a row against the rows before its statement only: a SQL file's
        # multi-row INSERT (or COPY block) naming a parent in the same statement fails.
        return table not in porter.scan.data
    return parent in porter.columns or parent not in porter.scan.created


def port_create_table(porter: Porter, tree: Any, table: str) -> list[str]:
    """The target's statements for one `CREATE TABLE` (see the module docstring)."""
    from sqlglot import exp

    target = porter.target
    schema = tree.this
    props = tree.args.get("properties")
    if props is not None:
        partition_of = props.find(exp.PartitionedOfProperty)
        if partition_of is not None:
            parent = porter.qualified(name_key(partition_of.this.sql("postgres")))
            schema = exp.Schema(
                this=tree.this.copy(),
                expressions=[c.copy() for c in porter.coldefs.get(parent, [])],
            )
            tree.set("this", schema)
            porter.note("a partition is a table of its own")
        elif props.find(exp.PartitionedByProperty) is not None:
            porter.note("a partitioned table's partitions are tables of their own")
        tree.set("properties", None)
    folded = _folded(porter, table)
    items = list(schema.expressions) + folded
    primary, keyed = _key_columns(items)
    keyed |= {c for t, c in porter.scan.keyed if t == table}
    kinds: list[tuple[str, str]] = []
    before: list[str] = []
    after: list[str] = []
    kept: list[Any] = []
    for item in items:
        if not isinstance(item, exp.ColumnDef):
            if isinstance(item, exp.Constraint | exp.ForeignKey) and item.find(exp.ForeignKey):
                from_alter = any(item is f for f in folded)
                if target == "duckdb" and from_alter and not _foreign_keys_ok(porter, table, item):
                    porter.note(
                        f"foreign key of {table} left out: DuckDB checks it row by row and "
                        "the seed makes the table or writes its rows before its parent's, or the "
                        "table references itself"
                    )
                    continue
                ref = item.find(exp.Reference)
                if target == "sqlite" and ref is not None and from_alter:
                    ref.set("options", ["DEFERRABLE INITIALLY DEFERRED"])
            kept.append(item)
            continue
        name = item.name.lower()
        seq = _column(porter, item, table, name, primary, name in keyed, before, after)
        kinds.append((item.name, seq))
        kept.append(item)
    if target == "sqlite" and any(_is_autoincrement(c) for c in kept):
        kept = [k for k in kept if not _is_table_primary_key(k)]
    schema.set("expressions", kept)
    porter.columns[table] = kinds
    porter.coldefs[table] = [k for k in kept if isinstance(k, exp.ColumnDef)]
    porter.text_columns[table] = {
        k.name.lower()
        for k in porter.coldefs[table]
        if isinstance(k.args.get("kind"), exp.DataType) and type_name(k.args["kind"]) == "TEXT"
    }
    tree.set("exists", tree.args.get("exists"))
    return [*before, porter.generate(tree), *after]


def _is_table_primary_key(item: Any) -> bool:
    from sqlglot import exp

    return not isinstance(item, exp.ColumnDef) and item.find(exp.PrimaryKey) is not None


def _is_autoincrement(item: Any) -> bool:
    from sqlglot import exp

    return isinstance(item, exp.ColumnDef) and any(
        isinstance(c.kind, exp.AutoIncrementColumnConstraint)
        for c in item.args.get("constraints") or []
    )


def _column(
    porter: Porter,
    col: Any,
    table: str,
    name: str,
    primary: list[str],
    keyed: bool,
    before: list[str],
    after: list[str],
) -> str:
    """Rewrite one column in place; returns the kind its values convert by."""
    from sqlglot import exp

    target = porter.target
    dtype = col.args.get("kind")
    if not isinstance(dtype, exp.DataType):
        return "text"
    constraints = list(col.args.get("constraints") or [])
    if target == "duckdb":
        for c in list(constraints):
            if isinstance(c.kind, exp.Reference) and not _parent_made(porter, table, c):
                constraints.remove(c)
                porter.note(
                    f"foreign key of {table}.{name} left out: DuckDB needs its parent table "
                    "made first, and cannot check a row against others of its own statement"
                )
    seq: Sequence | None = porter.scan.column_sequence(table, name)
    tname = type_name(dtype)
    if tname in _SERIAL:
        dtype = exp.DataType.build(_SERIAL[tname])
        seq = (
            seq
            or porter.scan.sequences.get(f"{table}_{name}_seq")
            or Sequence(f"{table}_{name}_seq")
        )
    for c in list(constraints):
        if isinstance(c.kind, exp.GeneratedAsIdentityColumnConstraint):
            constraints.remove(c)
            start, inc = c.kind.args.get("start"), c.kind.args.get("increment")
            seq = seq or Sequence(f"{table}_{name}_seq")
            seq.start = int(start.name) if start is not None else seq.start
            seq.increment = int(inc.name) if inc is not None else seq.increment
        elif isinstance(c.kind, exp.DefaultColumnConstraint):
            call = c.kind.this
            if isinstance(call, exp.Anonymous) and str(call.this).lower() == "nextval":
                constraints.remove(c)
                arg = call.expressions[0] if call.expressions else None
                while isinstance(arg, exp.Cast):
                    arg = arg.this
                key = name_key(arg.name) if arg is not None else ""
                seq = porter.scan.sequences.get(key) or Sequence(arg.name if arg else key)
    check = None
    enum = porter.enums.get(tname.lower())
    domain = porter.domains.get(tname.lower())
    if domain is not None:
        dtype = domain.base
        if domain.not_null:
            constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        check = domain.check_for(col.this, target)
        enum = porter.enums.get(type_name(dtype).lower())
    kind = column_kind(dtype)
    citext = type_name(dtype) == "CITEXT"
    if enum is not None:
        if target == "mysql":
            dtype = exp.DataType.build(
                "ENUM(" + ", ".join(exp.Literal.string(v).sql() for v in enum) + ")",
                dialect="mysql",
            )
        elif target == "sqlite":
            dtype = exp.DataType.build("TEXT")
            values = ", ".join(exp.Literal.string(v).sql() for v in enum)
            check = exp.maybe_parse(f"{col.this.sql('sqlite')} IN ({values})", dialect="sqlite")
        kind = "text"
    else:
        if keyed and is_text(dtype) and target == "mysql":
            porter.note(f"{table}.{name}: text key as VARCHAR(255) (MariaDB indexes no TEXT)")
        dtype, note = port_type(dtype, target, key=keyed)
        if note:
            porter.note(f"{table}.{name}: {note}")
    if citext and target == "sqlite":
        constraints.append(exp.ColumnConstraint(kind=exp.CollateColumnConstraint(this="NOCASE")))
    if check is not None:
        constraints.append(exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=check)))
    if seq is not None:
        dtype = _numbered(porter, col, table, name, seq, dtype, primary, constraints, before, after)
    col.set("kind", dtype)
    col.set("constraints", constraints)
    return kind


def _numbered(
    porter: Porter,
    col: Any,
    table: str,
    name: str,
    seq: Sequence,
    dtype: Any,
    primary: list[str],
    constraints: list[Any],
    before: list[str],
    after: list[str],
) -> Any:
    """Make `col` number itself on the target; returns its type."""
    from sqlglot import exp

    target = porter.target
    shown = porter.table_shown(table)
    sole_key = primary == [name]
    if target == "sqlite" and sole_key:
        constraints[:] = [
            c for c in constraints if not isinstance(c.kind, exp.PrimaryKeyColumnConstraint)
        ]
        constraints.insert(0, exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint()))
        constraints.insert(1, exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
        counter = Counter("table", shown, seq.increment)
        porter.counters.assign(seq, counter)
        after.extend(porter.counters.start_sql(counter, seq))
        if seq.increment != 1:
            porter.note(f"{table}.{name}: SQLite numbers by 1, not {seq.increment}")
        return exp.DataType.build("INTEGER")
    if target == "sqlite":
        constraints[:] = [
            c for c in constraints if not isinstance(c.kind, exp.NotNullColumnConstraint)
        ]
        after.extend(porter.counters.sqlite_row_counter(seq, shown, col.this.sql("sqlite")))
        porter.note(
            f"{table}.{name}: numbered on SQLite by a trigger and the seedkit_sequence table "
            "(NOT NULL left to the trigger)"
        )
        return dtype
    if target == "mysql" and sole_key and seq.increment == 1:
        constraints.append(exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
        porter.counters.assign(seq, Counter("table", shown))
        if seq.start != 1:
            after.append(f"ALTER TABLE {shown} AUTO_INCREMENT = {seq.start}")
        return dtype
    seq_shown = porter.sequence_shown(seq.name)
    before.extend(porter.counters.sequence_sql(seq, seq_shown))
    default: Any
    if target == "mysql":
        default = exp.maybe_parse(f"NEXTVAL({seq_shown})", dialect="mysql")
    else:
        default = exp.maybe_parse(f"nextval('{seq_shown.replace(chr(34), '')}')", dialect="duckdb")
    constraints.insert(0, exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
    return dtype
