"""`seedkit status`: a target's history for the project, beside the manifest.

It walks the stages an apply would take (seedkit.plan.stages) with what history recorded:
each DDL file and step is shown in the stages' one vocabulary, in the words `status`
has always used for them (`new` is pending, `unchanged` applied; `changed`, `removed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from seedkit.errors import display_path
from seedkit.history import History, HistoryRow, database_missing, read_history
from seedkit.plan.stages import CHANGED, NEW, REMOVED, UNCHANGED, Capabilities, resolve

if TYPE_CHECKING:
    from seedkit.adapters.base import Adapter
    from seedkit.plan.steps import Plan

#: A stage's state as `status` words it.
WORDS = {NEW: "pending", UNCHANGED: "applied", CHANGED: "changed", REMOVED: "removed"}


@dataclass(frozen=True)
class StatusEntry:
    """One DDL file or step: what history recorded, and how the manifest stands beside it.

    `state` is `applied` (recorded, unchanged), `changed` (recorded, the source changed
    since), `pending` (in the manifest, never applied) or `removed` (recorded, no longer
    in the manifest).
    """

    kind: str
    name: str
    state: str
    fingerprint: str | None
    rows: int | None = None
    applied_at: str | None = None
    seconds: float | None = None
    seedkit_version: str | None = None
    environment: str | None = None


@dataclass
class StatusReport:
    """The history of one project on one target."""

    project: str
    target: str
    history_table: str
    exists: bool
    entries: list[StatusEntry]


def build_status(plan: Plan, target: Adapter) -> StatusReport:
    """Read the project's history and set it beside the plan's fingerprints; reads only."""
    project = plan.manifest.model.project
    rows = read_history(target, project.history_table, project.name)
    exists = False
    if not database_missing(target):
        with target.connect() as conn, target.read_scope(conn):
            exists = History(target, project.history_table, project.name).exists(conn)
    recorded = {(r.kind, r.name): r for r in rows if r.kind != "created"}
    entries: list[StatusEntry] = []
    for stage in resolve(plan, recorded, Capabilities.of(target, defer_indexes=False)):
        if stage.kind in ("keys", "index"):
            continue
        kind = "step" if stage.kind != "ddl" else "ddl"
        if stage.before is None:
            entries.append(StatusEntry(kind, stage.name, WORDS[stage.state], None))
            continue
        # a DDL file is shown by the path plan and apply show (from the working folder),
        # not the one it is recorded under (from the manifest's folder)
        name = stage.name
        if stage.state == REMOVED and kind == "ddl":
            name = display_path(plan.manifest.root / stage.name)
        entries.append(replace(_entry(stage.before, WORDS[stage.state]), name=name))
    return StatusReport(project.name, target.display_url, project.history_table, exists, entries)


def _entry(row: HistoryRow, state: str) -> StatusEntry:
    return StatusEntry(
        row.kind,
        row.name,
        state,
        row.fingerprint,
        row.rows,
        row.applied_at,
        row.seconds,
        row.seedkit_version,
        row.environment,
    )
