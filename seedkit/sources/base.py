"""The source API: what every source kind (built-in or plugin) provides.

A source is made from its options (a pydantic model, validated like the rest of the
manifest) and a context (the manifest's folder and the step's key). It fingerprints
itself, checks itself against the target table, and yields either located SQL
statements (`is_sql = True`) or located batches of typed rows.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from seedkit.errors import Location, ManifestError

if TYPE_CHECKING:
    from seedkit.manifest import Manifest
    from seedkit.schema import Table
    from seedkit.sqltext.copyblock import CopyData
    from seedkit.sqltext.runs import InsertRun


@dataclass(frozen=True)
class SourceContext:
    """What a source may know of the manifest: its folder, dialect, and the step's key."""

    manifest: Manifest
    step: str
    key: tuple[str, ...]

    @property
    def root(self) -> Path:
        """The manifest's folder; every path is relative to it."""
        return self.manifest.root

    def locate(self, *more: str | int) -> Location:
        """The manifest location of this step's source key (or a key below it)."""
        return self.manifest.locate(*self.key, *more)


@dataclass(frozen=True)
class LocatedStatement:
    """A SQL statement with the file and line it came from; a `COPY … FROM stdin`
    statement carries its data lines (seedkit.sqltext.copyblock)."""

    sql: str
    file: str
    line: int
    column: int = 1
    copy: CopyData | None = field(default=None, compare=False, repr=False)

    @property
    def location(self) -> Location:
        """Where the statement starts."""
        return Location.in_file(self.file, self.line, self.column)


@dataclass(frozen=True)
class LocatedRun:
    """Consecutive literal INSERTs of one SQL file with one head (seedkit.sqltext.runs),
    kept whole: a batcher sends them as one unit; anything else takes `statements`."""

    run: InsertRun
    file: str

    @property
    def head(self) -> str:
        """The statements' common `INSERT INTO … VALUES`, as written."""
        return self.run.head

    @property
    def location(self) -> Location:
        """Where the run's first statement starts."""
        return Location.in_file(self.file, self.run.line, self.run.column)

    def statements(self) -> list[LocatedStatement]:
        """The run's statements one by one, each at its own line and column."""
        file = self.file
        return [LocatedStatement(sql, file, line, col) for sql, line, col in self.run.statements()]


@dataclass
class RowBatch:
    """Typed rows for `columns`, with the file and line each row came from.

    `locations`, when given, places each row exactly (an inline row's own table in
    seed.toml) and wins over `file` and `lines`. `omitted`, when given, holds for each
    row the positions of the columns it leaves out: a writer leaves those out of its
    INSERT, so the database fills in their defaults (the row's value there is None).
    """

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    file: str | None = None
    lines: list[int] = field(default_factory=list)
    locations: list[Location] | None = None
    omitted: list[frozenset[int]] | None = None

    def location(self, index: int) -> Location:
        """Where row `index` of this batch came from."""
        if self.locations is not None and index < len(self.locations):
            return self.locations[index]
        line = self.lines[index] if index < len(self.lines) else None
        return Location.in_file(self.file, line) if self.file else Location(line=line)

    def by_given_columns(self) -> Iterator[tuple[tuple[int, ...], RowBatch]]:
        """The batch cut into runs of consecutive rows that give the same columns, each as
        (positions of the columns given, a batch of those columns only). Row order is kept."""
        if not self.omitted or not any(self.omitted):
            yield tuple(range(len(self.columns))), self
            return
        start = 0
        for end in range(1, len(self.rows) + 1):
            if end < len(self.rows) and self.omitted[end] == self.omitted[start]:
                continue
            kept = tuple(i for i in range(len(self.columns)) if i not in self.omitted[start])
            part = range(start, end)
            yield (
                kept,
                RowBatch(
                    tuple(self.columns[i] for i in kept),
                    [tuple(self.rows[r][i] for i in kept) for r in part],
                    self.file,
                    [self.lines[r] for r in part if r < len(self.lines)],
                    [self.location(r) for r in part],
                ),
            )
            start = end


