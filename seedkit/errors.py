"""The one error family of seedkit.

Every error carries where it happened (a file, line and column, or a manifest key)
and, where one helps, a hint saying what to do next. The CLI turns these into one
message and an exit code: 2 when the command or manifest cannot be used, 1 when the
seed itself has a problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file with line and column, and/or a manifest key."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: str | None = None
    item: int | None = None  # the position (from 1) of an item in the array at `key`

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            place = self.file
            if self.line is not None:
                place += f":{self.line}"
                if self.column is not None:
                    place += f":{self.column}"
            parts.append(place)
        if self.key:
            parts.append(f"[{self.key}]" + (f"[{self.item}]" if self.item is not None else ""))
        return " ".join(parts)

    @classmethod
    def in_file(
        cls,
        path: str | Path,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ) -> Location:
        """A location in a file, its path shown relative to the working folder when possible."""
        return cls(file=display_path(path), line=line, column=column, key=key)


def display_path(path: str | Path) -> str:
    """Show a path relative to the working folder when it lies below it, else as given."""
    return _display_path(os.fspath(path), os.getcwd())


@lru_cache(maxsize=256)
def _display_path(path: str, cwd: str) -> str:
    """`display_path` for one working folder (remembered: every statement of a SQL file
    asks for its file's name)."""
    p = Path(os.path.abspath(path))
    try:
        return str(p.relative_to(cwd))
    except ValueError:
        return str(p)


class SeedkitError(Exception):
    """Base of every error seedkit raises on purpose; carries a location and a hint."""

    exit_code = 2

    def __init__(self, message: str, *, location: Location | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = (
            f"{self.location}: {self.message}"
            if self.location and str(self.location)
            else self.message
        )
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ManifestError(SeedkitError):
    """seed.toml cannot be used: syntax, unknown key, bad value, missing file, unset variable."""


class GraphError(ManifestError):
    """The step graph cannot be used: a dependency on an unknown step, or a cycle."""


class TargetError(SeedkitError):
    """The target database cannot be used: unreachable, or its driver is not installed."""


class SeedError(SeedkitError):
    """The seed itself has a problem; the target is left as it was."""

    exit_code = 1


class DataError(SeedError):
    """A row source has bad data: a ragged row, a value that does not convert, an unknown column."""


class ApplyError(SeedError):
    """The database refused a statement or a row: a failing SQL statement, a constraint violation."""
