"""The statement-level readers of the DDL reader: tables, columns, keys and indexes.

seedkit.schema.ddl parses the text; `_Reader` here applies each statement, in
order, to mutable drafts of the tables (CREATE TABLE, ALTER TABLE, CREATE UNIQUE
INDEX, DROP TABLE, domains and enums, pg_dump's ADD ... AS IDENTITY), then turns
the drafts into the schema's Tables with foreign keys resolved to columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp

from seedkit.schema import Column, ForeignKey, Schema, Table, TypeKind, table_key
from seedkit.schema._ddl_parse import (
    _ADD_IDENTITY,
    _DOMAIN,
    _DOMAIN_END,
    _SQLITE_TYPE,
    _sqlite_repair,
)
from seedkit.schema._ddl_types import _build_type, kind_of

# These keep unquoted identifiers as written; the others fold them to lower case.
_CASE_KEEPING = {"mysql", "sqlite", "duckdb"}
_LENGTH_TYPES = {"CHAR", "NCHAR", "VARCHAR", "NVARCHAR", "BPCHAR"}


@dataclass
class _Col:
    name: str
    dtype: exp.DataType | None
    type: str
    nullable: bool = True
    autoincrement: bool = False
    has_default: bool = False
    kind: TypeKind | None = None
    length: int | None = None
    rowid_type: bool = False  # SQLite: declared exactly INTEGER, so a PK makes it the rowid


@dataclass
class _Tab:
    name: str
    schema: str | None
    columns: dict[str, _Col] = field(default_factory=dict)
    pk: tuple[str, ...] = ()
    unique: list[tuple[str, ...]] = field(default_factory=list)
    fks: list[ForeignKey] = field(default_factory=list)


def _draft(c: Column) -> _Col:
    return _Col(c.name, None, c.type, c.nullable, c.autoincrement, c.has_default, c.kind, c.length)


class _Reader:
    """Applies DDL statements, in order, to mutable drafts of the tables."""

    def __init__(self, dialect: str | None, schema: Schema) -> None:
        self.d = dialect
        self.keep_case = dialect in _CASE_KEEPING
        self.domains: dict[str, _Col] = {}
        self.enums: set[str] = set()
        self.tables: dict[str, _Tab] = {}
        for t in schema:
            cols = {c.name.lower(): _draft(c) for c in t.columns}
            self.tables[table_key(t.qualified_name)] = _Tab(
                t.name, t.schema, cols, t.primary_key, list(t.unique), list(t.foreign_keys)
            )

    def ident(self, node: exp.Expression) -> str:
        quoted = isinstance(node, exp.Identifier) and node.args.get("quoted")
        return node.name if quoted or self.keep_case else node.name.lower()

    def qualified(self, t: exp.Table) -> str:
        db = t.args.get("db")
        return f"{self.ident(db)}.{self.ident(t.this)}" if db else self.ident(t.this)

    def find(self, t: exp.Table) -> _Tab | None:
        key = table_key(self.qualified(t))
        if key in self.tables or "." in key:
            return self.tables.get(key)
        bare = [v for k, v in self.tables.items() if k.rsplit(".", 1)[-1] == key]
        return bare[0] if len(bare) == 1 else None

    def names(self, nodes: list[exp.Expression]) -> tuple[str, ...] | None:
        out = []
        for n in nodes:
            n = n.this if isinstance(n, exp.Ordered) else n
            n = n.this if isinstance(n, exp.Column) and not n.table else n
            if not isinstance(n, exp.Identifier):
                return None  # an expression index or key: no plain column set
            out.append(self.ident(n))
        return tuple(out) or None

    def statement(self, node: exp.Expression, text: str) -> None:
        kind = str(node.args.get("kind") or "").upper()
        if isinstance(node, exp.Create):
            target, body = node.this, node.expression
            if kind == "TABLE" and isinstance(target, exp.Schema):
                self.create_table(node, text)
            elif kind == "TYPE" and isinstance(body, exp.DataType) and body.is_type("enum"):
                self.enums.add(target.name.lower())
            elif kind == "INDEX" and node.args.get("unique") and isinstance(target, exp.Index):
                tab, params = self.find(target.args["table"]), target.args.get("params")
                if tab and params and not params.args.get("where"):
                    cols = self.names(params.args.get("columns") or [])
                    if cols:
                        tab.unique.append(cols)
        elif isinstance(node, exp.Alter) and kind == "TABLE":
            self.alter(node, text)
        elif isinstance(node, exp.Drop) and kind == "TABLE":
            for t in node.args.get("tables") or [node.this]:
                self.tables.pop(table_key(self.qualified(t)), None)
        elif isinstance(node, exp.Command):
            self.command(str(node.this).upper(), str(node.args.get("expression") or ""))

    def create_table(self, node: exp.Create, text: str) -> None:
        target = node.this.this
        key = table_key(self.qualified(target))
        if node.args.get("exists") and key in self.tables:
            return
        db = target.args.get("db")
        tab = self.tables[key] = _Tab(self.ident(target.this), self.ident(db) if db else None)
        for item in node.this.expressions:
            if isinstance(item, exp.Identifier):  # SQLite: a column without a type
                self.column(tab, exp.ColumnDef(this=item), text)
            elif isinstance(item, exp.ColumnDef):
                self.column(tab, item, text)
            else:
                self.constraint(tab, item)

    def column(self, tab: _Tab, cd: exp.ColumnDef, text: str) -> None:
        name = self.ident(cd.this)
        dt = cd.args.get("kind")
        col = _Col(name, dt, dt.sql(self.d) if dt else "")
        if dt is None:
            col.kind = TypeKind.OTHER
        elif dt.this.name in ("SERIAL", "SMALLSERIAL", "BIGSERIAL"):
            col.autoincrement = col.has_default = True
        end = cd.this.meta.get("end")
        if self.d == "sqlite" and end is not None and (m := _SQLITE_TYPE.match(text, end + 1)):
            # sqlglot renders SQLite types by affinity (NUMERIC -> REAL): keep them as declared.
            col.type = " ".join(m[1].split()) or col.type
            col.rowid_type = col.type.upper() == "INTEGER"
        for cc in cd.constraints:
            k = cc.args.get("kind")
            if isinstance(k, exp.NotNullColumnConstraint):
                col.nullable = bool(k.args.get("allow_null"))
            elif isinstance(k, exp.PrimaryKeyColumnConstraint):
                tab.pk = (name,)
            elif isinstance(k, exp.UniqueColumnConstraint):
                tab.unique.append((name,))
            elif isinstance(k, exp.Reference):
                fk_name = self.ident(cc.this) if cc.this else None
                tab.fks.append(self.reference(k, (name,), fk_name))
            elif isinstance(k, exp.DefaultColumnConstraint | exp.ComputedColumnConstraint):
                col.has_default = True
            elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
                col.has_default = True
                col.autoincrement = not k.args.get("expression")
            elif isinstance(k, exp.AutoIncrementColumnConstraint):
                col.autoincrement = col.has_default = True
        tab.columns[name.lower()] = col

    def reference(self, ref: exp.Reference, cols: tuple[str, ...], name: str | None) -> ForeignKey:
        target, ref_cols = ref.this, None
        if isinstance(target, exp.Schema):
            target, ref_cols = target.this, self.names(target.expressions)
        return ForeignKey(cols, self.qualified(target), ref_cols or (), name)

    def constraint(self, tab: _Tab, node: exp.Expression, name: str | None = None) -> None:
        if isinstance(node, exp.Constraint):
            for part in node.expressions:
                self.constraint(tab, part, self.ident(node.this))
        elif isinstance(node, exp.PrimaryKey):
            tab.pk = self.names(node.expressions) or tab.pk
        elif isinstance(node, exp.ForeignKey):
            cols, ref = self.names(node.expressions), node.args.get("reference")
            if cols and ref:
                tab.fks.append(self.reference(ref, cols, name))
        elif isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
            cols = self.names(node.this.expressions)
            if cols:
                tab.unique.append(cols)

    def alter(self, node: exp.Alter, text: str) -> None:
        tab = self.find(node.this)
        if tab is None:
            return
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for part in action.expressions:
                    self.constraint(tab, part)
            elif isinstance(action, exp.ColumnDef):
                self.column(tab, action, text)
            elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
                for c in action.args.get("tables") or []:
                    tab.columns.pop(c.name.lower(), None)
            elif isinstance(action, exp.AlterColumn):
                col = tab.columns.get(action.name.lower())
                if col is not None:
                    self.alter_column(col, action)

    def alter_column(self, col: _Col, action: exp.AlterColumn) -> None:
        allow_null, default = action.args.get("allow_null"), action.args.get("default")
        if allow_null is not None:
            col.nullable = bool(allow_null)
        elif action.args.get("drop"):
            col.has_default = col.autoincrement = False
        if default is not None:
            col.has_default = True
            col.autoincrement = "nextval(" in default.sql().lower()
        dt = action.args.get("dtype")
        if isinstance(dt, exp.DataType):
            col.dtype, col.type, col.kind, col.length = dt, dt.sql(self.d), None, None

    def command(self, head: str, body: str) -> None:
        """Statements sqlglot keeps as text: domains, and pg_dump's ADD ... AS IDENTITY."""
        if head == "CREATE" and (m := _DOMAIN.match(body)):
            type_text, *tail = _DOMAIN_END.split(m["rest"].strip().rstrip(";"), maxsplit=1)
            dt = _build_type(type_text, self.d)
            if dt is not None:
                rest = tail[0] if tail else ""
                self.domains[self.parts(m["name"])[-1].lower()] = _Col(
                    "",
                    dt,
                    "",
                    not re.search(r"\bNOT\s+NULL\b", rest, re.I),
                    has_default=bool(re.search(r"\bDEFAULT\b", rest, re.I)),
                )
        elif head == "CREATE" and self.d == "sqlite" and re.match(r"\s*TABLE\b", body, re.I):
            text = _sqlite_repair("CREATE" + body)  # WITHOUT ROWID, STRICT
            for node in sqlglot.parse(text, read=self.d):
                if isinstance(node, exp.Create) and isinstance(node.this, exp.Schema):
                    self.statement(node, text)
        elif head == "ALTER" and (m := _ADD_IDENTITY.match(body)):
            *db, name = self.parts(m["table"])
            tab = self.find(exp.table_(name, db[-1] if db else None, quoted=True))
            col = tab.columns.get(self.parts(m["col"])[-1].lower()) if tab else None
            if col is not None:
                col.autoincrement = col.has_default = True
                col.nullable = False

    def parts(self, name: str) -> list[str]:
        found = re.findall(r'"([^"]+)"|`([^`]+)`|([\w$]+)', name)
        return [q or b or (w if self.keep_case else w.lower()) for q, b, w in found]

    def finish(self, schema: Schema) -> None:
        """Replace the schema's tables by the drafts, with FKs resolved to columns."""
        schema.tables.clear()
        for tab in self.tables.values():
            schema.add(self.table(tab))
        for key, t in list(schema.tables.items()):
            fks = []
            for fk in t.foreign_keys:
                target = schema.get(fk.ref_table)
                if target is not None:
                    cols = fk.ref_columns or target.primary_key
                    ref = tuple((c2.name if (c2 := target.column(c)) else c) for c in cols)
                    fk = replace(fk, ref_columns=ref)
                fks.append(fk)
            schema.tables[key] = replace(t, foreign_keys=tuple(fks))

    def table(self, tab: _Tab) -> Table:
        def fix(cols: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(c.name if (c := tab.columns.get(n.lower())) else n for n in cols)

        pk = fix(tab.pk)
        in_pk = {c.lower() for c in pk}
        columns = []
        for key, c in tab.columns.items():
            kind, length, nullable, default = self.resolve(c)
            auto = c.autoincrement or (c.rowid_type and len(pk) == 1 and key in in_pk)
            nullable = nullable and key not in in_pk
            columns.append(Column(c.name, c.type, kind, nullable, length, auto, default or auto))
        unique = tuple(dict.fromkeys(fix(u) for u in tab.unique))
        fks = tuple(replace(fk, columns=fix(fk.columns)) for fk in tab.fks)
        return Table(tab.name, tab.schema, tuple(columns), pk, unique, fks)

    def resolve(self, c: _Col) -> tuple[TypeKind, int | None, bool, bool]:
        """Kind, length, nullable and has_default, looking through domains and enums."""
        if c.kind is not None or c.dtype is None:
            return c.kind or TypeKind.OTHER, c.length, c.nullable, c.has_default
        dt, nullable, default = c.dtype, c.nullable, c.has_default
        udt = dt.args.get("kind") if dt.this == exp.DataType.Type.USERDEFINED else None
        if isinstance(udt, exp.Expression):
            name = udt.name.lower()
            if name in self.enums:
                return TypeKind.TEXT, None, nullable, default
            dom = self.domains.get(name)
            if dom is not None and dom.dtype is not None:
                dt, nullable = dom.dtype, nullable and dom.nullable
                default = default or dom.has_default
        params = dt.expressions
        length = None
        if dt.this.name in _LENGTH_TYPES and len(params) == 1 and params[0].name.isdigit():
            length = int(params[0].name)
        return kind_of(dt, self.d), length, nullable, default
