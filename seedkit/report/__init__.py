"""Machine-readable reports of a dry run for CI: SARIF (code scanning), GitLab Code
Quality, and the Markdown job summary. Each module turns a CheckReport into text or
data and prints nothing; the CLI writes it where it belongs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.dryrun.report import CheckReport
    from seedkit.errors import SeedkitError


def error_report(error: SeedkitError, project: str = "") -> CheckReport:
    """A report holding one `manifest` problem: what the CI formats show when the seed
    cannot be checked at all (exit 2), so the place is annotated like any problem."""
    from seedkit.dryrun.report import CheckReport, Problem

    loc = error.location
    problem = Problem(
        None,
        "manifest",
        error.message,
        loc.file if loc else None,
        loc.line if loc else None,
        loc.column if loc else None,
        error.hint,
    )
    return CheckReport(project=project, dialect=None, problems=[problem])
