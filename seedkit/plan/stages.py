"""The plan resolved against a target: frozen stages, in the order an apply takes them.

`resolve(plan, history, capabilities)` takes every decision an apply makes before it
sends a statement: which DDL files run, which stop the apply (changed since applied),
which steps are skipped and why, which run again, which foreign keys wait for the data,
whether the DDL's indexes are built after the steps, and what history records. The
executor (seedkit.plan.executor) walks the stages to do them; the plan explainer
(seedkit.plan.explain), `plan --url` (seedkit.plan.diff) and `status` (seedkit.plan.status)
walk the same stages to describe them.

One vocabulary, `Stage.state`, says how each DDL file or step stands against history:
`new` (never applied), `changed` (applied, changed since), `unchanged` (applied as it is
now) or `removed` (recorded, no longer in the manifest: a stage that does nothing).
`status` shows `new` as pending and `unchanged` as applied, as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from seedkit.history import HistoryRow, ddl_name, step_fingerprint

if TYPE_CHECKING:
    from seedkit.plan.deferred import DeferredIndex
    from seedkit.plan.latekeys import LateKey
    from seedkit.plan.steps import DdlFile, LoadStep, Plan
    from seedkit.sources.base import LocatedStatement

NEW, CHANGED, UNCHANGED, REMOVED = "new", "changed", "unchanged", "removed"

#: History as resolve reads it: the recorded row of each (kind, name).
Recorded = Mapping[tuple[str, str], HistoryRow]


@dataclass(frozen=True)
class Capabilities:
    """What the target does that changes the stages (its adapter's flags)."""

    #: DDL runs inside the apply's one transaction (else each DDL file and step commits).
    transactional_ddl: bool = True
    #: Foreign keys can wait for the data inside a transaction ("" when they cannot).
    defers_keys: str = ""
    #: Build the DDL's plain indexes after the steps (transactional DDL only).
    defer_indexes: bool = True

    @classmethod
    def of(cls, adapter: Any, defer_indexes: bool = True) -> Capabilities:
        """The capabilities of an adapter (or of its class)."""
        transactional = bool(adapter.SUPPORTS_TRANSACTIONAL_DDL)
        return cls(transactional, adapter.DEFERS_KEYS, defer_indexes and transactional)


@dataclass(frozen=True)
class RecordHistory:
    """Write the history row of a DDL file or step, in the transaction of its work."""

    kind: str
    name: str


@dataclass(frozen=True)
class Stage:
    """One thing an apply does (or leaves alone), in order.

    `name` is what the apply shows (a DDL file's path from the working folder), `kind`
    is `ddl`, the step's source kind, `keys` or `index`, `state` how it stands against
    history, and `before` the recorded row (None when never applied). A stage that runs
    a DDL file or step carries its `record` (RecordHistory), written in the transaction
    of its work; None where the target keeps no history.
    """

    name: str
    kind: str
    state: str
    before: HistoryRow | None


@dataclass(frozen=True)
class RunDdl(Stage):
    """Run a DDL file not applied yet (its statements, when resolving read them to see
    which indexes can wait: `BuildIndex`)."""

    ddl: DdlFile | None = None
    record: RecordHistory | None = None
    statements: tuple[LocatedStatement, ...] | None = None


@dataclass(frozen=True)
class StopAtDdl(Stage):
    """A DDL file changed since it was applied: the apply stops before anything runs."""

    ddl: DdlFile | None = None


@dataclass(frozen=True)
class Skip(Stage):
    """Leave a DDL file or step alone, for `reason` (history shows it unchanged)."""

    reason: str = "unchanged"
    step: LoadStep | None = None
    ddl: DdlFile | None = None


@dataclass(frozen=True)
class RunStep(Stage):
    """Run a step: load its rows by its mode (`LoadRows`) or its SQL (`RunSql`)."""

    step: LoadStep | None = None
    #: Its place among the selected levels (1 is the first).
    level: int = 0
    #: The step was applied before and runs again (changed, or --force).
    rerun: bool = False
    record: RecordHistory | None = None
    #: The fingerprint, when resolving had to compute it (else computed while loading).
    fingerprint: str | None = None

    @property
    def load(self) -> LoadStep:
        """The step (always set)."""
        assert self.step is not None
        return self.step


@dataclass(frozen=True)
class LoadRows(RunStep):
    """Write a row step's rows by its mode."""


@dataclass(frozen=True)
class RunSql(RunStep):
    """Run a SQL step's statements as written."""


@dataclass(frozen=True)
class KeysAfterData(Stage):
    """Foreign keys enforced after the data (seedkit.plan.latekeys): self-references and
    keys inside a group of steps (a cycle of keys).

    Where the target defers keys (`how`, its DEFERS_KEYS) inside the apply's one
    transaction they wait from the first step to the last and are checked after it;
    where each step is its own transaction, each of `spans` (first and last position
    among the step stages, and its keys) runs as one transaction, its keys checked before
    it commits. A target that cannot defer them (`how` is "") checks each row as it is
    written: the keys then only name the row written too soon.
    """

    keys: tuple[LateKey, ...] = ()
    how: str = ""
    spans: tuple[tuple[int, int, tuple[LateKey, ...]], ...] = ()


@dataclass(frozen=True)
class BuildIndex(Stage):
    """Build one of the DDL's plain indexes after the last step (nothing needs it sooner:
    seedkit.plan.deferred); `ddl` is the file whose statement it is."""

    index: DeferredIndex | None = None
    ddl: str = ""


@dataclass(frozen=True)
class Removed(Stage):
    """Recorded in history, no longer in the manifest: nothing to do."""


def resolve(
    plan: Plan,
    history: Recorded | None,
    capabilities: Capabilities,
    *,
    force: bool = False,
) -> list[Stage]:
    """The stages of an apply of `plan`, in order, on a target with `history` (None: a
    target that keeps none, where nothing is skipped or recorded) and `capabilities`;
    `force` runs every selected step again. Reads the DDL files about to run (to see which
    indexes can wait) and the sources of recorded steps (to fingerprint them); sends
    nothing."""
    from seedkit.plan.latekeys import late_keys, spans

    recorded = history or {}
    keeps = history is not None
    stages: list[Stage] = [_ddl_stage(plan, ddl, recorded, keeps) for ddl in plan.ddl]
    indexes: list[Stage] = []
    if capabilities.defer_indexes:
        stages, indexes = _read_ddl(plan, stages)
    steps = [
        _step_stage(plan.steps[name], level, recorded, keeps, force)
        for level, names in enumerate(plan.selected_levels(), start=1)
        for name in names
    ]
    stages += steps
    late = late_keys(plan)
    if late:
        how = capabilities.defers_keys
        held = () if not how or capabilities.transactional_ddl else spans(plan, late)
        shown = tuple((first, last, tuple(keys)) for first, last, keys in held)
        stages.append(KeysAfterData(KEYS, "keys", NEW, None, tuple(late), how, shown))
    stages += indexes
    known = {("ddl", ddl_name(plan, d)) for d in plan.ddl} | {("step", n) for n in plan.steps}
    for key, row in recorded.items():
        if key[0] in ("ddl", "step") and key not in known:
            stages.append(Removed(row.name, row.kind, REMOVED, row))
    return stages


#: The name of a KeysAfterData stage.
KEYS = "keys after the data"


def _ddl_stage(plan: Plan, ddl: DdlFile, recorded: Recorded, keeps: bool) -> Stage:
    name = ddl_name(plan, ddl)
    before = recorded.get(("ddl", name))
    if before is None:
        record = RecordHistory("ddl", name) if keeps else None
        return RunDdl(ddl.shown, "ddl", NEW, None, ddl, record)
    if before.fingerprint != ddl.fingerprint:
        return StopAtDdl(ddl.shown, "ddl", CHANGED, before, ddl)
    return Skip(ddl.shown, "ddl", UNCHANGED, before, ddl=ddl)


def _read_ddl(plan: Plan, stages: list[Stage]) -> tuple[list[Stage], list[Stage]]:
    """The DDL stages with the statements of the files about to run, and a BuildIndex
    stage for each of their indexes that can wait for the data (seedkit.plan.deferred)."""
    from seedkit.plan.deferred import plan_deferral
    from seedkit.sources.sql import read_statements

    read = {
        s.ddl.path: list(read_statements(s.ddl.path, plan.source_dialect, keep_copy=True))
        for s in stages
        if isinstance(s, RunDdl) and s.ddl is not None
    }
    held = plan_deferral(plan, read.items())
    out: list[Stage] = []
    later: list[Stage] = []
    for stage in stages:
        if isinstance(stage, RunDdl) and stage.ddl is not None:
            statements = read[stage.ddl.path]
            stage = replace(stage, statements=tuple(statements))
            for stmt in statements:
                index = held.get((stmt.file, stmt.line, stmt.column))
                if index is not None:
                    shown = f"index on {index.table}"
                    later.append(BuildIndex(shown, "index", NEW, None, index, stage.name))
        out.append(stage)
    return out, later


def _step_stage(load: LoadStep, level: int, recorded: Recorded, keeps: bool, force: bool) -> Stage:
    before = recorded.get(("step", load.name))
    kind = load.source.kind
    if before is None:
        fingerprint = None
        state = NEW
    else:
        fingerprint = step_fingerprint(load)
        state = UNCHANGED if before.fingerprint == fingerprint else CHANGED
        if state == UNCHANGED and keeps and not force:
            return Skip(load.name, kind, state, before, step=load)
    record = RecordHistory("step", load.name) if keeps else None
    run = RunSql if load.is_sql else LoadRows
    return run(load.name, kind, state, before, load, level, before is not None, record, fingerprint)
