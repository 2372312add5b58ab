"""The dry-run policy's data: the Decision for one statement, and what the policy learns.

Apart from seedkit.dryrun.policy (which re-exports both) so that the policy's
mapping and transpiling modules can build Decisions without importing the entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.dryrun.policy import LiteralInsert


@dataclass
class Decision:
    """What the dry run does with one statement.

    `sql` is what DuckDB runs (empty when skipped); `skip` the reason it is skipped;
    `changes` what was changed and why; `tolerate` set when a failure means "DuckDB
    cannot emulate this" (a fidelity entry) rather than a problem of the seed.
    `table` names the table an INSERT, UPDATE or DELETE writes, for row tracking.
    """

    sql: list[str] = field(default_factory=list)
    skip: str | None = None
    changes: list[str] = field(default_factory=list)
    tolerate: str | None = None
    table: str | None = None
    verb: str = "other"
    literal: LiteralInsert | None = None
    copy: tuple[str, list[str] | None, str] | None = None
    #: (table, columns) of a unique index the statement creates: a failure names the rows.
    unique: tuple[str, list[str]] | None = None


@dataclass
class PolicyState:
    """What the policy learns while a seed runs: types DuckDB lacks, sequences it made."""

    dialect: str | None
    type_ok: Callable[[str], bool]
    sequences: int = 0
    indexes: int = 0
    domains: dict[str, str] = field(default_factory=dict)
