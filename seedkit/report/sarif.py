"""`seedkit check --format sarif`: the dry run as a SARIF 2.1.0 log, for code scanning.

One rule per problem kind (seedkit.report.rules), one `error` result per problem at its
file, line and column, with a `partialFingerprints` entry that survives unrelated edits
(seedkit.report.fingerprint). Relative paths are relative to the working folder, given
as `%SRCROOT%`: run the check from the repository's root so code scanning finds the
files. The fidelity list (statements skipped or changed for DuckDB) goes into the
invocation's notifications, so it is recorded without raising alerts.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from seedkit.report.fingerprint import FINGERPRINT_KEY, LineReader, problem_fingerprints
from seedkit.report.rules import RULES, rule_for

if TYPE_CHECKING:
    from seedkit.dryrun.report import CheckReport, Problem

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"


def sarif_log(
    report: CheckReport, *, manifest: str | None = None, executed: bool = True
) -> dict[str, Any]:
    """The SARIF log of one dry run. `manifest` (its path) is where a problem with no file
    of its own is shown. `executed` is False when the seed could not be checked (a
    manifest error, exit 2): that one problem is still a result, at its place."""
    from seedkit import DISTRIBUTION, __version__

    rules = list(RULES.values())
    for problem in report.problems:  # a kind without a rule (a plugin's) still gets one
        if problem.kind not in RULES and all(r.id != problem.kind for r in rules):
            rules.append(rule_for(problem.kind))
    index = {rule.id: i for i, rule in enumerate(rules)}
    lines = LineReader()
    fingerprints = problem_fingerprints(report.problems, lines)
    results = [
        _result(p, index[p.kind], fp, manifest)
        for p, fp in zip(report.problems, fingerprints, strict=True)
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "seedkit",
                "fullName": f"seedkit ({DISTRIBUTION}) dry run",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(r) for r in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
        "invocations": [
            {
                "executionSuccessful": executed,
                "toolExecutionNotifications": [_fidelity(f) for f in report.fidelity],
            }
        ],
        "results": results,
        "properties": {
            "project": report.project,
            "dialect": report.dialect,
            "notChecked": list(report.not_checked),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help, "markdown": f"**{rule.short}.** {rule.help}"},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["seed", "data"], "problem.severity": "error"},
    }


def artifact_location(file: str) -> dict[str, Any]:
    """A file as SARIF wants it: relative to %SRCROOT% when relative, else a file URI."""
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(str(PurePosixPath(*path.parts))), "uriBaseId": SRCROOT}


def _location(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    region: dict[str, Any] = {"startLine": line or 1}
    if line and column:
        region["startColumn"] = column
    physical["region"] = region
    return {"physicalLocation": physical}


def _result(
    problem: Problem, rule_index: int, fingerprint: str, manifest: str | None
) -> dict[str, Any]:
    text = problem.message + (f" (hint: {problem.hint})" if problem.hint else "")
    result: dict[str, Any] = {
        "ruleId": problem.kind,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": text},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"step": problem.step, "hint": problem.hint},
    }
    # Code scanning needs a place for every result: a problem without a file is the
    # manifest's (a cycle, an unknown --select name), shown at its first line.
    file = problem.file or manifest
    if file:
        result["locations"] = [
            _location(file, problem.line if problem.file else None, problem.column)
        ]
    return result


def _fidelity(item: Any) -> dict[str, Any]:
    return {
        "level": "note",
        "message": {"text": f"{item.action} for DuckDB: {item.reason}: {item.statement}"},
        "locations": [_location(item.file, item.line, None)],
        "descriptor": {"id": f"fidelity/{item.action}"},
    }
