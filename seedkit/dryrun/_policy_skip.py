"""The dry run's skip rules: statements DuckDB is not given, each with its reason.

A real PostgreSQL or MySQL script is full of statements that do not change what a
seed loads (permissions, owners, session settings, extensions, routines, locks,
maintenance) or that seedkit checks itself (foreign keys): running them in DuckDB
would only give false alarms, so the policy skips them and the report names why.
"""

from __future__ import annotations

import re

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
        (
            r"(DELETE\s+FROM|INSERT\s+INTO|UPDATE)\s+[\"`']?sqlite_sequence\b",
            "SQLite's AUTOINCREMENT counters (sqlite_sequence) are not emulated",
        ),
        (r"(LOCK|UNLOCK)\s+TABLES?\b", "table locks do not apply to the dry run"),
        (
            r"(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|SAVEPOINT|RELEASE)\b\s*(TRANSACTION|WORK)?\s*$",
            "transaction control: the dry run is one session",
        ),
        (r"(ANALYZE|VACUUM|CLUSTER|REINDEX|CHECKPOINT|OPTIMIZE)\b", "maintenance commands"),
        (
            r"(CREATE|DROP|ALTER)\s+DATABASE\b|ALTER\s+SCHEMA\s+\S+\s+(DEFAULT\s+)?"
            r"(CHARACTER|CHARSET|COLLATE)|USE\s+\S+\s*$",
            "database selection is the target's",
        ),
        (
            r"(CREATE|ALTER|DROP)\s+(ROLE|USER|PUBLICATION|SUBSCRIPTION|SERVER|"
            r"FOREIGN\s+DATA\s+WRAPPER|TABLESPACE|COLLATION|TEXT\s+SEARCH|STATISTICS|OPERATOR|CAST)\b",
            "server objects are not emulated",
        ),
        (r"CREATE\s+(?!UNIQUE\b)(\w+\s+)*?INDEX\b", _INDEX),
        (r"CREATE\s+UNIQUE\s+INDEX\b.*\bWHERE\b", "a partial unique index is not checked"),
        (r"SELECT\s+(pg_catalog\.)?(pg_\w+|lo_\w+)\s*\(", "PostgreSQL admin functions are not run"),
        (r"SELECT\s+@@", _SESSION),
        (r"DO\s+SETVAL\s*\(", "sequence positions (setval) are not emulated"),
        (r"FLUSH\b", "server maintenance (FLUSH) does not apply to the dry run"),
        (
            r"ALTER\s+(TABLE|INDEX)\s+.*\b(ATTACH|DETACH)\s+PARTITION\b",
            "partitions are separate tables in the dry run: rows are checked in the one they go to",
        ),
        (
            r"ALTER\s+TABLE\s+(ONLY\s+)?\S+\s+(REPLICA\s+IDENTITY|CLUSTER\s+ON|SET\s+\(|"
            r"(ENGINE|AUTO_INCREMENT|(DEFAULT\s+)?(CHARSET|CHARACTER\s+SET)|COLLATE|ROW_FORMAT|"
            r"COMMENT|STATS_\w+|KEY_BLOCK_SIZE)\s*=?)",
            "table options do not change what a seed loads",
        ),
        (
            r"ALTER\s+TABLE\s+(ONLY\s+)?\S+\s+ALTER\s+(COLUMN\s+)?\S+\s+SET\s+"
            r"(STATISTICS|STORAGE|COMPRESSION|\()",
            "column storage settings do not change what a seed loads",
        ),
        (
            r"ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?(ONLY\s+)?\S+\s+DROP\s+CONSTRAINT\b",
            "DuckDB cannot drop a constraint: the dry run keeps checking it",
        ),
        (
            r"ALTER\s+TABLE\s+(ONLY\s+)?\S+\s+ADD\s+(CONSTRAINT\s+\S+\s+)?EXCLUDE\b",
            "an exclusion constraint is not checked by the dry run",
        ),
        (
            r"REFRESH\s+MATERIALIZED\s+VIEW\b",
            "materialized views are not refreshed by a dry run",
        ),
        (r"SECURITY\s+LABEL\b", _PERMS),
        (
            r"CREATE\s+TYPE\s+\S+\s+AS\s+(\(|RANGE\b)",
            "composite and range types: their columns are kept as text",
        ),
    )
]
