"""The look over a whole seed before a ported apply: what the rewriter needs to know early.

A dump adds its keys, serial defaults and identities with `ALTER TABLE` after the data,
and SQLite and DuckDB cannot add them then; MariaDB wants an auto-increment column to be
a key when the table is made. So every SQL statement of the seed (DDL files, then the SQL
steps in the order they run) is read once before anything runs, and `SeedScan` keeps:
the constraints to fold into each `CREATE TABLE`, the sequences behind each column, where
each table's rows are written, and the statements that cannot port at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from seedkit.portable.rules import classify, strip_comments
from seedkit.sources.base import LocatedRun, LocatedStatement

if TYPE_CHECKING:
    from seedkit.plan.steps import Plan

_ALTER_TABLE = re.compile(
    r"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>[\w$.\"]+)\s+(?P<rest>.*)\Z",
    re.I | re.S,
)
_ADD_CONSTRAINT = re.compile(
    r"ADD\s+(?:CONSTRAINT\s+[\w$\"]+\s+)?(?P<kind>PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY)\b", re.I
)
_SET_DEFAULT = re.compile(
    r"ALTER\s+(?:COLUMN\s+)?(?P<col>[\w$\"]+)\s+SET\s+DEFAULT\s+(?:pg_catalog\.)?nextval\s*\(\s*"
    r"'(?P<seq>[^']+)'(?:::regclass)?\s*\)\s*\Z",
    re.I | re.S,
)
_ADD_IDENTITY = re.compile(
    r"ALTER\s+(?:COLUMN\s+)?(?P<col>[\w$\"]+)\s+ADD\s+GENERATED\s+(?P<how>ALWAYS|BY\s+DEFAULT)\s+"
    r"AS\s+IDENTITY\b(?P<opts>.*)\Z",
    re.I | re.S,
)
_SEQUENCE_NAME = re.compile(r"SEQUENCE\s+NAME\s+(?P<name>[\w$.\"]+)", re.I)
_CREATE_SEQUENCE = re.compile(
    r"CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w$.\"]+)(?P<opts>.*)\Z", re.I | re.S
)
_OWNED_BY = re.compile(
    r"ALTER\s+SEQUENCE\s+(?P<seq>[\w$.\"]+)\s+OWNED\s+BY\s+(?P<owner>[\w$.\"]+)\s*\Z", re.I
)
_START = re.compile(r"\bSTART\s+(?:WITH\s+)?(?P<n>[+-]?\d+)", re.I)
_INCREMENT = re.compile(r"\bINCREMENT\s+(?:BY\s+)?(?P<n>[+-]?\d+)", re.I)
_DATA = re.compile(r"(?:INSERT\s+INTO|COPY)\s+(?P<table>[\w$.\"]+)", re.I)
_CREATE_TABLE = re.compile(
    r"CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>[\w$.\"]+)", re.I
)
_NAMED = re.compile(
    r"(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?(?:EVENT\s+)?|DROP\s+|ALTER\s+|REFRESH\s+)"
    r"(?:MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE|AGGREGATE|TRIGGER|RULE|POLICY|EXTENSION|TYPE)\s+"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?P<name>[\w$.\"]+)",
    re.I,
)


def name_key(name: str) -> str:
    """A table's or sequence's lookup key: unquoted, lower case, without `public.`."""
    key = name.replace('"', "").lower()
    return key.removeprefix("public.").removeprefix("pg_catalog.")


@dataclass(frozen=True)
class Unportable:
    """A statement that cannot port: where it is, what it is, and why."""

    file: str
    line: int
    what: str
    reason: str

    def shown(self) -> str:
        """`file:line: what (reason)`."""
        return f"{self.file}:{self.line}: {self.what} ({self.reason})"


@dataclass
class Sequence:
    """A PostgreSQL sequence: its options and the column it numbers, when one does."""

    name: str
    start: int = 1
    increment: int = 1
    column: tuple[str, str] | None = None  # (table key, column)


@dataclass
class SeedScan:
    """What the whole seed says before any statement runs (see the module's docstring)."""

    unportable: list[Unportable] = field(default_factory=list)
    #: table key -> ALTER TABLE … ADD CONSTRAINT texts (PK, UNIQUE, FK), in order
    constraints: dict[str, list[str]] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    #: (table key, column) -> sequence key of a `SET DEFAULT nextval(…)` or an identity
    numbered: dict[tuple[str, str], str] = field(default_factory=dict)
    #: table key -> (first, last) position of the statements writing its rows
    data: dict[str, tuple[int, int]] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    #: (table key, column) pairs a foreign key names, on either side
    keyed: set[tuple[str, str]] = field(default_factory=set)
    #: how many statements would be dropped as session settings
    dropped: int = 0

    #: statements read so far
    count: int = 0

    def feed(self, statements: Iterable[LocatedStatement | LocatedRun]) -> None:
        """Read statements in the order an apply runs them; a run of literal INSERTs
        (seedkit.sqltext.runs) counts as one statement writing its table's rows."""
        for stmt in statements:
            if isinstance(stmt, LocatedRun):
                self._data(self.count, stmt.head)
            else:
                self._one(self.count, stmt)
            self.count += 1

    def _data(self, position: int, text: str) -> None:
        m = _DATA.match(text)
        if m is not None:
            key = name_key(m["table"])
            first, _ = self.data.get(key, (position, position))
            self.data[key] = (first, position)

    def _one(self, position: int, stmt: LocatedStatement) -> None:
        text = strip_comments(stmt.sql)
        if text.startswith("\\"):
            from seedkit.sources.txguard import strip_dump_guards

            text = strip_comments(strip_dump_guards(text))
        rule = classify(text)
        if rule is not None:
            if rule.kind == "dropped":
                self.dropped += 1
            else:
                self.unportable.append(Unportable(stmt.file, stmt.line, _what(text), rule.reason))
            return
        head = text[:12].upper()
        if head.startswith(("INSERT", "COPY")):
            self._data(position, text)
            return
        if head.startswith("CREATE"):
            if (t := _CREATE_TABLE.match(text)) is not None:
                self.created.add(name_key(t["table"]))
                for ref in _inline_references(text):
                    self.keyed.add(ref)
            elif (s := _CREATE_SEQUENCE.match(text)) is not None:
                seq = self._sequence(s["name"])
                _options(seq, s["opts"])
            return
        if head.startswith("ALTER"):
            self._alter(text)

    def _sequence(self, name: str) -> Sequence:
        key = name_key(name)
        if key not in self.sequences:
            self.sequences[key] = Sequence(name)
        return self.sequences[key]

    def _alter(self, text: str) -> None:
        if (o := _OWNED_BY.match(text)) is not None:
            owner = name_key(o["owner"])
            table, _, column = owner.rpartition(".")
            self._sequence(o["seq"]).column = (table, column)
            return
        m = _ALTER_TABLE.match(text)
        if m is None:
            return
        table, rest = name_key(m["table"]), m["rest"]
        if _ADD_CONSTRAINT.match(rest):
            self.constraints.setdefault(table, []).append(text)
            for ref in _alter_references(text):
                self.keyed.add(ref)
        elif (d := _SET_DEFAULT.match(rest)) is not None:
            column = d["col"].replace('"', "").lower()
            seq = self._sequence(d["seq"])
            seq.column = seq.column or (table, column)
            self.numbered[(table, column)] = name_key(d["seq"])
        elif (i := _ADD_IDENTITY.match(rest)) is not None:
            column = i["col"].replace('"', "").lower()
            named = _SEQUENCE_NAME.search(i["opts"])
            name = named["name"] if named else f"{table}_{column}_seq"
            seq = self._sequence(name)
            seq.column = (table, column)
            _options(seq, i["opts"])
            self.numbered[(table, column)] = name_key(name)

    def column_sequence(self, table: str, column: str) -> Sequence | None:
        """The sequence numbering `table.column`, when the seed gives it one."""
        key = self.numbered.get((table, column))
        return self.sequences.get(key) if key else None


def _options(seq: Sequence, text: str) -> None:
    if (start := _START.search(text)) is not None:
        seq.start = int(start["n"])
    if (inc := _INCREMENT.search(text)) is not None:
        seq.increment = int(inc["n"])


_REFS = re.compile(
    r"FOREIGN\s+KEY\s*\((?P<cols>[^)]*)\)\s*REFERENCES\s+(?P<parent>[\w$.\"]+)\s*"
    r"(?:\((?P<pcols>[^)]*)\))?",
    re.I,
)
_INLINE_REF = re.compile(
    r"(?:^|,|\()\s*(?P<col>[\w$\"]+)\s+[^,]*?\bREFERENCES\s+(?P<parent>[\w$.\"]+)\s*"
    r"(?:\((?P<pcol>[^)]*)\))?",
    re.I,
)


def _cols(text: str | None) -> list[str]:
    return [c.strip().replace('"', "").lower() for c in (text or "").split(",") if c.strip()]


def _alter_references(text: str) -> Iterator[tuple[str, str]]:
    m = _ALTER_TABLE.match(text)
    table = name_key(m["table"]) if m else ""
    for ref in _REFS.finditer(text):
        parent = name_key(ref["parent"])
        for col in _cols(ref["cols"]):
            yield table, col
        for col in _cols(ref["pcols"]) or ["id"]:
            yield parent, col


def _inline_references(text: str) -> Iterator[tuple[str, str]]:
    m = _CREATE_TABLE.match(text)
    table = name_key(m["table"]) if m else ""
    body = text[text.find("(") :]
    for ref in _REFS.finditer(body):
        parent = name_key(ref["parent"])
        for col in _cols(ref["cols"]):
            yield table, col
        for col in _cols(ref["pcols"]):
            yield parent, col
    for ref in _INLINE_REF.finditer(body):
        if ref["col"].upper() in ("CONSTRAINT", "FOREIGN", "PRIMARY", "UNIQUE", "CHECK"):
            continue
        yield table, ref["col"].replace('"', "").lower()
        for col in _cols(ref["pcol"]):
            yield name_key(ref["parent"]), col


def _what(text: str) -> str:
    """`CREATE FUNCTION shop.touch`: the statement's verb and object, for the listing."""
    m = _NAMED.match(text)
    if m is not None:
        return " ".join(text[: m.end()].split())
    return " ".join(text.split()[:4])


def seed_statements(plan: Plan) -> Iterator[LocatedStatement]:
    """Every SQL statement of the seed in the order an apply runs them: the DDL files,
    then the SQL steps' files in graph order."""
    for unit in _seed_units(plan, None):
        assert isinstance(unit, LocatedStatement)
        yield unit


def _seed_units(plan: Plan, runs: bool | None) -> Iterator[LocatedStatement | LocatedRun]:
    from seedkit.sources.sql import read_units

    dialect = plan.source_dialect
    for ddl in plan.ddl:
        yield from read_units(ddl.path, dialect, runs=runs)
    for load in plan.ordered():
        if load.is_sql:
            for path in load.source.files():
                yield from read_units(path, dialect, runs=runs)


def scan_plan(plan: Plan) -> SeedScan:
    """The SeedScan of a plan's whole seed (runs of literal INSERTs read whole)."""
    scan = SeedScan()
    scan.feed(_seed_units(plan, True))
    return scan
