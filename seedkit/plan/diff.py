"""What an apply would change on a target: `seedkit plan --url`. Planning only reads.

It walks the stages the apply would take (seedkit.plan.stages): each DDL file and
selected step is `new` (history has no row for it), `changed` (its fingerprint differs)
or `unchanged` (the apply will skip it), the stage's state. For row steps that would
run, the source's rows are compared with the table's rows by key, in Python, each value
brought to one canonical form per column type (SQLite's text dates, MariaDB's
timedeltas and 1/0 booleans, PostgreSQL's zoned timestamps all meet the source's typed
values), giving the rows to insert, update and delete, and a few sample keys of each.

A source that reads earlier steps (generated foreign keys) reads the target's current
rows through a reader on the plan's read-only connection. When those parents are not
there yet (a fresh database, an empty or missing table) or an earlier step of this
apply would change them, the step's counts are unknown (`Change.unknown` says why)
rather than guessed, and the plan goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location, SeedError
from seedkit.history import History, HistoryRow, database_missing
from seedkit.manifest.models import Mode
from seedkit.plan.stages import (
    Capabilities,
    LoadRows,
    RunDdl,
    RunStep,
    Skip,
    StopAtDdl,
    resolve,
)
from seedkit.schema import Column, TypeKind
from seedkit.sources.base import TableReader

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.steps import LoadStep, Plan

SAMPLES = 5
#: `Change.unknown` when a step's rows depend on parents the apply has not loaded yet.
AFTER_PARENTS = "after parents load"


@dataclass
class Change:
    """What an apply would do to one DDL file or step."""

    name: str
    kind: str
    state: str
    mode: str | None = None
    insert: int | None = None
    update: int | None = None
    delete: int | None = None
    #: insert mode only: source rows whose key the table already has (the insert would fail).
    conflicts: int | None = None
    samples: dict[str, list[str]] = field(default_factory=dict)
    applied_at: str | None = None
    #: Why insert/update/delete are None for a row step that would run (else None).
    unknown: str | None = None
    #: mirror only: for each table whose rows reference rows it would delete, how many
    #: of those rows they reference (the apply would fail on them)
    referenced: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        """True when the apply would run this step and it may change rows."""
        if self.state == "unchanged":
            return False
        counts = (self.insert, self.update, self.delete)
        return any(c is None or c > 0 for c in counts)


@dataclass
class PlanDiff:
    """The changes for every DDL file and selected step, in apply order."""

    target: str
    history_table: str
    has_history: bool
    changes: list[Change] = field(default_factory=list)
    #: False for a SQLite or DuckDB file not there yet (the apply creates it).
    database_exists: bool = True

    @property
    def ddl_changed(self) -> list[Change]:
        """DDL files that changed since applied: the apply would stop on these."""
        return [c for c in self.changes if c.kind == "ddl" and c.state == "changed"]


def plan_diff(plan: Plan, target: Adapter, samples: int = SAMPLES) -> PlanDiff:
    """Compare `plan` with what `target` holds; sends only SELECTs, rolled back."""
    project = plan.manifest.model.project
    history = History(target, project.history_table, project.name)
    diff = PlanDiff(target.display_url, project.history_table, False)
    if database_missing(target):  # reading would create the file: nothing is there yet
        diff.database_exists = False
        _fill(diff, plan, None, {}, samples)
        return diff
    with target.connect() as conn, target.read_scope(conn):
        diff.has_history = history.exists(conn)
        recorded = history.read(conn) if diff.has_history else {}
        _fill(diff, plan, conn, recorded, samples, target)
    return diff


def _fill(
    diff: PlanDiff,
    plan: Plan,
    conn: sa.Connection | None,
    recorded: dict[tuple[str, str], HistoryRow],
    samples: int,
    target: Adapter | None = None,
) -> None:
    """One change for each DDL file and step the apply's stages name, in their order."""
    capabilities = (
        Capabilities.of(target, defer_indexes=False)
        if target
        else Capabilities(defer_indexes=False)
    )
    earlier: dict[str, list[Change]] = {}  # table -> the changes of steps loading it
    for stage in resolve(plan, recorded, capabilities):
        if isinstance(stage, RunDdl | StopAtDdl) or (isinstance(stage, Skip) and stage.ddl):
            diff.changes.append(
                Change(stage.name, "ddl", stage.state, applied_at=_at(stage.before))
            )
            continue
        load = stage.load if isinstance(stage, RunStep) else getattr(stage, "step", None)
        if load is None:  # keys after the data, indexes, what the manifest no longer has
            continue
        mode = load.mode.value if load.mode else None
        change = Change(load.name, stage.kind, stage.state, mode, applied_at=_at(stage.before))
        if isinstance(stage, LoadRows):
            _count(change, load, conn, target, samples, earlier)
        diff.changes.append(change)
        earlier.setdefault(_bare(load.table_name), []).append(change)


