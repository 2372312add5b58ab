"""Functions in the dry run: what DuckDB cannot run is still checked as far as it can be.

A trigger's function, or a function a view or a default calls, must exist when the
statement runs: created earlier by the seed (`CREATE FUNCTION`, skipped by the dry
run but remembered here) or built into the dialect (seedkit.dryrun.builtins, and every
function sqlglot knows for it). A name that is neither is a problem of the seed at
that statement, as the database would refuse it; a known function DuckDB lacks only
makes the statement a fidelity entry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from seedkit.dryrun.builtins import BUILTIN_FUNCTIONS
from seedkit.dryrun.causes import short_name

_NAME = r'(?:"[^"]+"|`[^`]+`|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|`[^`]+`|[\w$]+))*'
_CREATE_ROUTINE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    rf"(?:FUNCTION|PROCEDURE|AGGREGATE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})",
    re.I,
)
_CREATE_EXTENSION = re.compile(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>\S+)", re.I)
_PG_TRIGGER = re.compile(
    rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\b.*?\bEXECUTE\s+"
    rf"(?:FUNCTION|PROCEDURE)\s+(?P<name>{_NAME})\s*\(",
    re.I | re.S,
)
_MISSING_FUNCTION = re.compile(
    r'(?:Scalar|Table|Aggregate|Macro) Function with name "?([^"!\s(]+)"? does not exist', re.I
)


@lru_cache(maxsize=4096)
def sqlglot_knows(name: str, dialect: str | None) -> bool:
    """True when sqlglot reads `name(…)` in `dialect` as one of its known functions."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(f"SELECT {name}(1)", read=dialect)
    except Exception:
        return False
    if not isinstance(tree, exp.Select) or not tree.selects:
        return False
    return not isinstance(tree.selects[0], exp.Anonymous)


class Functions:
    """The functions a dry run has seen created, and what the dialect provides."""

    def __init__(self, dialect: str | None) -> None:
        self.dialect = dialect
        self.created: set[str] = set()
        self.extensions: list[str] = []

    def note(self, text: str) -> None:
        """Remember the function a (skipped) CREATE FUNCTION or CREATE EXTENSION makes."""
        if (m := _CREATE_ROUTINE.match(text)) is not None:
            self.created.add(short_name(m["name"]))
        elif (m := _CREATE_EXTENSION.match(text)) is not None:
            self.extensions.append(m["name"].strip('"'))

    def known(self, name: str) -> bool:
        """True when the seed created `name` earlier, or the dialect provides it."""
        short = short_name(name)
        if short in self.created:
            return True
        builtin = BUILTIN_FUNCTIONS.get(self.dialect or "", frozenset())
        return short in builtin or sqlglot_knows(short, self.dialect)

    def trigger_function(self, text: str) -> str | None:
        """The function a PostgreSQL `CREATE TRIGGER … EXECUTE FUNCTION f()` names."""
        if self.dialect not in ("postgres", None):
            return None
        m = _PG_TRIGGER.match(text)
        return m["name"] if m else None

    def unknown_message(self, name: str, what: str) -> str:
        """The problem's message for a function that does not exist."""
        dialect = {"postgres": "PostgreSQL", "mysql": "MySQL"}.get(self.dialect or "", "")
        provided = f", and {dialect} does not provide it" if dialect else ""
        return (
            f"{what} `{short_name(name)}` does not exist: the seed does not create it "
            f"before this statement{provided}"
        )


def missing_function(exc: Exception) -> str | None:
    """The function a DuckDB error says does not exist, or None."""
    m = _MISSING_FUNCTION.search(str(exc))
    return m[1] if m else None


def without_calls(sql: str, name: str) -> str | None:
    """A DuckDB CREATE TABLE or ALTER TABLE without the defaults that call `name`
    (None when it has none, or cannot be read)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except Exception:
        return None
    short = short_name(name)
    dropped = False
    for default in list(tree.find_all(exp.DefaultColumnConstraint)):
        calls = [
            f
            for f in default.find_all(exp.Func)
            if isinstance(f, exp.Anonymous)
            and short_name(str(f.this)) == short
            or not isinstance(f, exp.Anonymous)
            and f.sql_name().lower() == short
        ]
        if calls:
            parent = default.parent
            if isinstance(parent, exp.ColumnConstraint):
                parent.pop()
                dropped = True
            elif isinstance(parent, exp.AlterColumn):
                return ""  # `ALTER COLUMN … SET DEFAULT f()`: nothing left to run
    return tree.sql(dialect="duckdb") if dropped else None
