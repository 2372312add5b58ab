"""What a failed apply left behind where DDL is not transactional (MySQL, MariaDB).

There each DDL file and each step is its own transaction, and the database commits by
itself at every CREATE, ALTER, DROP, RENAME or TRUNCATE. So "nothing was applied" is not
true after the first step: the error's hint says instead which DDL files and steps were
committed (and recorded in history), what of the failing one stays committed, and what
the next apply will do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.errors import Location, SeedkitError
    from seedkit.plan.executor import StepResult

#: Statements MySQL and MariaDB commit by themselves (after an executable-comment prefix).
IMPLICIT_COMMIT = re.compile(
    r"\s*(?:/\*!\d*\s*)?(?:create|alter|drop|rename|truncate)\b", re.IGNORECASE
)


@dataclass
class Running:
    """The DDL file or step running now, and the last statement of it that committed."""

    kind: str  # "ddl" or the source's kind
    name: str
    committed_at: Location | None = None


def describe(exc: SeedkitError, done: Sequence[StepResult], running: Running | None) -> None:
    """Replace "nothing was applied" in the error's hint with what was committed."""
    applied = [s for s in done if s.status == "applied"]
    parts = []
    if applied:
        shown = ", ".join(f"{'DDL ' if s.kind == 'ddl' else 'step '}{s.name}" for s in applied)
        parts.append(f"MySQL commits each DDL file and step: committed and recorded: {shown}")
    else:
        parts.append("no earlier DDL file or step was committed")
    what = "" if running is None else f"{'DDL file' if running.kind == 'ddl' else 'step'} "
    if running is not None and running.committed_at is not None:
        parts.append(
            f"of {what}{running.name}, what ran up to {running.committed_at} stays (MySQL "
            "commits at each CREATE, ALTER or DROP); the rest was rolled back"
        )
    elif running is not None:
        parts.append(f"{what}{running.name} was rolled back")
    if running is not None:
        again = f"the next apply skips what was recorded and runs {running.name} again"
        if running.committed_at is not None:
            again += " from its start (`seedkit apply --fresh` drops what the DDL made first)"
        parts.append(again)
    text = "; ".join(parts)
    hint = exc.hint or ""
    if "nothing was applied" in hint:
        exc.hint = hint.replace("nothing was applied", text)
    else:
        exc.hint = f"{hint}; {text}" if hint else text
