"""The statement rewriter: one PostgreSQL statement as SQLite, MariaDB or DuckDB SQL.

`Porter` is made once per apply (or check) from the whole seed's `SeedScan`, then given
each statement in order by `prepare`; it keeps what earlier statements declared (enums,
domains, each table's columns, each sequence's counter on the target). Statements that
cannot port are refused by `refuse_unportable` before anything runs, or skipped and
listed with `skip_unportable`; session settings are dropped and counted. What it changed
is gathered in `report` (the plan and the apply's summary show it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError, SeedError
from seedkit.portable.counters import Counters, is_setval
from seedkit.portable.operators import bare_operators
from seedkit.portable.rules import SHOWN, classify, strip_comments
from seedkit.portable.scan import SeedScan, Unportable, name_key

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter as Target
    from seedkit.sources.base import LocatedStatement


_PLAIN_INSERT = re.compile(
    r"INSERT\s+INTO\s+(?P<table>(?:\"[^\"]+\"|[A-Za-z_][\w$]*)(?:\.(?:\"[^\"]+\"|[A-Za-z_][\w$]*))*)"
    r"\s*(?P<cols>\([^()]*\))?\s*(?:OVERRIDING\s+(?:SYSTEM|USER)\s+VALUE\s+)?VALUES\b",
    re.I,
)
_OVERRIDING = re.compile(r"\bOVERRIDING\s+(?:SYSTEM|USER)\s+VALUE\s+", re.I)
_ON_ONLY = re.compile(r"\bON\s+ONLY\s+", re.I)
_ENUM = re.compile(
    r"CREATE\s+TYPE\s+(?P<name>[\w$.\"]+)\s+AS\s+ENUM\s*\((?P<labels>.*)\)\s*\Z", re.I | re.S
)
_DOMAIN = re.compile(
    r"CREATE\s+DOMAIN\s+(?P<name>[\w$.\"]+)\s+(?:AS\s+)?(?P<type>.+?)"
    r"(?=\s+(?:NOT\s+NULL|NULL|CHECK|DEFAULT|CONSTRAINT|COLLATE)\b|\s*\Z)(?P<rest>.*)\Z",
    re.I | re.S,
)
_DOMAIN_CHECK = re.compile(r"\bCHECK\s*\((?P<expr>.*)\)", re.I | re.S)
_SCHEMA = re.compile(r"CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w$\"]+)\s*\Z", re.I)
_PARTITION = re.compile(r"ALTER\s+(TABLE|INDEX)\s+.*\bATTACH\s+PARTITION\b", re.I | re.S)
_ALTER_SEQUENCE = re.compile(r"ALTER\s+SEQUENCE\b", re.I)
_ALTER_TABLE = re.compile(r"ALTER\s+TABLE\b", re.I)
_DROP_SCHEMA_OBJECT = re.compile(r"DROP\s+(TYPE|DOMAIN|SCHEMA)\b", re.I)
_DROP_SEQUENCE = re.compile(r"DROP\s+SEQUENCE\b", re.I)


class UnportableError(SeedError):
    """The seed holds statements the target cannot run; nothing was applied."""

    exit_code = 1


@dataclass
class PortReport:
    """What porting did: each change (once), the session settings dropped, and the
    unportable statements skipped (with `--skip-unportable`)."""

    target: str
    changes: list[str] = field(default_factory=list)
    dropped: int = 0
    skipped: list[Unportable] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for a summary."""
        out = [f"ported from PostgreSQL to {SHOWN.get(self.target, self.target)}"]
        if self.dropped:
            out.append(
                f"{self.dropped} session setting(s) dropped (SET, OWNER TO, GRANT, COMMENT…)"
            )
        out += [f"skipped {u.shown()}" for u in self.skipped]
        out += [f"changed: {c}" for c in self.changes]
        return out


