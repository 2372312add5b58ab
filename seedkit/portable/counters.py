"""Auto-numbering on the target: sequences, auto-increment counters, and `setval`.

PostgreSQL numbers a serial or identity column from a sequence, and a dump moves it with
`SELECT setval('seq', n, true)` after the data. Each target has its own counter, so each
PostgreSQL sequence is mapped (by `Counters.assign`, when the rewriter makes the table it
numbers) to one of: a SQLite `AUTOINCREMENT` table (its row in `sqlite_sequence`), a
MariaDB `AUTO_INCREMENT` table, or a sequence of the target's own (MariaDB, DuckDB).
`setval` then moves whichever it is, so an application's INSERT without an id gets the
next number PostgreSQL would have given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seedkit.portable.scan import Sequence, name_key

_SETVAL = re.compile(
    r"SELECT\s+(?:pg_catalog\.)?setval\s*\(\s*'(?P<seq>[^']+)'(?:::regclass)?\s*,\s*"
    r"(?P<value>[+-]?\d+)\s*(?:,\s*(?P<called>true|false|t|f)\s*)?\)\s*;?\s*\Z",
    re.I | re.S,
)


def is_setval(text: str) -> bool:
    """Whether a statement is a plain `SELECT setval('seq', n[, called])`."""
    return _SETVAL.match(text) is not None


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Counter:
    """What numbers a column on the target: `table` (SQLite or MariaDB auto-increment of
    the table named `name`) or `sequence` (the target's sequence `name`, as written there)."""

    kind: str
    name: str
    increment: int = 1


@dataclass
class Counters:
    """The target's counter for each PostgreSQL sequence of the seed."""

    target: str
    by_sequence: dict[str, Counter] = field(default_factory=dict)
    made: set[str] = field(default_factory=set)

    def sequence_sql(self, seq: Sequence, shown: str) -> list[str]:
        """`CREATE SEQUENCE` on the target (MariaDB, DuckDB) for `seq`, once; `shown` is
        its name as the target spells it."""
        key = name_key(seq.name)
        if key in self.made:
            return []
        self.made.add(key)
        self.by_sequence.setdefault(key, Counter("sequence", shown, seq.increment))
        return [
            f"CREATE SEQUENCE IF NOT EXISTS {shown} START WITH {seq.start} "
            f"INCREMENT BY {seq.increment}"
        ]

    def assign(self, seq: Sequence, counter: Counter) -> None:
        """The sequence numbers a table's auto-increment column."""
        self.by_sequence[name_key(seq.name)] = counter
        self.made.add(name_key(seq.name))

    def setval(self, text: str) -> tuple[list[str], str | None]:
        """The target's SQL for `SELECT setval(…)`, and a note when it moves nothing."""
        m = _SETVAL.match(text)
        assert m is not None
        key = name_key(m["seq"])
        counter = self.by_sequence.get(key)
        if counter is None:
            return [], f"setval of {m['seq']}: no column or sequence of the target uses it"
        value = int(m["value"])
        called = (m["called"] or "true").lower() in ("true", "t")
        last = value if called else value - counter.increment
        if counter.kind == "row":  # SQLite's seedkit_sequence table
            return [
                f"UPDATE seedkit_sequence SET value = {last} WHERE name = {_string(counter.name)}"
            ], None
        if counter.kind == "table" and self.target == "sqlite":
            name = _string(counter.name)
            return [
                f"UPDATE sqlite_sequence SET seq = {last} WHERE name = {name}",
                f"INSERT INTO sqlite_sequence (name, seq) SELECT {name}, {last} "
                f"WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {name})",
            ], None
        if counter.kind == "table":  # MariaDB
            return [f"ALTER TABLE {counter.name} AUTO_INCREMENT = {last + counter.increment}"], None
        if self.target == "mysql":
            return [f"SELECT SETVAL({counter.name}, {value}, {1 if called else 0})"], None
        # DuckDB cannot set a sequence: draw it forward to the value.
        schema, _, bare = counter.name.rpartition(".")
        where = f"sequence_name = {_string(bare.strip(chr(34)))}"
        if schema:
            where += f" AND schema_name = {_string(schema.strip(chr(34)))}"
        current = (
            "(SELECT coalesce(last_value, start_value - increment_by) FROM duckdb_sequences() "
            f"WHERE {where})"
        )
        step = counter.increment
        return [
            f"SELECT count(nextval({_string(counter.name.replace(chr(34), ''))})) FROM "
            f"range(CAST(greatest(0, ceil(({last} - {current}) / {step})) AS BIGINT))"
        ], None

    def sqlite_row_counter(self, seq: Sequence, table: str, column: str) -> list[str]:
        """SQLite numbers only a table's INTEGER PRIMARY KEY; any other serial or identity
        column gets a row in `seedkit_sequence` and a trigger that numbers a row inserted
        without a value, as PostgreSQL's default would."""
        key = name_key(seq.name)
        self.assign(seq, Counter("row", key, seq.increment))
        name = _string(key)
        trigger = '"' + f"seedkit_number_{table}_{column}".replace('"', "") + '"'
        return [
            "CREATE TABLE IF NOT EXISTS seedkit_sequence (name TEXT PRIMARY KEY, "
            "value INTEGER NOT NULL, increment INTEGER NOT NULL)",
            f"INSERT OR REPLACE INTO seedkit_sequence (name, value, increment) VALUES "
            f"({name}, {seq.start - seq.increment}, {seq.increment})",
            f"CREATE TRIGGER {trigger} AFTER INSERT ON {table} FOR EACH ROW "
            f"WHEN NEW.{column} IS NULL BEGIN "
            f"UPDATE seedkit_sequence SET value = value + increment WHERE name = {name}; "
            f"UPDATE {table} SET {column} = (SELECT value FROM seedkit_sequence WHERE "
            f"name = {name}) WHERE rowid = NEW.rowid; END",
        ]

    def start_sql(self, counter: Counter, seq: Sequence) -> list[str]:
        """Start a SQLite AUTOINCREMENT table's numbering at the sequence's START."""
        if self.target != "sqlite" or seq.start == 1:
            return []
        name = _string(counter.name)
        return [f"INSERT INTO sqlite_sequence (name, seq) VALUES ({name}, {seq.start - 1})"]