class TableReader:
    """Read access to what earlier steps loaded, given to a source while its step runs.

    A source (for example generated rows needing valid foreign keys) reads through
    this instead of touching the connection; it sees the apply's own transaction. A
    read that fails (a column the table lacks) is a DataError at `where`: the step's
    source in the manifest.
    """

    #: Said after the column in a failed read's message (" on the target" for plans).
    PLACE = ""

    def __init__(self, conn: Any, target: Any, where: Location | None = None) -> None:
        self._conn = conn
        self._target = target
        self.where = where

    def column_values(self, table: str, column: str, limit: int | None = None) -> list[Any]:
        """The distinct values of `table.column`, sorted, as the database returns them."""
        from seedkit.errors import DataError, SeedError

        sql = (
            f"SELECT DISTINCT {self._target.quote(self._conn, column)} "
            f"FROM {self._target.quote_table(self._conn, table)} "
            f"ORDER BY {self._target.quote(self._conn, column)}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        try:
            rows = self._target.execute(
                self._conn, sql, location=Location(key=f"{table}.{column}")
            ).fetchall()
        except SeedError as exc:
            raise DataError(
                f"cannot read `{table}.{column}`{self.PLACE}: {exc.message.splitlines()[0]}",
                location=self.where or exc.location,
                hint=f"name a column of `{table}`",
            ) from None
        return [row[0] for row in rows]


class Source:
    """Base of every source kind. Subclasses set `kind`, `options_model` and override yields."""

    kind: ClassVar[str] = ""
    options_model: ClassVar[type[BaseModel]]
    is_sql: ClassVar[bool] = False

    def __init__(self, options: BaseModel, context: SourceContext) -> None:
        self.options = options
        self.context = context
        #: Set by the executor while the step runs: what earlier steps loaded.
        self.reader: TableReader | None = None

    def files(self) -> list[Path]:
        """The files this source reads (for fingerprints and existence checks)."""
        return []

    def describe(self) -> str:
        """A short text for plans: the kind and what it reads."""
        files = self.files()
        if not files:
            return self.kind
        from seedkit.errors import display_path

        shown = display_path(files[0])
        return f"{self.kind} {shown}" + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")

    def fingerprint(self) -> str:
        """A hash of the source's bytes and its options: it changes when the source does."""
        digest = hashlib.sha256()
        digest.update(self.kind.encode())
        digest.update(self.options.model_dump_json().encode())
        for path in self.files():
            # relative to the manifest, so a checkout elsewhere has the same fingerprint
            digest.update(os.path.relpath(path, self.context.root).encode())
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest()[:16]

    def validate(self, table: Table | None) -> None:
        """Static checks against the target table (None when the schema is unknown)."""

    def columns(self, table: Table | None) -> list[str]:
        """The columns this row source fills, in order."""
        raise NotImplementedError

    def statements(self) -> Iterator[LocatedStatement]:
        """SQL sources: the statements to run, in order."""
        raise NotImplementedError

    def units(self, runs: bool | None) -> Iterator[LocatedStatement | LocatedRun]:
        """SQL sources: the statements to run; where the source can, consecutive literal
        INSERTs kept together as LocatedRun units (``runs``: True to send them in the
        source's dialect, False to transpile them, None for none)."""
        return self.statements()

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[RowBatch]:
        """Row sources: typed rows in batches of at most `size`."""
        raise NotImplementedError

    def locate_field(self, where: Location, field: int) -> Location:
        """Where field `field` (0-based) of the row at `where` is written; a source that
        knows its columns' positions (CSV) adds the column, others return `where`."""
        return where

    def describe_row(self, index: int) -> str:
        """Words naming row `index` of a batch in a message, for sources whose locations
        do not tell rows apart (inline rows); empty for others."""
        return ""

    def count_rows(self) -> int | None:
        """How many rows a row source yields, for the plan (None if unknown without loading)."""
        return None

    def omits_columns(self) -> bool:
        """True when some rows leave columns out (`RowBatch.omitted`): a loader that cannot
        leave them out of its statement per row hands the step to the generic loader."""
        return False

    def resolve_paths(self, pattern: str, *key: str) -> list[Path]:
        """Files named by a path or glob relative to the manifest, sorted; an error if none."""
        root = self.context.root
        if glob.has_magic(pattern):
            found = sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))
            found = [p for p in found if p.is_file()]
            if not found:
                raise ManifestError(
                    f"no file matches `{pattern}`",
                    location=self.context.locate(*key),
                    hint=f"paths are relative to the manifest's folder ({_rel(root, Path.cwd())})",
                )
            return found
        path = root / pattern
        if not path.is_file():
            raise ManifestError(
                f"file not found: {pattern}",
                location=self.context.locate(*key),
                hint=f"paths are relative to the manifest's folder ({_rel(root, Path.cwd())})",
            )
        return [path]


def _rel(path: Path, root: Path) -> Path:
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        return path
