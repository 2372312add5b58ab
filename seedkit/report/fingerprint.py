"""Fingerprints of problems that survive unrelated edits of the seed.

A code-scanning service matches this run's problems with the last run's by fingerprint:
an unchanged problem keeps its alert, a new one opens an alert. So a fingerprint must
not change when lines are added above the problem. It hashes what the problem is, not
where: the rule (problem kind), the file, the step, the message with any line or row
numbers taken out, the column, and the text of the problem's line (the CSV record or
the SQL statement's first line). Two problems equal in all of these are told apart by
their order of appearance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.dryrun.report import Problem

#: The partialFingerprints key of SARIF results (versioned: a new recipe is a new key).
FINGERPRINT_KEY = "seedkitProblem/v1"

_NUMBERED = re.compile(r"\b(lines?|rows?|records?|statements?)\s+\d+|:\d+(:\d+)?\b", re.I)


class LineReader:
    """The text of a file's lines, each file read once; missing files give empty text."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def line(self, file: str | None, number: int | None) -> str:
        """Line `number` (1-based) of `file`, stripped; empty when unknown."""
        if not file or not number:
            return ""
        if file not in self._files:
            try:
                text = Path(file).read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                text = ""
            self._files[file] = text.splitlines()
        lines = self._files[file]
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def problem_fingerprints(problems: Sequence[Problem], lines: LineReader | None = None) -> list[str]:
    """One hex fingerprint per problem, in order; see the module's docstring for the recipe."""
    lines = lines or LineReader()
    seen: dict[str, int] = {}
    out: list[str] = []
    for problem in problems:
        parts = (
            problem.kind,
            (problem.file or "").replace("\\", "/"),
            problem.step or "",
            _NUMBERED.sub(r"\1", problem.message),
            str(problem.column or ""),
            lines.line(problem.file, problem.line),
        )
        base = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:  # the same problem twice: the second is base + its occurrence
            base = hashlib.sha256(f"{base}:{seen[base]}".encode()).hexdigest()
        out.append(base[:32])
    return out
