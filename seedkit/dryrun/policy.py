"""The statement policy of the dry run: what DuckDB runs, maps, or skips, and why.

Transpiling a real PostgreSQL or MySQL script with sqlglot and running it as is in
DuckDB gives false alarms: GRANT, OWNER TO, SET, extensions, functions, triggers,
MySQL's `/*!…*/` comments, AUTO_INCREMENT dropped by the transpiler. So each
statement gets a `Decision`: the DuckDB SQL to run (possibly changed, each change
named) or a reason to skip it. Foreign keys are removed from the DDL: seedkit checks
them itself with queries (DuckDB's own cannot stand in for a real database's).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_NORM = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql", "sqlite3": "sqlite"}

_PERMS = "permissions are not checked by a dry run"
_SESSION = "session settings do not apply to the dry run"
_ROUTINE = "functions, procedures and triggers are not run by a dry run"
_INDEX = "a non-unique index does not change what a seed loads"
# (pattern on the statement's start, reason it is skipped); first match wins.
SKIP_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I | re.S), reason)
    for p, reason in (
        (r"(GRANT|REVOKE)\b", _PERMS),
        (r"ALTER\s+.*\bOWNER\s+TO\b", "owners are not checked by a dry run"),
        (r"ALTER\s+SEQUENCE\s+.*\bOWNED\s+BY\b", "sequence ownership is not emulated"),
        (r"SET\b", _SESSION),
        (r"RESET\b", _SESSION),
        (r"SELECT\s+(pg_catalog\.)?set_config\s*\(", _SESSION),
        (r"SELECT\s+(pg_catalog\.)?setval\s*\(", "sequence positions (setval) are not emulated"),
        (r"(CREATE|DROP|ALTER)\s+EXTENSION\b", "extensions are not available in the dry run"),
        (r"COMMENT\s+ON\b", "comments do not change what a seed loads"),
        (
            r"(CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?(CONSTRAINT\s+)?"
            r"|DROP\s+|ALTER\s+)(FUNCTION|PROCEDURE|TRIGGER|EVENT|AGGREGATE|RULE|POLICY)\b",
            _ROUTINE,
        ),
        (
            r"ALTER\s+TABLE\s+.*\b(ENABLE|DISABLE)\s+(TRIGGER|KEYS|ROW\s+LEVEL)\b",
            "switching triggers, keys or row security does not apply to the dry run",
        ),
        (
            r"ALTER\s+TABLE\s+.*\bADD\s+(CONSTRAINT\s+\S+\s+)?FOREIGN\s+KEY\b",
            "foreign key: checked by seedkit's own queries after each step",
        ),
        (r"PRAGMA\b", "SQLite pragmas do not apply to DuckDB"),
        (r"(LOCK|UNLOCK)\s+TABLES?\b", "table locks do not apply to the dry run"),
        (
            r"(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|SAVEPOINT|RELEASE)\b\s*(TRANSACTION|WORK)?\s*$",
            "transaction control: the dry run is one session",
        ),
        (r"(ANALYZE|VACUUM|CLUSTER|REINDEX|CHECKPOINT|OPTIMIZE)\b", "maintenance commands"),
        (r"(CREATE|DROP)\s+DATABASE\b|USE\s+\S+\s*$", "database selection is the target's"),
        (
            r"(CREATE|ALTER|DROP)\s+(ROLE|USER|PUBLICATION|SUBSCRIPTION|SERVER|"
            r"FOREIGN\s+DATA\s+WRAPPER|TABLESPACE|COLLATION|TEXT\s+SEARCH|STATISTICS|OPERATOR|CAST)\b",
            "server objects are not emulated",
        ),
        (r"CREATE\s+(?!UNIQUE\b)(\w+\s+)*?INDEX\b", _INDEX),
        (r"CREATE\s+UNIQUE\s+INDEX\b.*\bWHERE\b", "a partial unique index is not checked"),
        (r"SELECT\s+(pg_catalog\.)?(pg_\w+|lo_\w+)\s*\(", "PostgreSQL admin functions are not run"),
    )
]
_MYSQL_COMMENT = re.compile(r"/\*!(\d{5})?\s*(?P<body>.*?)\s*\*/\s*$", re.S)
_COPY_STDIN = re.compile(
    r"COPY\s+(?P<table>[\w$.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+FROM\s+stdin\b(?P<opts>.*)$",
    re.I | re.S,
)
_DOMAIN = re.compile(
    r"CREATE\s+DOMAIN\s+(?P<name>[\w$.\"]+)\s+(?:AS\s+)?(?P<type>.+?)"
    r"(?=\s+(?:NOT\s+NULL|NULL|CHECK|DEFAULT|CONSTRAINT|COLLATE)\b|\s*$)(?P<rest>.*)$",
    re.I | re.S,
)
_SEQUENCE = re.compile(r"CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w$.\"]+)", re.I)
_SEQ_OPT = re.compile(r"\b(START\s+(?:WITH\s+)?|INCREMENT\s+(?:BY\s+)?)([+-]?\d+)", re.I)
_VIEW = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+)?(MATERIALIZED\s+)?VIEW\b", re.I)
_UNIQUE_INDEX = re.compile(r"CREATE\s+UNIQUE\s+INDEX\b", re.I)

# Literal INSERTs: `INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)` with only plain literals,
# which mean the same in every dialect, are batched without parsing.
_IDENT = r'(?:"[^"]+"|`[^`]+`|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_WORDS = r"(?i:NULL|TRUE|FALSE)"
_STRING_STD = r"'[^']*+(?:''[^']*+)*+'"
_STRING_NO_BACKSLASH = r"'[^'\\]*+(?:''[^'\\]*+)*+'"
_INSERT_HEAD = re.compile(
    rf"INSERT\s+INTO\s+(?P<table>{_NAME})\s*(?:\((?P<cols>\s*{_IDENT}(?:\s*,\s*{_IDENT})*\s*)\))?"
    r"\s*VALUES\s*",
    re.I,
)


def _tuple_re(string: str) -> str:
    lit = f"(?:{string}|{_NUMBER}|{_WORDS})"
    return rf"\(\s*{lit}(?:\s*,\s*{lit})*+\s*\)"


_TUPLES = {
    backslash: (
        re.compile(rf"{_tuple_re(s)}(?:\s*,\s*{_tuple_re(s)})*+\s*\Z"),
        re.compile(_tuple_re(s)),
    )
    for backslash, s in ((True, _STRING_STD), (False, _STRING_NO_BACKSLASH))
}


@dataclass(frozen=True)
class LiteralInsert:
    """A plain literal INSERT: the DuckDB head (`INSERT INTO t (a, b) VALUES `) and its tuples."""

    table: str
    head: str
    values: str
    values_offset: int

    def tuple_starts(self) -> list[int]:
        """Offsets (in the statement's text) of each row's opening parenthesis."""
        finder = _TUPLES[True][1]
        return [self.values_offset + m.start() for m in finder.finditer(self.values)]

    @property
    def row_count(self) -> int:
        """How many rows the statement inserts."""
        return len(_TUPLES[True][1].findall(self.values))


def normalize_dialect(name: str | None) -> str | None:
    """sqlglot's name of a dialect (`postgresql` → `postgres`, `mariadb` → `mysql`)."""
    if not name:
        return None
    return _NORM.get(name.lower(), name.lower())


def literal_insert(text: str, dialect: str | None) -> LiteralInsert | None:
    """The statement as a LiteralInsert when it is one that needs no transpiling, else None."""
    head = _INSERT_HEAD.match(text)
    if head is None:
        return None
    backslash_ok = dialect != "mysql"
    rest = text[head.end() :]
    if not _TUPLES[backslash_ok][0].match(rest):
        return None
    if dialect == "mysql" and '"' in text[: head.end()]:
        return None  # a MySQL double-quoted "name" is a string, not an identifier
    table = _duck_name(head["table"])
    cols = head["cols"]
    shown = f"INSERT INTO {table}" + (f" ({_duck_name(cols)})" if cols else "") + " VALUES "
    return LiteralInsert(table, shown, rest, head.end())


def _duck_name(text: str) -> str:
    return re.sub(r"`([^`]*)`", r'"\1"', text)


@dataclass
class Decision:
    """What the dry run does with one statement.

    `sql` is what DuckDB runs (empty when skipped); `skip` the reason it is skipped;
    `changes` what was changed and why; `tolerate` set when a failure means "DuckDB
    cannot emulate this" (a fidelity entry) rather than a problem of the seed.
    `table` names the table an INSERT, UPDATE or DELETE writes, for row tracking.
    """

    sql: list[str] = field(default_factory=list)
    skip: str | None = None
    changes: list[str] = field(default_factory=list)
    tolerate: str | None = None
    table: str | None = None
    verb: str = "other"
    literal: LiteralInsert | None = None
    copy: tuple[str, list[str] | None, str] | None = None


@dataclass
class PolicyState:
    """What the policy learns while a seed runs: types DuckDB lacks, sequences it made."""

    dialect: str | None
    type_ok: Callable[[str], bool]
    sequences: int = 0
    domains: dict[str, str] = field(default_factory=dict)


def decide(text: str, state: PolicyState) -> Decision:
    """The Decision for one statement written in `state.dialect`."""
    dialect = state.dialect
    if text.startswith("/*!"):
        m = _MYSQL_COMMENT.match(text)
        if m is not None:
            body = m["body"].strip().rstrip(";").strip()
            if not body:
                return Decision(skip="an empty MySQL version comment")
            inner = decide(body, state)
            if inner.skip is None:
                inner.changes.insert(0, "ran the contents of a MySQL /*!…*/ comment")
            return inner
    for pattern, reason in SKIP_RULES:
        if pattern.match(text):
            return Decision(skip=reason)
    literal = literal_insert(text, dialect)
    if literal is not None:
        return Decision(table=literal.table, verb="insert", literal=literal)
    copy = _COPY_STDIN.match(text)
    if copy is not None:
        cols = [c.strip() for c in copy["cols"].split(",")] if copy["cols"] else None
        return Decision(verb="copy", copy=(copy["table"], cols, copy["opts"]))
    domain = _DOMAIN.match(text)
    if domain is not None:
        return _domain(domain, state)
    if _SEQUENCE.match(text):
        return _sequence(text)
    return _transpiled(text, state)


def _domain(m: re.Match[str], state: PolicyState) -> Decision:
    name = m["name"]
    base = _type_sql(m["type"].strip(), state)
    state.domains[name.split(".")[-1].strip('"').lower()] = base
    changes = ["CREATE DOMAIN became a DuckDB type alias"]
    if re.search(r"\bCHECK\b", m["rest"], re.I):
        changes.append("its CHECK is not checked")
    return Decision(sql=[f"CREATE TYPE {name} AS {base}"], changes=changes)


def _sequence(text: str) -> Decision:
    name = _SEQUENCE.match(text)["name"]  # type: ignore[index]
    options = " ".join(
        f"{'START WITH' if word.upper().startswith('START') else 'INCREMENT BY'} {value}"
        for word, value in _SEQ_OPT.findall(text)
    )
    changes = []
    if re.search(r"\b(CACHE|AS|OWNED|MINVALUE|MAXVALUE)\b", text, re.I):
        changes.append("kept only START and INCREMENT of the sequence")
    return Decision(
        sql=[f"CREATE SEQUENCE IF NOT EXISTS {name} {options}".rstrip()], changes=changes
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


# SQLite's own type names and table options that sqlglot cannot parse, and what to read instead.
_SQLITE_REPAIRS = [
    (re.compile(pattern, re.I), repl)
    for pattern, repl in (
        (r"\bUNSIGNED\s+BIG\s+INT\b", "BIGINT"),
        (r"\bVARYING\s+CHARACTER\b", "VARCHAR"),
        (r"\bNATIVE\s+CHARACTER\b", "NCHAR"),
        (r"\)\s*(?:WITHOUT\s+ROWID|STRICT)(?:\s*,\s*(?:WITHOUT\s+ROWID|STRICT))*\s*;?\s*$", ")"),
    )
]


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

    changes = []
    if state.dialect == "sqlite":
        for pattern, repl in _SQLITE_REPAIRS:
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
    if not decision.sql and decision.skip is None:
        decision.skip = "nothing to run in DuckDB"
    return decision


def _rewrite(tree: Any, state: PolicyState, decision: Decision) -> Any:
    """Map what DuckDB lacks: auto-increment, foreign keys, table options, types, casts."""
    from sqlglot import exp

    extra: list[str] = []
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
        for action in tree.args.get("actions") or []:
            for node in action.find_all(exp.Cast):
                if (
                    node.to.this == exp.DataType.Type.USERDEFINED
                    or "REGCLASS" in node.to.sql().upper()
                ):
                    node.replace(node.this)
        tree.set("only", None)
        actions = tree.args.get("actions") or []
        if len(actions) == 1 and isinstance(actions[0], exp.AddConstraint):
            unique = actions[0].find(exp.UniqueColumnConstraint)
            if unique is not None:
                cols = unique.this.expressions if isinstance(unique.this, exp.Schema) else []
                name = actions[0].this.name if actions[0].this else "unique"
                index = f"{tree.this.name}_{name}_seedkit"
                decision.changes.append("UNIQUE constraint created as a unique index")
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
    for cast in list(tree.find_all(exp.Cast)):
        if cast.to.this == exp.DataType.Type.USERDEFINED:
            cast.replace(cast.this)
    return tree


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
        elif isinstance(kind, exp.Reference):
            decision.changes.append("foreign key removed: checked by seedkit's own queries")
        elif isinstance(kind, exp.OnUpdateColumnConstraint):
            decision.changes.append(f"ON UPDATE of {col.name} is not emulated")
        elif isinstance(kind, exp.CharacterSetColumnConstraint | exp.CollateColumnConstraint):
            decision.changes.append(f"collation/character set of {col.name} dropped")
        elif isinstance(kind, exp.CommentColumnConstraint):
            pass
        else:
            kept.append(constraint)
    col.set("constraints", kept)
    if auto:
        return _add_sequence(col, table, state, decision)
    return None


def _add_sequence(col: Any, table: Any, state: PolicyState, decision: Decision) -> str:
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
    return f"CREATE SEQUENCE IF NOT EXISTS {seq}"


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
    if name == "ARRAY" or dt.args.get("nested") and name == "ARRAY":
        changes.append("array column kept as text")
        return "VARCHAR"
    if name in _TEXT_TYPES:
        return "VARCHAR"  # lengths are checked by seedkit's own queries
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
