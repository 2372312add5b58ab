"""The dry run of `seedkit check`: the whole seed in an in-memory DuckDB, every problem located.

`run_check` builds the plan, runs it through the ordinary executor against a
`DryRunAdapter` (seedkit.dryrun.adapter), and returns a `CheckReport`
(seedkit.dryrun.report). Nothing here prints.
"""

from seedkit.dryrun.report import CheckReport, FidelityItem, Problem, StepReport
from seedkit.dryrun.run import run_check

__all__ = ["CheckReport", "FidelityItem", "Problem", "StepReport", "run_check"]
