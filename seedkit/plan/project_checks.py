"""Static checks of `[project]` that need the DDL's schema or sqlglot: done by build_plan.

- `dialect` must be a dialect sqlglot knows (with a "did you mean"), since every SQL
  and DDL file is read in it.
- `history_table` is one table name in the target's default schema: no dot (seedkit
  does not create schemas), and not a table the seed itself creates or loads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from seedkit.errors import ManifestError
from seedkit.manifest import Manifest


def check_project(manifest: Manifest, created: Iterable[str], step_tables: Iterable[str]) -> None:
    """Raise a ManifestError at `project.history_table` when it cannot be used."""
    table = manifest.model.project.history_table
    where = manifest.locate("project", "history_table")
    if "." in table or not table.strip():
        raise ManifestError(
            f"history_table `{table}` must be a plain table name (no schema, no dot)",
            location=where,
            hint="the history table lives in the target's default schema: "
            'write history_table = "seedkit_history" or another name without a dot',
        )
    ours = {t.lower() for t in created} | {t.rpartition(".")[2].lower() for t in step_tables}
    if table.lower() in ours:
        raise ManifestError(
            f"history_table `{table}` is a table this seed creates or loads",
            location=where,
            hint="give the history table a name of its own (default: seedkit_history)",
        )


def check_dialect(manifest: Manifest) -> None:
    """A ManifestError naming the closest known dialect when sqlglot does not know it."""
    dialect = manifest.model.project.dialect
    if dialect is None:
        return
    from sqlglot.dialects.dialect import Dialect, Dialects

    known = sorted(d.value for d in Dialects if d.value)
    try:
        Dialect.get_or_raise(dialect)
    except ValueError:
        close = difflib.get_close_matches(dialect.lower(), known, n=1)
        raise ManifestError(
            f"unknown dialect `{dialect}`",
            location=manifest.locate("project", "dialect"),
            hint=f"did you mean `{close[0]}`?" if close else "known: " + ", ".join(known),
        ) from None