def _at(before: HistoryRow | None) -> str | None:
    return before.applied_at if before is not None else None


def _bare(table: str) -> str:
    """A table's name for matching reads with steps: lower case, without its schema."""
    return table.replace('"', "").replace("`", "").rsplit(".", 1)[-1].lower()


class ParentsMissing(SeedError):
    """A source read a table that is not on the target yet: its counts are unknown."""


class PlanReader(TableReader):
    """What earlier steps loaded, as the target holds it now, for `plan --url`.

    Reads on the plan's read-only connection (None when the database does not exist).
    A table not there yet raises ParentsMissing instead of sending a failing query (which
    would abort PostgreSQL's transaction); every table read is noted with how many values
    it gave, so the plan can tell "parents not loaded yet" from a real error of the
    source. A read the database refuses (a column the table lacks) is a DataError at
    `where`, the step's source in the manifest: the apply would fail on it too.
    """

    PLACE = " on the target"

    def __init__(
        self, conn: sa.Connection | None, target: Adapter | None, where: Location | None = None
    ) -> None:
        super().__init__(conn, target, where)
        self.read: dict[str, int] = {}

    def column_values(self, table: str, column: str, limit: int | None = None) -> list[Any]:
        """The distinct values of `table.column` on the target; ParentsMissing if no table."""
        if self._conn is None or not self._target.table_exists(self._conn, table):
            self.read[_bare(table)] = 0
            raise ParentsMissing(f"`{table}` is not on the target yet")
        values = super().column_values(table, column, limit)
        self.read[_bare(table)] = len(values)
        return values


def _count(
    change: Change,
    load: LoadStep,
    conn: sa.Connection | None,
    target: Adapter | None,
    n: int,
    earlier: dict[str, list[Change]] | None = None,
) -> None:
    """Fill insert/update/delete counts by comparing the source's rows with the table's;
    leave them None, with the reason in `change.unknown`, when the source reads parents
    the target does not hold yet (or holds as they were before this apply)."""
    names = load.source.columns(load.table)
    columns = [load.table.column(c) if load.table else None for c in names]
    lowered = [c.lower() for c in names]
    key_index = [lowered.index(k.lower()) for k in load.key if k.lower() in lowered]
    if len(key_index) != len(load.key):
        key_index = []
    canon = [canonical_for(c) for c in columns]
    existing: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    table_rows = 0
    if conn is not None and target is not None and target.table_exists(conn, load.table_name):
        existing, table_rows = _read_table(conn, target, load, names, key_index, canon)
    value_index = [i for i in range(len(names)) if i not in key_index]
    inserts, updates = _Counter(n), _Counter(n)
    seen: set[tuple[Any, ...]] = set()
    total = conflicts = 0
    reader = PlanReader(conn, target, load.source.context.locate())
    load.source.reader = reader
    try:
        for batch in load.source.batches(load.table):
            for row in batch.rows:
                total += 1
                if not key_index:
                    continue
                values = tuple(f(v) for f, v in zip(canon, row, strict=True))
                key = tuple(values[i] for i in key_index)
                seen.add(key)
                old = existing.get(key)
                if old is None:
                    inserts.add(key)
                else:
                    conflicts += 1
                    if tuple(values[i] for i in value_index) != old:
                        updates.add(key)
    except SeedError as exc:
        # Only a failure that follows finding parents missing or empty means "not there
        # yet"; any other error of the source (a bad value, say) is the seed's: it stops
        # the plan as it would stop the apply.
        if isinstance(exc, ParentsMissing) or 0 in reader.read.values():
            change.unknown = AFTER_PARENTS
            return
        raise
    finally:
        load.source.reader = None
    pending = [c for t in reader.read for c in (earlier or {}).get(t, []) if c.pending]
    if pending:  # the apply changes these parents first: counts from them now would lie
        change.unknown = AFTER_PARENTS
        return
    if load.mode in (Mode.UPSERT, Mode.MIRROR) and key_index:
        change.insert, change.update, change.delete = inserts.count, updates.count, 0
        change.samples = {"insert": inserts.samples, "update": updates.samples}
        if load.mode == Mode.MIRROR:
            deletes = _Counter(n)
            gone = [key for key in existing if key not in seen]
            for key in gone:
                deletes.add(key)
            change.delete = deletes.count
            change.samples["delete"] = deletes.samples
            if gone and conn is not None and target is not None:
                keys = [canon[i] for i in key_index]
                change.referenced = _referenced(conn, target, load, set(gone), keys)
    elif load.mode == Mode.REPLACE:
        change.insert, change.update, change.delete = total, 0, table_rows
    else:
        change.insert, change.update, change.delete = total, 0, 0
        change.conflicts = conflicts if key_index else None