@dataclass
class Domain:
    """A PostgreSQL domain: its base type, NOT NULL, and CHECK over `VALUE`."""

    base: Any
    not_null: bool
    check: Any

    def check_for(self, column: Any, target: str) -> Any:
        """The domain's CHECK with `VALUE` as `column`; None when the target cannot check it."""
        from sqlglot import exp

        if self.check is None:
            return None
        if target == "sqlite" and self.check.find(exp.RegexpLike) is not None:
            return None
        check = self.check.copy()
        for col in list(check.find_all(exp.Column)):
            if col.name.upper() == "VALUE" and not col.table:
                col.replace(exp.column(column.copy()))
        for cast in list(check.find_all(exp.Cast)):
            if cast.to.this == exp.DataType.Type.USERDEFINED:
                cast.replace(cast.this)
        if target == "mysql":
            for match in list(check.find_all(exp.RegexpLike)):
                # MariaDB takes the REGEXP operator in a CHECK, not REGEXP_LIKE().
                left, right = match.this.sql("mysql"), match.expression.sql("mysql")
                match.replace(exp.Paren(this=exp.Var(this=f"{left} REGEXP {right}")))
        return check


class Porter:
    """Ports one seed's PostgreSQL statements to `target` (sqlite, mysql or duckdb)."""

    def __init__(self, target: str, scan: SeedScan, *, skip_unportable: bool = False) -> None:
        self.target = target
        self.scan = scan
        self.skip_unportable = skip_unportable
        self.report = PortReport(target)
        self.counters = Counters(target)
        self.enums: dict[str, list[str]] = {}
        self.domains: dict[str, Domain] = {}
        #: table key -> (column, value kind), in order
        self.columns: dict[str, list[tuple[str, str]]] = {}
        self.coldefs: dict[str, list[Any]] = {}
        #: table key -> columns left as TEXT on the target (MariaDB indexes a prefix)
        self.text_columns: dict[str, set[str]] = {}
        #: ALTER TABLE texts taken into a CREATE TABLE
        self.folded: set[str] = set()
        self._bare: dict[str, str] = {key.split(".")[-1]: key for key in scan.created}

    def again(self) -> Porter:
        """A new Porter for the same seed (an apply run again from its start)."""
        return Porter(self.target, self.scan, skip_unportable=self.skip_unportable)

    # -- what cannot port --------------------------------------------------------------

    def refuse_unportable(self) -> None:
        """Stop before anything runs when the seed holds statements that cannot port."""
        found = self.scan.unportable
        if not found or self.skip_unportable:
            return
        shown = "\n".join(f"  {u.shown()}" for u in found)
        first = found[0]
        from seedkit.errors import Location

        raise UnportableError(
            f"{len(found)} statement(s) cannot run on {SHOWN[self.target]}; nothing was "
            f"applied:\n{shown}",
            location=Location.in_file(first.file, first.line),
            hint="apply to PostgreSQL, remove them from the seed, or apply with "
            "--skip-unportable to leave them out (the summary lists each one)",
        )

    # -- names ---------------------------------------------------------------------------

    def note(self, change: str) -> None:
        """Record a change (once)."""
        if change not in self.report.changes:
            self.report.changes.append(change)

    def qualified(self, name: str) -> str:
        """The scan's key of a table named `name` (possibly without its schema)."""
        key = name_key(name)
        if key in self.scan.created or "." in key:
            return key
        return self._bare.get(key, key)

    def unqualify(self, tree: Any) -> Any:
        """Drop schemas the target does not have: every schema on SQLite and MariaDB (one
        database), `public` and `pg_catalog` on DuckDB."""
        from sqlglot import exp

        for table in tree.find_all(exp.Table):
            db = table.args.get("db")
            if db is None:
                continue
            if self.target != "duckdb" or db.name.lower() in ("public", "pg_catalog"):
                table.set("db", None)
                table.set("catalog", None)
        for col in tree.find_all(exp.Column):
            if col.args.get("db") is not None and self.target != "duckdb":
                col.set("db", None)
        for dot in list(tree.find_all(exp.Dot)):
            if isinstance(dot.this, exp.Identifier) and dot.this.name.lower() == "pg_catalog":
                dot.replace(dot.expression)
        return tree

    def table_shown(self, key: str) -> str:
        """A table (by key) as the target writes its name."""
        from sqlglot import exp

        return str(self.unqualify(exp.to_table(key)).sql(self._dialect))

    def sequence_shown(self, name: str) -> str:
        """A sequence's name on the target."""
        return self.table_shown(name_key(name))

    @property
    def _dialect(self) -> str:
        return self.target

    def generate(self, tree: Any) -> str:
        """The tree as the target's SQL, with seedkit's meaning-keeping rewrites."""
        from seedkit.transpile_shapes import keep_meaning

        return str(keep_meaning(tree, "postgres", self.target).sql(dialect=self.target))

    # -- statements ----------------------------------------------------------------------

    def prepare(self, stmt: LocatedStatement) -> list[str]:
        """The target's SQL for one statement ([] when dropped or skipped)."""
        text = stmt.sql.strip()
        if text.startswith("\\"):
            from seedkit.sources.txguard import strip_dump_guards

            text = strip_dump_guards(text).strip()
        text = strip_comments(text)
        if not text:
            return []
        rule = classify(text)
        if rule is not None:
            if rule.kind == "dropped":
                self.report.dropped += 1
            else:
                found = Unportable(stmt.file, stmt.line, text.split("(")[0][:60], rule.reason)
                known = [
                    u for u in self.scan.unportable if (u.file, u.line) == (found.file, found.line)
                ]
                self.report.skipped.append(known[0] if known else found)
                if not self.skip_unportable:
                    self.refuse_unportable()
            return []
        try:
            return self._port(text)
        except ApplyError as exc:
            exc.location = exc.location or stmt.location
            raise
        except Exception as exc:  # sqlglot's parse and generate errors
            raise ApplyError(
                f"cannot port this statement from PostgreSQL to {SHOWN[self.target]}: "
                f"{str(exc).splitlines()[0]}",
                location=stmt.location,
                hint="rewrite it portably, or apply with --no-transpile",
            ) from None

    def _port(self, text: str) -> list[str]:
        import sqlglot
        from sqlglot import exp

        if "OPERATOR" in text.upper():  # pg_dump's OPERATOR(public.~): the operator itself
            text = bare_operators(text)
        if is_setval(text):
            sql, note = self.counters.setval(text)
            if note:
                self.note(note)
            return sql
        upper = text[:40].upper()
        if upper.startswith("INSERT"):
            fast = self._plain_insert(text)
            if fast is not None:
                return fast
        if upper.startswith("CREATE SEQUENCE"):
            return self._create_sequence(text)
        if _ALTER_SEQUENCE.match(text):
            return []  # OWNED BY (read by the scan), or an option the target does not keep
        if _PARTITION.match(text):
            self.note("ATTACH PARTITION dropped: a partition is a table of its own")
            return []
        if _ALTER_TABLE.match(text):
            done = self._alter_table(text)
            if done is not None:
                return done
        if (m := _ENUM.match(text)) is not None:
            return self._enum(m, text)
        if (m := _DOMAIN.match(text)) is not None:
            return self._domain(m)
        if (m := _SCHEMA.match(text)) is not None:
            if self.target == "duckdb" and m["name"].strip('"').lower() != "public":
                return [f"CREATE SCHEMA IF NOT EXISTS {m['name']}"]
            self.note("schemas dropped: tables live in the target database, names unqualified")
            return []
        if _DROP_SCHEMA_OBJECT.match(text) and self.target != "duckdb":
            return []
        if _DROP_SEQUENCE.match(text) and self.target == "sqlite":
            return []  # SQLite had none made: its counters go with their tables
        text = _OVERRIDING.sub("", text)
        if text[:6].upper() == "CREATE":
            text = _ON_ONLY.sub("ON ", text, count=1)
        out: list[str] = []
        for tree in sqlglot.parse(text, read="postgres"):
            if tree is None:
                continue
            if isinstance(tree, exp.Command):
                out.append(text)
                continue
            out += self._tree(self._common(tree))
        return out

    def _plain_insert(self, text: str) -> list[str] | None:
        """A dump's INSERT of plain literals, through seedkit.transpile_shapes' cache of
        statement shapes (parsing each of thousands of INSERTs costs far more than sending
        it); None when it is not one (casts, functions, E'' strings, a bytea or array
        column), to be ported whole."""
        from seedkit.transpile_shapes import by_shape

        m = _PLAIN_INSERT.match(text)
        head = self._plain_head(m) if m is not None else None
        if m is None or head is None:
            return None
        out = by_shape(head + text[m.end() :], "postgres", self.target)
        return list(out) if out is not None else None

    def run_head(self, head: str) -> str | None:
        """The target's head for a run of a dump's literal INSERTs (seedkit.sqltext.runs)
        whose head is `head`, written as `_plain_insert` writes each of them; None where
        `_plain_insert` would not take them (a bytea or array column, OVERRIDING)."""
        from seedkit.transpile_shapes import run_head

        m = _PLAIN_INSERT.fullmatch(head)
        if m is None or "OPERATOR" in head.upper():
            return None
        plain = self._plain_head(m)
        return run_head(plain, "postgres", self.target) if plain is not None else None

    def _plain_head(self, m: re.Match[str]) -> str | None:
        """`INSERT INTO t (cols) VALUES` as the target names `t`, for a matched plain INSERT
        head; None when a column of `t` is bytea or an array (its literals need porting)."""
        key = self.qualified(name_key(m["table"]))
        if any(kind in ("bytes", "array") for _, kind in self.columns.get(key, [])):
            return None
        parts = m["table"].split(".")
        if self.target != "duckdb" or parts[0].strip('"').lower() in ("public", "pg_catalog"):
            parts = parts[-1:]
        return f"INSERT INTO {'.'.join(parts)} {m['cols'] or ''} VALUES"

    def _common(self, tree: Any) -> Any:
        """Rewrites every statement takes: schemas, casts to PostgreSQL-only types, E''."""
        from sqlglot import exp

        self.unqualify(tree)
        if isinstance(tree, exp.Alter):
            tree.set("only", None)
        for cast in list(tree.find_all(exp.Cast)):
            to = cast.to
            if isinstance(to, exp.ObjectIdentifier) or to.this == exp.DataType.Type.USERDEFINED:
                cast.replace(cast.this)
        for default in list(tree.find_all(exp.DefaultColumnConstraint)):
            if isinstance(default.this, exp.Cast) and isinstance(default.this.this, exp.Literal):
                default.set("this", default.this.this)  # the column's own type reads it
        for literal in list(tree.find_all(exp.ByteString)):
            literal.replace(exp.Literal.string(literal.this))
        return tree

    def _tree(self, tree: Any) -> list[str]:
        from sqlglot import exp

        from seedkit.portable.inserts import port_insert
        from seedkit.portable.table import port_create_table

        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            table_node = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            key = self._source_key(table_node)
            return port_create_table(self, tree, key)
        if isinstance(tree, exp.Create) and tree.kind == "INDEX":
            return [self.generate(self._index(tree))]
        if isinstance(tree, exp.Insert):
            return [self.generate(port_insert(self, tree))]
        if isinstance(tree, exp.Drop) and str(tree.args.get("kind")).upper() == "SCHEMA":
            # A schema the seed made holds the sequences made for its serial columns too.
            tree.set("cascade", True)
        if isinstance(tree, exp.Drop) and len(tree.args.get("tables") or []) > 1:
            out = []
            for table in tree.args["tables"]:
                one = tree.copy()
                one.set("tables", [table.copy()])
                out.append(self.generate(one))
            return out
        return [self.generate(tree)]

    def _source_key(self, table: Any) -> str:
        """The scan's key for a table node that `unqualify` may have stripped."""
        key = name_key(table.sql("postgres"))
        full = self.qualified(key)
        self._bare[full.split(".")[-1]] = full
        return full

    def _index(self, tree: Any) -> Any:
        from sqlglot import exp

        index = tree.this
        params = index.args.get("params")
        if params is not None:
            params.set("using", None)
        if self.target == "mysql" and params is not None:
            table = self.qualified(name_key(index.args["table"].sql("postgres")))
            texts = self.text_columns.get(table, set())
            for ordered in params.args.get("columns") or []:
                col = ordered.this if isinstance(ordered, exp.Ordered) else ordered
                if isinstance(col, exp.Column) and col.name.lower() in texts:
                    col.replace(exp.Anonymous(this=col.name, expressions=[exp.Literal.number(255)]))
                    self.note(f"index on {table}.{col.name} (text) uses its first 255 characters")
        return tree

    def _create_sequence(self, text: str) -> list[str]:
        from seedkit.portable.scan import _CREATE_SEQUENCE

        m = _CREATE_SEQUENCE.match(text)
        assert m is not None
        seq = self.scan.sequences[name_key(m["name"])]
        if self.target == "sqlite":
            if seq.column is None:
                self.note(f"sequence {seq.name} dropped: SQLite has no sequences")
            return []
        if name_key(seq.name) in self.counters.made:
            return []
        return self.counters.sequence_sql(seq, self.sequence_shown(seq.name))

    def _alter_table(self, text: str) -> list[str] | None:
        """ALTER TABLE statements the scan read: folded, or kept where the target can."""
        from seedkit.portable.scan import _ADD_CONSTRAINT, _ADD_IDENTITY, _SET_DEFAULT
        from seedkit.portable.scan import _ALTER_TABLE as HEAD

        if text in self.folded:
            return []
        m = HEAD.match(text)
        if m is None:
            return None
        rest = m["rest"]
        table = self.qualified(m["table"])
        if _SET_DEFAULT.match(rest) or _ADD_IDENTITY.match(rest):
            if table in self.columns:
                return []  # made part of the CREATE TABLE
            raise ApplyError(
                f"{SHOWN[self.target]} cannot add a serial default or identity to {table}, "
                "a table this seed does not create",
                hint="create the table in the seed's DDL",
            )
        if _ADD_CONSTRAINT.match(rest) and self.target != "mysql":
            raise ApplyError(
                f"{SHOWN[self.target]} cannot add a constraint to {table}, a table this seed "
                "does not create",
                hint="create the table in the seed's DDL, with its keys",
            )
        return None

    def _enum(self, m: re.Match[str], text: str) -> list[str]:
        import sqlglot
        from sqlglot import exp

        labels = [
            lit.this
            for lit in sqlglot.parse_one(f"SELECT {m['labels']}", read="postgres").find_all(
                exp.Literal
            )
        ]
        self.enums[name_key(m["name"]).split(".")[-1]] = labels
        if self.target == "duckdb":
            tree = sqlglot.parse_one(text, read="postgres")
            return [self.generate(self.unqualify(tree))]
        return []

    def _domain(self, m: re.Match[str]) -> list[str]:
        import sqlglot
        from sqlglot import exp

        rest = m["rest"]
        base = exp.DataType.build(m["type"].strip(), dialect="postgres", udt=True)
        check = None
        found = _DOMAIN_CHECK.search(rest)
        if found is not None:
            check = sqlglot.parse_one(f"SELECT ({found['expr']})", read="postgres").expressions[0]
            self.unqualify(check)
            if self.target == "sqlite" and check.find(exp.RegexpLike) is not None:
                self.note(f"domain {m['name']}: its regular-expression CHECK is dropped on SQLite")
        not_null = re.search(
            r"\bNOT\s+NULL\b", re.sub(r"CHECK\s*\(.*\)", "", rest, flags=re.S), re.I
        )
        self.domains[name_key(m["name"]).split(".")[-1]] = Domain(base, bool(not_null), check)
        return []

    # -- COPY blocks ---------------------------------------------------------------------

    def load_copy(self, conn: sa.Connection, target: Target, stmt: LocatedStatement) -> int:
        """Load a `COPY … FROM stdin` block's rows with bound multi-row INSERTs."""
        from seedkit.portable.inserts import load_copy

        return load_copy(self, conn, target, stmt)
