"""The history table: what each DDL file and step of a project last applied to a database.

One row per (project, kind, name), where kind is `ddl` or `step`: its fingerprint (a
hash of the source's bytes and the step's settings), the rows written, the seedkit
version, when (UTC, ISO 8601), how long, and the environment it was applied in
(`--env`, or NULL). A row of kind `schema` carries the table's own format version, so
a later seedkit can migrate it or refuse it: format 1 had no `environment` column, and
the first apply that writes to such a table adds it (reads work on either).

Writes (`History.ensure`, `record`, `forget`) run on the caller's connection, inside
the transaction of the work they record; `read_history` and `History.read` only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location, SeedError, TargetError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.steps import DdlFile, LoadStep, Plan

#: The format of the history table this seedkit writes and reads (2: `environment` added).
SCHEMA_VERSION = 2

_COLUMNS = (
    "project",
    "kind",
    "name",
    "fingerprint",
    "row_count",
    "seedkit_version",
    "applied_at",
    "duration_ms",
    "environment",
)


@dataclass(frozen=True)
class HistoryRow:
    """One recorded DDL file or step."""

    project: str
    kind: str
    name: str
    fingerprint: str
    rows: int
    seedkit_version: str
    applied_at: str
    seconds: float
    environment: str | None = None


class DdlChangedError(SeedError):
    """A DDL file differs from the one history says was applied: seedkit will not guess."""


def step_fingerprint(step: LoadStep) -> str:
    """The fingerprint history records for a step (see LoadStep.fingerprint)."""
    return step.fingerprint()


def ddl_name(plan: Plan, ddl: DdlFile) -> str:
    """The name a DDL file is recorded under: its path relative to the manifest's folder."""
    import os

    return Path(os.path.relpath(ddl.path, plan.manifest.root)).as_posix()


