"""Plan steps as frozen dataclasses: what will run, in which order, from which source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from seedkit.graph import Edge
from seedkit.manifest.models import Mode

if TYPE_CHECKING:
    from seedkit.manifest import Manifest
    from seedkit.plan.sqlreads import Unread
    from seedkit.schema import ForeignKey, Schema, Table
    from seedkit.sources.base import Source


@dataclass(frozen=True)
class DdlFile:
    """A DDL file from `[project] ddl`, run before every step."""

    path: Path
    shown: str
    fingerprint: str


@dataclass(frozen=True)
class LoadStep:
    """One step: its table, source, mode and key, and the edges to the steps it needs."""

    name: str
    table_name: str
    table: Table | None
    source: Source
    mode: Mode | None
    key: tuple[str, ...]
    edges: tuple[Edge, ...] = ()
    # SQL steps: tables written besides the step's own, and what could not be read for
    # tables (statements sqlglot cannot read, where reading stopped, edges left out)
    writes: tuple[str, ...] = ()
    unread: tuple[Unread, ...] = ()
    # the foreign keys of the schema's tables (the step's own included) that reference
    # this step's table, as (referencing table, key): what mirror's deletes must respect
    referenced_by: tuple[tuple[str, ForeignKey], ...] = ()

    def fingerprint(self) -> str:
        """The source's fingerprint together with the step's settings (table, mode, key):
        what history records, and what `plan` and `status` show."""
        import hashlib

        digest = hashlib.sha256()
        digest.update(self.source.fingerprint().encode())
        mode = self.mode.value if self.mode else ""
        digest.update(f"\0{self.table_name}\0{mode}\0{','.join(self.key)}".encode())
        return digest.hexdigest()[:16]

    @property
    def is_sql(self) -> bool:
        """A SQL step runs its statements as written and takes no mode."""
        return self.source.is_sql


@dataclass(frozen=True)
class Plan:
    """Everything an apply will do, in order; built without touching any database."""

    manifest: Manifest
    ddl: tuple[DdlFile, ...]
    levels: tuple[tuple[str, ...], ...]
    steps: dict[str, LoadStep]
    schema: Schema
    edges: tuple[Edge, ...] = ()
    #: Steps in a cycle of foreign keys, loaded together, keys enforced after them.
    groups: tuple[tuple[str, ...], ...] = ()
    selected: frozenset[str] = field(default_factory=frozenset)
    source_dialect: str | None = None

    def group_of(self, name: str) -> tuple[str, ...]:
        """The group holding step `name` (its cycle of foreign keys), or () for none."""
        return next((g for g in self.groups if name in g), ())

    def ordered(self) -> list[LoadStep]:
        """The selected steps in graph order, level by level."""
        return [self.steps[n] for level in self.levels for n in level if n in self.selected]

    def selected_levels(self) -> list[list[str]]:
        """The levels, each holding only selected steps; empty levels dropped."""
        levels = [[n for n in level if n in self.selected] for level in self.levels]
        return [level for level in levels if level]
