"""`seedkit check --format codequality`: the dry run as a GitLab Code Quality report.

A JSON array, one issue per problem, with the fields GitLab documents: `description`,
`check_name` (the problem kind), `fingerprint` (the same recipe as SARIF's, stable
across unrelated edits), `severity` (`major` for a problem of the seed, `blocker` when
the seed could not be checked at all), and `location.path` / `location.lines.begin`.
Paths are relative to the working folder: run the check from the repository's root.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedkit.report.fingerprint import LineReader, problem_fingerprints
from seedkit.report.rules import rule_for

if TYPE_CHECKING:
    from seedkit.dryrun.report import CheckReport


def codequality_issues(
    report: CheckReport, *, manifest: str | None = None, executed: bool = True
) -> list[dict[str, Any]]:
    """The Code Quality issues of one dry run; a problem with no file is put on `manifest`."""
    fingerprints = problem_fingerprints(report.problems, LineReader())
    issues: list[dict[str, Any]] = []
    for problem, fingerprint in zip(report.problems, fingerprints, strict=True):
        path = problem.file or manifest or "seed.toml"
        line = (problem.line if problem.file else None) or 1
        description = problem.message + (f" (hint: {problem.hint})" if problem.hint else "")
        issue: dict[str, Any] = {
            "type": "issue",
            "description": description,
            "check_name": problem.kind,
            "content": {"body": rule_for(problem.kind).help},
            "categories": ["Bug Risk"],
            "fingerprint": fingerprint,
            "severity": "major" if executed else "blocker",
            "location": {"path": Path(path).as_posix(), "lines": {"begin": line}},
        }
        issues.append(issue)
    return issues
