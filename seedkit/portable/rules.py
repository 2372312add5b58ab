"""The portable-SQL rule table: what a PostgreSQL statement becomes on each other database.

One table, read three ways: `seedkit.portable.classify` finds the statements that cannot
port (and the session settings that are dropped) by its `STATEMENT_RULES`; the
rewriter (`seedkit.portable.rewrite`) does what `CONSTRUCT_RULES` say for each
construct; and the README's portable-SQL paragraph is generated from both
(`readme_paragraph`, checked by tests/portable/test_readme_rules.py).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

#: The targets a PostgreSQL seed ports to, as sqlglot names them.
TARGETS = ("sqlite", "mysql", "duckdb")
#: How the README names them.
SHOWN = {"sqlite": "SQLite", "mysql": "MariaDB", "duckdb": "DuckDB"}


@dataclass(frozen=True)
class ConstructRule:
    """One construct of PostgreSQL DDL or data and what it becomes on each target."""

    construct: str
    sqlite: str
    mysql: str
    duckdb: str

    def on(self, target: str) -> str:
        """What the construct becomes on `target` (sqlglot's name)."""
        return str(getattr(self, target))


#: What ports, and how; the rewriter implements each line (tests/portable prove them).
CONSTRUCT_RULES: tuple[ConstructRule, ...] = (
    ConstructRule(
        "`serial`, `bigserial`, identity columns",
        "`INTEGER PRIMARY KEY AUTOINCREMENT` when it is the table's key; another column is "
        "numbered by a trigger and seedkit's `seedkit_sequence` table",
        "`AUTO_INCREMENT` on a key, else a `SEQUENCE` as the default",
        "a `SEQUENCE` as the column's default",
    ),
    ConstructRule(
        "`setval` of a column's sequence",
        "moves the table's counter (`sqlite_sequence`, or `seedkit_sequence`)",
        "`ALTER TABLE … AUTO_INCREMENT`, or `SETVAL` of the sequence",
        "draws the sequence forward to the value",
    ),
    ConstructRule("`json`, `jsonb`", "`TEXT` holding the JSON", "`JSON`", "`JSON`"),
    ConstructRule(
        "enum types",
        "the column's base text type with a `CHECK (… IN (…))`",
        "a native `ENUM(…)`",
        "a native `ENUM` type",
    ),
    ConstructRule(
        "domains",
        "the base type plus the domain's `NOT NULL` and `CHECK` (a regex `~` check dropped: "
        "SQLite has no REGEXP)",
        "the base type plus the domain's `NOT NULL` and `CHECK`",
        "the base type plus the domain's `NOT NULL` and `CHECK`",
    ),
    ConstructRule("arrays", "`TEXT` holding a JSON array", "`JSON` array", "`JSON` array"),
    ConstructRule(
        "`text` (and `citext`) in a key, a unique constraint, a foreign key or an index",
        "`TEXT` (`citext` as `TEXT COLLATE NOCASE`)",
        "`VARCHAR(255)`, said in the plan",
        "`VARCHAR`",
    ),
    ConstructRule(
        "`bytea`, with `'\\x…'` and escape-format literals",
        "`BLOB`, literals as `X'…'`",
        "`LONGBLOB`, literals as `X'…'`",
        "`BLOB`, literals through `from_hex`",
    ),
    ConstructRule(
        "`ALTER TABLE [ONLY] … ADD CONSTRAINT` primary key, unique, foreign key",
        "folded into the `CREATE TABLE`; foreign keys `DEFERRABLE INITIALLY DEFERRED` "
        "(checked at commit, as a dump adds them after its data)",
        "primary and unique keys folded into the `CREATE TABLE`, foreign keys run as written",
        "folded into the `CREATE TABLE`; a foreign key DuckDB cannot hold (its table made or "
        "its rows written before its parent's, or a self-reference filled by SQL statements) "
        "is left out and said in the plan",
    ),
    ConstructRule(
        "schemas (`shop.customer`)",
        "dropped: one database, names unqualified",
        "dropped: one database, names unqualified",
        "kept (`CREATE SCHEMA`)",
    ),
    ConstructRule(
        "partitioned tables",
        "the parent and each partition a table of its own",
        "the parent and each partition a table of its own",
        "the parent and each partition a table of its own",
    ),
    ConstructRule(
        "`::type` casts, `E''` strings, multi-table `DROP`, `CREATE INDEX … USING`",
        "rewritten (casts to enums, domains and `regclass` dropped; one `DROP` per table)",
        "rewritten, an index on `text` with a prefix length",
        "rewritten",
    ),
    ConstructRule(
        "`COPY … FROM stdin` blocks",
        "rows bound into multi-row `INSERT`s",
        "rows bound into multi-row `INSERT`s",
        "rows bound into multi-row `INSERT`s",
    ),
)


@dataclass(frozen=True)
class StatementRule:
    """A kind of statement that does not port as SQL: `unportable` ones stop `apply`
    (unless `--skip-unportable`), `dropped` ones are session settings left out and counted."""

    what: str
    pattern: re.Pattern[str]
    kind: str  # "unportable" or "dropped"
    reason: str


def _rule(what: str, pattern: str, kind: str, reason: str) -> StatementRule:
    return StatementRule(what, re.compile(pattern, re.I | re.S), kind, reason)


_CODE = "runs PostgreSQL code the target cannot run"
#: Statements that do not port as SQL; the first match wins (matched at the statement's start).
STATEMENT_RULES: tuple[StatementRule, ...] = (
    _rule("`OWNER TO`", r"ALTER\s+.*\bOWNER\s+TO\b", "dropped", "an owner"),
    _rule(
        "functions and procedures",
        r"(CREATE\s+(OR\s+REPLACE\s+)?|DROP\s+|ALTER\s+)(FUNCTION|PROCEDURE|AGGREGATE)\b",
        "unportable",
        f"a function or procedure {_CODE}",
    ),
    _rule(
        "triggers",
        r"(CREATE\s+(OR\s+REPLACE\s+)?(CONSTRAINT\s+)?|DROP\s+|ALTER\s+)(EVENT\s+)?TRIGGER\b",
        "unportable",
        f"a trigger {_CODE}",
    ),
    _rule(
        "rules",
        r"(CREATE\s+(OR\s+REPLACE\s+)?|DROP\s+)RULE\b",
        "unportable",
        "a rewrite rule exists only in PostgreSQL",
    ),
    _rule(
        "row security policies",
        r"(CREATE|DROP|ALTER)\s+POLICY\b|ALTER\s+TABLE\s+.*\b(ENABLE|DISABLE|FORCE)\s+ROW\s+LEVEL",
        "unportable",
        "row-level security exists only in PostgreSQL",
    ),
    _rule(
        "materialized views",
        r"(CREATE|DROP|ALTER|REFRESH)\s+MATERIALIZED\s+VIEW\b",
        "unportable",
        "a materialized view exists only in PostgreSQL",
    ),
    _rule(
        "extensions",
        r"(CREATE|DROP|ALTER)\s+EXTENSION\b",
        "unportable",
        "an extension is PostgreSQL code the target does not have",
    ),
    _rule(
        "anonymous code blocks (`DO`)",
        r"DO\s+(\$|')",
        "unportable",
        f"a DO block {_CODE}",
    ),
    _rule(
        "composite and range types, operators, casts, collations, text search",
        r"CREATE\s+TYPE\s+\S+\s+AS\s+(\(|RANGE\b)|(CREATE|ALTER|DROP)\s+(OPERATOR|CAST|"
        r"COLLATION|TEXT\s+SEARCH|CONVERSION|STATISTICS)\b",
        "unportable",
        "a type or operator object exists only in PostgreSQL",
    ),
    _rule(
        "exclusion constraints",
        r"ALTER\s+TABLE\s+(ONLY\s+)?\S+\s+ADD\s+(CONSTRAINT\s+\S+\s+)?EXCLUDE\b",
        "unportable",
        "an exclusion constraint exists only in PostgreSQL",
    ),
    _rule(
        "roles, publications, servers, tablespaces",
        r"(CREATE|ALTER|DROP)\s+(ROLE|USER|GROUP|PUBLICATION|SUBSCRIPTION|SERVER|"
        r"FOREIGN\s+(DATA\s+WRAPPER|TABLE)|USER\s+MAPPING|TABLESPACE|DATABASE)\b",
        "unportable",
        "a server object exists only in PostgreSQL",
    ),
    _rule("`SET`, `RESET`", r"(SET|RESET)\b", "dropped", "a session setting"),
    _rule(
        "`set_config`",
        r"SELECT\s+(pg_catalog\.)?set_config\s*\(",
        "dropped",
        "a session setting",
    ),
    _rule("`GRANT`, `REVOKE`", r"(GRANT|REVOKE)\b", "dropped", "a permission"),
    _rule(
        "`COMMENT ON`, `SECURITY LABEL`",
        r"COMMENT\s+ON\b|SECURITY\s+LABEL\b",
        "dropped",
        "a comment",
    ),
    _rule(
        "`ALTER DEFAULT PRIVILEGES`, `ALTER … SET (storage)`, `REPLICA IDENTITY`, `CLUSTER ON`",
        r"ALTER\s+DEFAULT\s+PRIVILEGES\b|ALTER\s+TABLE\s+(ONLY\s+)?\S+\s+(REPLICA\s+IDENTITY|"
        r"CLUSTER\s+ON|SET\s+\(|ALTER\s+(COLUMN\s+)?\S+\s+SET\s+(STATISTICS|STORAGE|COMPRESSION|\())",
        "dropped",
        "a storage setting",
    ),
    _rule(
        "`ANALYZE`, `VACUUM`, `CHECKPOINT`",
        r"(ANALYZE|VACUUM|CLUSTER|REINDEX|CHECKPOINT)\b",
        "dropped",
        "maintenance",
    ),
)


_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)+", re.S)


