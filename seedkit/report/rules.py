"""One rule per problem kind: its name, a one-line description and help text.

SARIF lists these as the tool's rules; GitLab Code Quality uses the kind as `check_name`;
the Markdown summary links nothing here but uses the same short descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from seedkit.dryrun.report import PROBLEM_KINDS


@dataclass(frozen=True)
class Rule:
    """A problem kind as a rule: `id` is the kind (`foreign_key`), `name` its PascalCase."""

    id: str
    name: str
    short: str
    help: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "foreign_key",
            "ForeignKey",
            "A row references a parent row that does not exist",
            "The value has no matching row in the referenced table when the step has run. "
            "Fix the value, or load the parent first: add the parent's step to "
            "`depends_on`, or make sure the parent's file holds the row.",
        ),
        Rule(
            "not_null",
            "NotNull",
            "A NULL in a NOT NULL column",
            "An unquoted empty CSV field (or a `null` string listed in `csv.null`) is NULL. "
            'Give the column a value; a quoted empty field `""` is an empty string.',
        ),
        Rule(
            "unique",
            "Unique",
            "A duplicate primary key or unique value",
            "Two rows have the same key. Remove the duplicate, or give the step "
            '`mode = "upsert"` so the later row replaces the earlier one.',
        ),
        Rule(
            "check",
            "Check",
            "A CHECK constraint fails",
            "The row breaks a CHECK constraint of its table. Fix the value so the condition holds.",
        ),
        Rule(
            "type",
            "Type",
            "A value does not convert to its column's type",
            "seedkit converts each value by the column's declared type and never guesses. "
            "Write the value in the type's form (dates as YYYY-MM-DD, numbers with a dot), "
            "or leave the field empty for NULL.",
        ),
        Rule(
            "length",
            "Length",
            "A text longer than its column's varchar(n)/char(n)",
            "The value has more characters than the column allows; a real database would "
            "refuse or cut it. Shorten the value, or widen the column in the DDL.",
        ),
        Rule(
            "sql",
            "Sql",
            "A SQL statement fails",
            "The statement does not run: a syntax error, an unknown table or column, a "
            "wrong type. Fix the statement at this place; it is checked as written in the "
            "manifest's dialect, transpiled to DuckDB.",
        ),
        Rule(
            "unknown_column",
            "UnknownColumn",
            "A source names a column its table does not have",
            "A CSV header, a row's key or a source's column is not a column of the target "
            "table. Rename it to one of the table's columns, or add the column to the DDL.",
        ),
        Rule(
            "data",
            "Data",
            "A row source cannot be read",
            "The file cannot be read as its kind: a ragged CSV row, bad quoting, an encoding "
            "error, malformed JSON. Fix the file at this place.",
        ),
        Rule(
            "manifest",
            "Manifest",
            "seed.toml or the step graph cannot be used",
            "The manifest has an unknown or missing key, a bad value, a missing file or a "
            "cycle between steps. Fix the manifest at this place; nothing else was checked.",
        ),
    )
}

assert set(RULES) == set(PROBLEM_KINDS), "every problem kind needs a rule"


def rule_for(kind: str) -> Rule:
    """The rule of a problem kind (a kind unknown here gets a plain rule of its own)."""
    return RULES.get(kind) or Rule(kind, kind.title().replace("_", ""), kind, kind)
