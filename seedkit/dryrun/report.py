"""The dry run's report: problems with their places, steps, and the fidelity section.

The library builds a `CheckReport`; the command renders it. `to_dict()` is the JSON
format (its fields are stable and documented on each class), `github_lines()` the
GitHub workflow annotations. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The kinds of problem a dry run reports, as they appear in JSON (`problems[].kind`).
PROBLEM_KINDS = (
    "foreign_key",  # a row references a parent row that does not exist (yet)
    "not_null",  # a NULL in a NOT NULL column
    "unique",  # a duplicate primary key or unique value
    "check",  # a CHECK constraint fails
    "type",  # a value that does not convert to its column's type
    "length",  # a text longer than its column's varchar(n)/char(n)
    "sql",  # a SQL statement fails (syntax error, unknown table or column…)
    "unknown_column",  # a source names a column its table does not have
    "data",  # a row source cannot be read (ragged row, bad quoting, encoding)
    "manifest",  # seed.toml or the step graph cannot be used
)


@dataclass(frozen=True)
class Problem:
    """One problem of the seed: where it is and what is wrong.

    JSON fields: `step` (the step, or the DDL file, running when it was found),
    `kind` (one of PROBLEM_KINDS), `message`, `file`, `line`, `column` (1-based;
    null when unknown), `hint` (what to do, or null).
    """

    step: str | None
    kind: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def where(self) -> str:
        """`file:line:column`, as far as known."""
        if not self.file:
            return ""
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "step": self.step,
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class FidelityItem:
    """A statement the dry run skipped or changed, and why (nothing is skipped silently);
    or what it did not check because an earlier problem explains its failure.

    JSON fields: `file`, `line`, `action` (`skipped`, `changed`, or `not checked`: the
    statements or rows from here on that fail only because of the problem `reason`
    names, counted in `reason`), `reason`, `statement` (its first line, shortened).
    """

    file: str
    line: int
    action: str
    reason: str
    statement: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "file": self.file,
            "line": self.line,
            "action": self.action,
            "reason": self.reason,
            "statement": self.statement,
        }


@dataclass
class StepReport:
    """One step (or DDL file) of the dry run.

    JSON fields: `name`, `kind` (`ddl`, `sql`, `csv`, `rows` or a plugin's kind),
    `status` (`ok`, `failed` or `skipped`), `rows` (rows loaded), `seconds`,
    `problems` (how many problems were found in it).
    """

    name: str
    kind: str
    status: str = "ok"
    rows: int = 0
    seconds: float = 0.0
    problems: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "problems": self.problems,
        }


#: What a dry run in DuckDB cannot tell, listed in every report.
NOT_CHECKED = (
    "triggers, functions and procedures are not run (a trigger's function must exist)",
    "ON DELETE/ON UPDATE cascades are not emulated: foreign keys are checked after each "
    "step, and per statement for the rows a SQL statement inserts",
    "permissions, owners and session settings (GRANT, OWNER TO, SET) are ignored",
    "views DuckDB cannot create, and partial or non-unique indexes, are not created",
    "domain CHECK constraints and sequence positions (setval) are not checked",
)


@dataclass
class CheckReport:
    """The whole dry run: steps, problems, and the fidelity section.

    JSON fields: `ok` (no problem), `project`, `dialect` (the manifest's SQL dialect),
    `problems` (list of Problem), `steps` (list of StepReport), `fidelity` (list of
    FidelityItem), `not_checked` (what a dry run cannot tell), `statements` (SQL
    statements read, run and skipped: every statement is run or named in `fidelity`),
    `seconds`.
    """

    project: str
    dialect: str | None
    steps: list[StepReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fidelity: list[FidelityItem] = field(default_factory=list)
    not_checked: tuple[str, ...] = NOT_CHECKED
    statements_read: int = 0
    statements_run: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the seed has no problem."""
        return not self.problems

    @property
    def exit_code(self) -> int:
        """0 when the seed is fine, 1 when it has a problem."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        """The JSON format of `seedkit check --format json`."""
        return {
            "ok": self.ok,
            "project": self.project,
            "dialect": self.dialect,
            "problems": [p.to_dict() for p in self.problems],
            "steps": [s.to_dict() for s in self.steps],
            "fidelity": [f.to_dict() for f in self.fidelity],
            "not_checked": list(self.not_checked),
            "statements": {
                "read": self.statements_read,
                "run": self.statements_run,
                "skipped": sum(1 for f in self.fidelity if f.action == "skipped"),
            },
            "seconds": round(self.seconds, 3),
        }

    def github_lines(self) -> list[str]:
        """GitHub workflow annotations: one `::error` per problem, then a notice summary."""
        lines = [
            github_annotation("error", p.message, p.file, p.line, p.column, p.hint)
            for p in self.problems
        ]
        skipped = sum(1 for f in self.fidelity if f.action == "skipped")
        unchecked = sum(1 for f in self.fidelity if f.action == "not checked")
        changed = len(self.fidelity) - skipped - unchecked
        summary = (
            f"seedkit check: {len(self.problems)} problem(s) in {len(self.steps)} step(s); "
            f"{skipped} statement(s) skipped and {changed} changed for DuckDB"
        ) + (f"; {unchecked} not checked after an earlier problem" if unchecked else "")
        lines.append(github_annotation("notice", summary))
        return lines


def github_annotation(
    level: str,
    message: str,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    hint: str | None = None,
) -> str:
    """One workflow command, `::error file=…,line=…,col=…::message`, escaped as GitHub wants."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line is not None:
            props.append(f"line={line}")
            if column is not None:
                props.append(f"col={column}")
    text = message + (f" (hint: {hint})" if hint else "")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_escape_data(text)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