class History:
    """The history table of one project on one target."""

    def __init__(
        self, target: Adapter, table: str, project: str, environment: str | None = None
    ) -> None:
        self.target = target
        self.table = table
        self.project = project
        self.environment = environment
        self._format: int | None = None  # the table's, once read
        self._created = 0  # `created` rows written by this apply, for their order

    def _marks(self, conn: sa.Connection, count: int) -> str:
        return str(self.target.placeholders(conn, count))

    def _where(self, conn: sa.Connection, *columns: str) -> str:
        marks = self._marks(conn, len(columns)).split(", ")
        q = self.target.quote
        return " AND ".join(f"{q(conn, c)} = {m}" for c, m in zip(columns, marks, strict=True))

    def exists(self, conn: sa.Connection) -> bool:
        """True when the history table is there."""
        return bool(self.target.table_exists(conn, self.table))

    def ensure(self, conn: sa.Connection) -> None:
        """Create the table (and its schema-version row) if missing; refuse a newer format,
        migrate an older one. Two projects creating it at once are kept apart by the
        dialect's `history_guard`."""
        with self.target.history_guard(conn, self.table, lambda: self.exists(conn)) as exists:
            if not exists:
                self._create(conn)
                return
        if self._check_version(conn) < SCHEMA_VERSION:
            self._migrate(conn)

    def _create(self, conn: sa.Connection) -> None:
        q = self.target.quote
        ddl = (
            f"CREATE TABLE {self.target.quote_table(conn, self.table)} ("
            f"{q(conn, 'project')} VARCHAR(200) NOT NULL, "
            f"{q(conn, 'kind')} VARCHAR(16) NOT NULL, "
            f"{q(conn, 'name')} VARCHAR(255) NOT NULL, "
            f"{q(conn, 'fingerprint')} VARCHAR(64) NOT NULL, "
            f"{q(conn, 'row_count')} BIGINT NOT NULL, "
            f"{q(conn, 'seedkit_version')} VARCHAR(40) NOT NULL, "
            f"{q(conn, 'applied_at')} VARCHAR(32) NOT NULL, "
            f"{q(conn, 'duration_ms')} BIGINT NOT NULL, "
            f"{q(conn, 'environment')} VARCHAR(64), "
            f"PRIMARY KEY ({q(conn, 'project')}, {q(conn, 'kind')}, {q(conn, 'name')}))"
        )
        self.target.execute(conn, ddl)
        self._format = SCHEMA_VERSION
        self._write(conn, "", "schema", "version", str(SCHEMA_VERSION), 0, 0.0)

    def _migrate(self, conn: sa.Connection) -> None:
        """Format 1 -> 2: add the `environment` column (NULL for rows written before)."""
        table = self.target.quote_table(conn, self.table)
        column = self.target.quote(conn, "environment")
        self.target.execute(conn, f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64)")
        q = self.target.quote
        marks = self._marks(conn, 3).split(", ")
        self.target.execute(
            conn,
            f"UPDATE {table} SET {q(conn, 'fingerprint')} = {marks[0]} "
            f"WHERE {q(conn, 'kind')} = {marks[1]} AND {q(conn, 'name')} = {marks[2]}",
            (str(SCHEMA_VERSION), "schema", "version"),
        )
        self._format = SCHEMA_VERSION

    def _check_version(self, conn: sa.Connection) -> int:
        """The table's format (refusing a newer one or a table that is not seedkit's)."""
        sql = (
            f"SELECT {self.target.quote(conn, 'fingerprint')} FROM "
            f"{self.target.quote_table(conn, self.table)} "
            f"WHERE {self._where(conn, 'kind', 'name')}"
        )
        from sqlalchemy.exc import DBAPIError

        try:
            found = self.target.execute(conn, sql, ("schema", "version")).scalar()
        except DBAPIError:  # a table of other columns: not ours
            found = None
        else:
            if found is None and self._left_empty(conn):
                self._format = SCHEMA_VERSION
                self._write(conn, "", "schema", "version", str(SCHEMA_VERSION), 0, 0.0)
                return SCHEMA_VERSION
        if found is None or not str(found).isdigit():
            raise TargetError(
                f"table `{self.table}` on {self.target.display_url} is not a seedkit history table",
                location=Location(key="project.history_table"),
                hint="set `[project] history_table` to another name",
            )
        if int(found) > SCHEMA_VERSION:
            from seedkit import __version__

            raise TargetError(
                f"the history table `{self.table}` has format {found}, newer than this "
                f"seedkit ({__version__}) knows ({SCHEMA_VERSION})",
                location=Location(key="project.history_table"),
                hint="upgrade seedkit",
            )
        self._format = int(found)
        return self._format

    def _left_empty(self, conn: sa.Connection) -> bool:
        """True for an empty table of exactly the history's columns: one an apply made and
        was killed before its format row was committed (MySQL's CREATE TABLE commits by
        itself), which is ours and gets the row now."""
        table = self.target.quote_table(conn, self.table)
        columns = self.target.execute(conn, f"SELECT * FROM {table} WHERE 1 = 0").keys()
        if {str(c).lower() for c in columns} != set(_COLUMNS):
            return False
        return self.target.execute(conn, f"SELECT count(*) FROM {table}").scalar() == 0

    def read(self, conn: sa.Connection) -> dict[tuple[str, str], HistoryRow]:
        """This project's rows by (kind, name); empty when there is no table yet."""
        if not self.exists(conn):
            return {}
        self._check_version(conn)
        return {(r.kind, r.name): r for r in self._select(conn, self.project)}

    def _select(self, conn: sa.Connection, project: str | None) -> list[HistoryRow]:
        q = self.target.quote
        if self._format is None:
            self._check_version(conn)
        assert self._format is not None
        cols = ", ".join(
            q(conn, c) if c != "environment" or self._format >= 2 else "NULL" for c in _COLUMNS
        )
        sql = f"SELECT {cols} FROM {self.target.quote_table(conn, self.table)}"
        marks = self._marks(conn, 2).split(", ")
        sql += f" WHERE {q(conn, 'kind')} <> {marks[0]}"
        params: list[Any] = ["schema"]
        if project is not None:
            sql += f" AND {q(conn, 'project')} = {marks[1]}"
            params.append(project)
        sql += f" ORDER BY {q(conn, 'applied_at')}, {q(conn, 'kind')}, {q(conn, 'name')}"
        rows = self.target.execute(conn, sql, params).fetchall()
        return [
            HistoryRow(p, k, n, f, int(r), v, str(at), int(ms) / 1000.0, env)
            for p, k, n, f, r, v, at, ms, env in rows
        ]

    def record(
        self,
        conn: sa.Connection,
        kind: str,
        name: str,
        fingerprint: str,
        rows: int,
        seconds: float,
    ) -> None:
        """Replace the row of (project, kind, name), inside the caller's transaction."""
        self._write(conn, self.project, kind, name, fingerprint, rows, seconds, self.environment)

    def record_created(self, conn: sa.Connection, ddl: DdlFile, names: Iterable[str]) -> None:
        """Record what a DDL file just run created (`created` rows: `KIND:name`, in order,
        from seedkit.plan.reset.created_records), so a reset drops it even after it is
        taken out of the DDL."""
        for name in names:
            if len(name) <= 255:
                self._write(
                    conn,
                    self.project,
                    "created",
                    name,
                    ddl.fingerprint,
                    self._created,
                    0,
                    self.environment,
                )
                self._created += 1

    def _write(
        self,
        conn: sa.Connection,
        project: str,
        kind: str,
        name: str,
        fingerprint: str,
        rows: int,
        seconds: float,
        environment: str | None = None,
    ) -> None:
        from seedkit import __version__

        table = self.target.quote_table(conn, self.table)
        cols = ", ".join(self.target.quote(conn, c) for c in _COLUMNS)
        insert = f"INSERT INTO {table} ({cols}) VALUES ({self._marks(conn, len(_COLUMNS))})"
        if self.target.SUPPORTS_ON_CONFLICT:
            self.target.execute(
                conn,
                f"DELETE FROM {table} WHERE {self._where(conn, 'project', 'kind', 'name')}",
                (project, kind, name),
            )
        else:
            # MySQL, MariaDB: a DELETE of a missing row takes a gap lock, and two projects
            # recording at once would deadlock on their INSERTs; replace the row by key.
            insert = self.target.upsert_sql(conn, self.table, _COLUMNS, _COLUMNS[:3])
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.target.execute(
            conn,
            insert,
            (
                project,
                kind,
                name,
                fingerprint,
                rows,
                __version__,
                now,
                round(seconds * 1000),
                environment,
            ),
        )

    def delete(self, conn: sa.Connection, kind: str, name: str) -> None:
        """Delete the row of (project, kind, name), inside the caller's transaction."""
        self.target.execute(
            conn,
            f"DELETE FROM {self.target.quote_table(conn, self.table)} "
            f"WHERE {self._where(conn, 'project', 'kind', 'name')}",
            (self.project, kind, name),
        )

    def forget(self, conn: sa.Connection) -> int:
        """Delete this project's rows; drop the table when no project is left. Returns the
        rows of DDL files and steps forgotten (not counting what the DDL created)."""
        if not self.exists(conn):
            return 0
        table = self.target.quote_table(conn, self.table)
        gone = len(
            [
                r
                for r in self._select(conn, self.project)
                if r.kind not in ("created", "ddl-progress")
            ]
        )
        self.target.execute(
            conn,
            f"DELETE FROM {table} WHERE {self._where(conn, 'project')}",
            (self.project,),
        )
        if not self._select(conn, None):
            self.target.execute(conn, f"DROP TABLE {table}")
        return gone


def database_missing(target: Adapter) -> bool:
    """True for a SQLite or DuckDB file that does not exist yet (opening it would create it)."""
    return target.database_missing()


def read_history(
    target: Adapter, table: str, project: str | None = None, created: bool = False
) -> list[HistoryRow]:
    """Every recorded DDL file and step (of one project, or all), oldest first; with
    `created`, also what each DDL file created (`created` rows, for reset); reads only."""
    if database_missing(target):
        return []
    history = History(target, table, project or "")
    with target.connect() as conn, target.read_scope(conn):
        if not history.exists(conn):
            return []
        history._check_version(conn)
        rows = history._select(conn, project)
        # A DDL file's progress (seedkit.plan.ddlprogress) is no DDL file or step.
        rows = [r for r in rows if r.kind != "ddl-progress"]
        return rows if created else [r for r in rows if r.kind != "created"]