class _Counter:
    def __init__(self, keep: int) -> None:
        self.count = 0
        self.keep = keep
        self.samples: list[str] = []

    def add(self, key: tuple[Any, ...]) -> None:
        self.count += 1
        if len(self.samples) < self.keep:
            self.samples.append(str(key[0]) if len(key) == 1 else str(key))


def _referenced(
    conn: sa.Connection,
    target: Adapter,
    load: LoadStep,
    gone: set[tuple[Any, ...]],
    canon: list[Callable[[Any], Any]],
) -> dict[str, int]:
    """For each table whose foreign key references the step's key, how many of the rows
    mirror would delete (`gone`, canonical keys) its rows reference."""
    key = [k.lower() for k in load.key]
    found: dict[str, int] = {}
    for child, fk in load.referenced_by:
        if [c.lower() for c in fk.ref_columns] != key or not target.table_exists(conn, child):
            continue
        cols = ", ".join(target.quote(conn, c) for c in fk.columns)
        rows = target.execute(
            conn, f"SELECT DISTINCT {cols} FROM {target.quote_table(conn, child)}"
        )
        hit = {
            k for raw in rows if (k := tuple(f(v) for f, v in zip(canon, raw, strict=True))) in gone
        }
        if hit:
            found[child] = found.get(child, 0) + len(hit)
    return found


def _read_table(
    conn: sa.Connection,
    target: Adapter,
    load: LoadStep,
    names: list[str],
    key_index: list[int],
    canon: list[Callable[[Any], Any]],
) -> tuple[dict[tuple[Any, ...], tuple[Any, ...]], int]:
    table = target.quote_table(conn, load.table_name)
    if not key_index:
        count = target.execute(conn, f"SELECT COUNT(*) FROM {table}").scalar()
        return {}, int(count or 0)
    from seedkit.adapters.generic import column_name

    cols = ", ".join(target.quote(conn, column_name(load, c)) for c in names)
    rows: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    value_index = [i for i in range(len(names)) if i not in key_index]
    total = 0
    result = target.execute(conn, f"SELECT {cols} FROM {table}")
    for raw in result:
        total += 1
        values = tuple(f(v) for f, v in zip(canon, raw, strict=True))
        rows[tuple(values[i] for i in key_index)] = tuple(values[i] for i in value_index)
    return rows, total


# -- one canonical value per column type -------------------------------------------------


def canonical_for(column: Column | None) -> Callable[[Any], Any]:
    """A function bringing a source value or a database value of `column` to one form."""
    kind = column.kind if column is not None else TypeKind.OTHER

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return _CANON.get(kind, _text)(value)
        except (ValueError, TypeError, InvalidOperation, json.JSONDecodeError):
            return ("raw", str(value))

    return convert


def _text(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value)


def _decimal(value: Any) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.normalize() if number else Decimal(0)


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        from seedkit.typerules import TRUE_WORDS

        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.timedelta):
        return (dt.datetime.min + value).time()
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    return dt.time.fromisoformat(str(value))


def _timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.tzinfo is not None:  # stored in UTC where the database has no zones
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _json(value: Any) -> str:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True)


_CANON: dict[TypeKind, Callable[[Any], Any]] = {
    TypeKind.INTEGER: int,
    TypeKind.DECIMAL: _decimal,
    TypeKind.FLOAT: lambda v: float(f"{float(v):.7g}"),
    TypeKind.BOOLEAN: _boolean,
    TypeKind.DATE: _date,
    TypeKind.TIME: _time,
    TypeKind.TIMESTAMP: _timestamp,
    TypeKind.TIMESTAMPTZ: _timestamp,
    TypeKind.JSON: _json,
    TypeKind.BINARY: lambda v: bytes(v) if not isinstance(v, str) else v.encode(),
    TypeKind.UUID: lambda v: str(v).lower(),
}
