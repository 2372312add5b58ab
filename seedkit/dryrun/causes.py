"""One root cause, one problem: what the dry run leaves unchecked because something
earlier failed.

When a `CREATE TABLE` fails, every later statement and row naming that table would
fail too ("Table with name … does not exist"); when a parent row is refused, every
child row naming its key would fail its foreign key. Those are not more problems of
the seed: they are "not checked", listed once per cause in the fidelity report
(action `not checked`), with how many statements or rows it covers and the place of
the problem that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from seedkit.dryrun.report import FidelityItem
from seedkit.errors import Location

_NAME = r'(?:"[^"]+"|`[^`]+`|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|`[^`]+`|[\w$]+))*'
_CREATE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED|GLOBAL|LOCAL)\s+)*"
    r"(?:TABLE|VIEW|MATERIALIZED\s+VIEW|TYPE|SEQUENCE|DOMAIN)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"(?P<name>{_NAME})",
    re.I,
)
_MISSING = re.compile(r'with name "?([^"!\n]+?)"? does not exist', re.I)


@lru_cache(maxsize=4096)
def short_name(name: str) -> str:
    """The unqualified, unquoted, lower-case name: what DuckDB's errors name."""
    last = re.split(r"\.(?=(?:[^\"`]*[\"`][^\"`]*[\"`])*[^\"`]*$)", name.strip())[-1]
    return last.strip().strip('"`').lower()


def created_name(text: str) -> str | None:
    """The table, view, type or sequence a CREATE statement makes (short name), or None."""
    m = _CREATE.match(text)
    return short_name(m["name"]) if m else None


@dataclass
class _Entry:
    file: str
    line: int
    statement: str
    reason: str
    count: int = 1
    unit: str = "statement"


def _place(location: Location) -> str:
    return f"{location.file}:{location.line}" if location.file else (location.key or "the seed")


class Causes:
    """What failed, and what is therefore not checked, for one dry run."""

    def __init__(self) -> None:
        #: Objects whose CREATE failed or was skipped: short name → why it is missing.
        self.lost: dict[str, str] = {}
        #: Rows refused per table (short name): their values by lower-case column name.
        self.refused: dict[str, list[dict[str, str]]] = {}
        #: Tables with refused rows whose values are not known.
        self.refused_unknown: dict[str, str] = {}
        #: Where the first refused row of each table is.
        self.refused_at: dict[str, str] = {}
        #: Refused rows of row sources, by table: (step, where), values read when needed.
        self.pending: dict[str, list[tuple[str, Location]]] = {}
        self._entries: dict[tuple[str, str], _Entry] = {}

    # -- what failed ----------------------------------------------------------------

    def creation_failed(self, text: str, location: Location, how: str = "failed") -> None:
        """A CREATE statement failed (or was skipped): what it makes is lost."""
        name = created_name(text)
        if name is not None and name not in self.lost:
            self.lost[name] = f"its CREATE at {_place(location)} {how}"

    def missing(self, exc: Exception) -> str | None:
        """Why the object an error says does not exist is missing, when an earlier
        failure explains it; None when the error is a problem of its own."""
        m = _MISSING.search(str(exc))
        if m is None:
            return None
        name = short_name(m[1])
        return f"`{name}` is missing: {self.lost[name]}" if name in self.lost else None

    def name_missing(self, exc: Exception, location: Location) -> None:
        """An error says a table (or type…) does not exist, and nothing earlier explains
        it: it is reported here, and later errors naming it are not checked."""
        m = _MISSING.search(str(exc))
        if m is not None:
            self.lost.setdefault(
                short_name(m[1]), f"it does not exist (reported at {_place(location)})"
            )

    def row_refused(
        self, table: str, columns: list[str] | None, values: tuple[Any, ...] | None, where: Location
    ) -> None:
        """A row of `table` was refused (reported as a problem); remember its values so
        child rows naming its key are not blamed for it."""
        key = short_name(table)
        self.refused_at.setdefault(key, _place(where))
        if columns is None or values is None or len(columns) != len(values):
            self.refused_unknown.setdefault(key, _place(where))
            return
        row = {
            short_name(c): (None if v is None else _text(v))
            for c, v in zip(columns, values, strict=True)
        }
        self.refused.setdefault(key, []).append(row)  # type: ignore[arg-type]

    def row_refused_in_step(self, table: str, step: str, where: Location) -> None:
        """A row source's row was refused at `where`; its values are read only if a child
        row's foreign key needs them (`resolve`)."""
        key = short_name(table)
        self.refused_at.setdefault(key, _place(where))
        self.pending.setdefault(key, []).append((step, where))

    def resolve(
        self, table: str, read: Callable[[str, list[Location]], list[dict[str, str]] | None]
    ) -> None:
        """Read the values of `table`'s pending refused rows with `read(step, places)`
        (None when the source cannot say: any key of the table is then suspect)."""
        key = short_name(table)
        waiting = self.pending.pop(key, [])
        by_step: dict[str, list[Location]] = {}
        for step, where in waiting:
            by_step.setdefault(step, []).append(where)
        for step, places in by_step.items():
            rows = read(step, places)
            if rows is None:
                self.refused_unknown.setdefault(key, _place(places[0]))
            else:
                for row in rows:
                    self.refused.setdefault(key, []).append(
                        {short_name(c): v for c, v in row.items()}
                    )

    def refused_key(
        self, parent: str, ref_columns: tuple[str, ...], values: tuple[Any, ...]
    ) -> bool:
        """True when a refused row of `parent` had this key (or a refused row's key is unknown)."""
        key = short_name(parent)
        if key in self.refused_unknown:
            return True
        wanted = [_text(v) for v in values]
        cols = [c.lower() for c in ref_columns]
        return any([row.get(c) for c in cols] == wanted for row in self.refused.get(key, []))

    def has_refusals(self, parent: str) -> bool:
        """True when rows of `parent` were refused."""
        key = short_name(parent)
        return key in self.refused_unknown or key in self.refused or key in self.pending

    # -- what is not checked -------------------------------------------------------------

    def not_checked(
        self,
        location: Location,
        statement: str,
        reason: str,
        count: int = 1,
        unit: str = "statement",
    ) -> None:
        """`count` statements (or rows: `unit`) from `location` on are not checked for
        `reason`; one fidelity entry per reason and file."""
        key = (location.file or "", reason)
        entry = self._entries.get(key)
        if entry is None:
            first = statement.strip().splitlines()[0] if statement.strip() else ""
            shown = first if len(first) <= 80 else first[:77] + "..."
            self._entries[key] = _Entry(
                location.file or "", location.line or 0, shown, reason, count, unit
            )
        else:
            entry.count += count

    def items(self) -> list[FidelityItem]:
        """The fidelity entries (`not checked`), in the order their causes were met."""
        out = []
        for entry in self._entries.values():
            what = f"{entry.count} {entry.unit}s from here on: " if entry.count > 1 else ""
            out.append(
                FidelityItem(
                    entry.file, entry.line, "not checked", what + entry.reason, entry.statement
                )
            )
        return out


def _text(value: Any) -> str:
    """A value as text, for comparing keys read from text with keys read from DuckDB."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