def strip_comments(text: str) -> str:
    """`text` without the blank space and comments before its first word."""
    m = _LEADING.match(text)
    return text[m.end() :] if m else text


def classify(text: str) -> StatementRule | None:
    """The rule a statement (PostgreSQL) falls under, or None when it ports as SQL."""
    text = strip_comments(text)
    for rule in STATEMENT_RULES:
        if rule.pattern.match(text):
            return rule
    return None


def readme_paragraph() -> str:
    """The README's portable-SQL section body, generated from the tables above."""
    lines = [
        'A seed written for PostgreSQL (`[project] dialect = "postgres"`, pg_dump output '
        "included) applies to SQLite, MariaDB and DuckDB. What ports, as the rewriter "
        "(`seedkit/portable/`) does it:",
        "",
        "| PostgreSQL | SQLite | MariaDB | DuckDB |",
        "|---|---|---|---|",
    ]
    for rule in CONSTRUCT_RULES:
        cells = [rule.construct, *(rule.on(t) for t in TARGETS)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    unportable = [r.what for r in STATEMENT_RULES if r.kind == "unportable"]
    dropped = [r.what for r in STATEMENT_RULES if r.kind == "dropped"]
    prose = (
        "What does not port is never silent: "
        + ", ".join(unportable)
        + " are listed by `seedkit plan` (file, line, reason), and `seedkit apply` stops "
        "before touching the target while any are present, unless `--skip-unportable` "
        "(then its summary lists each statement it skipped). Session settings and the like ("
        + ", ".join(dropped)
        + ") are dropped and counted. `seedkit check --target sqlite|duckdb|mysql|postgres` "
        "reports the statements that cannot port as problems at their file and line, and for "
        "SQLite and DuckDB applies the ported seed to a scratch database of that kind (a "
        "temporary file, deleted after): a green check means that database accepts the seed. "
        "A seed in MySQL's dialect applied to another database is transpiled by sqlglot "
        "statement by statement, without these rules."
    )
    lines += ["", *textwrap.wrap(prose, 90, break_on_hyphens=False)]
    return "\n".join(lines) + "\n"
