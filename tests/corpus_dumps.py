"""A corpus of real dump output, made at test time by the databases' own tools.

Rich schemas are built in the local PostgreSQL and MariaDB servers (and in SQLite and
DuckDB files), then dumped with each common option set: `pg_dump` plain format (COPY,
`--inserts`, `--column-inserts`, `--rows-per-insert`, `--no-owner --no-privileges`,
schema and data split), `mariadb-dump` (extended inserts, `--skip-extended-insert`,
`--complete-insert`, `--routines --triggers`, `--hex-blob`, split), `sqlite3 .dump` and
DuckDB's `EXPORT DATABASE`. Nothing is committed: the dumps are written under pytest's
cache folder, keyed by a hash of the schema scripts, the options and the tool's version,
so a later session reuses them.

Use: the session fixtures `pg_dumps`, `mysql_dumps`, `sqlite_dumps` and `duckdb_dumps`
(import them into a test module) give `Dump`s; `Dump.seed(folder)` writes a seed that
takes the dump's schema as `ddl` and its data as a SQL step (or the whole dump as one SQL
step); `load_with_client` loads a dump as the database's own client does; `contents`
gives per-table checksums and sequence positions to compare.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from corpus_sources import DUCKDB_SOURCE, MYSQL_SOURCE, PG_SOURCE, SQLITE_SOURCE

#: pg_dump option sets: name -> (options, split into schema and data)
PG_OPTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "copy": ((), False),
    "inserts": (("--inserts",), False),
    "column-inserts": (("--column-inserts",), False),
    "rows-per-insert": (("--rows-per-insert=3",), False),
    "no-owner": (("--no-owner", "--no-privileges"), False),
    "split": ((), True),
    "split-inserts": (("--inserts", "--no-owner", "--no-privileges"), True),
}
#: mariadb-dump option sets, likewise
MYSQL_OPTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "extended": ((), False),
    "skip-extended-insert": (("--skip-extended-insert",), False),
    "complete-insert": (("--complete-insert",), False),
    "routines": (("--routines", "--triggers", "--events"), False),
    "hex-blob": (("--hex-blob", "--routines"), False),
    "split": (("--routines",), True),
}


@dataclass(frozen=True)
class Dump:
    """One dump: its files (in the order the client runs them), which of them are schema."""

    kind: str  # postgres, mysql, sqlite, duckdb
    name: str  # the option set
    dialect: str  # the manifest's dialect for it
    ddl: tuple[Path, ...]
    data: tuple[Path, ...]

    @property
    def id(self) -> str:
        """`postgres-inserts`, for test ids."""
        return f"{self.kind}-{self.name}"

    @property
    def files(self) -> tuple[Path, ...]:
        """Every SQL file, schema first."""
        return self.ddl + self.data

    def seed(self, folder: Path) -> Path:
        """Copy the dump into `folder` with a seed.toml (schema as `ddl`, data as one SQL step,
        or the whole dump as one SQL step); returns the manifest."""
        folder.mkdir(parents=True, exist_ok=True)
        for path in self.files:
            shutil.copy(path, folder / path.name)
        lines = ["[project]", f'name = "{self.id}"', f'dialect = "{self.dialect}"']
        if self.ddl:
            lines.append("ddl = [" + ", ".join(f'"{p.name}"' for p in self.ddl) + "]")
        for path in self.data:
            lines += ["", f"[steps.{path.stem.replace('.', '_')}]", f'sql = "{path.name}"']
        manifest = folder / "seed.toml"
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return manifest


# -- servers -----------------------------------------------------------------------------


def server_url(variable: str) -> sa.URL:
    """The server URL the tests were given (skips, or fails when servers are required)."""
    url = os.environ.get(variable)
    if not url:
        if os.environ.get("SEEDKIT_REQUIRE_SERVERS") == "1":
            pytest.fail(f"{variable} is not set, and SEEDKIT_REQUIRE_SERVERS=1")
        pytest.skip(f"{variable} is not set")
    return sa.make_url(url)


def _pg_args(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or ""]
    return args, env


def _my_args(url: sa.URL) -> list[str]:
    args = ["-h", url.host or "127.0.0.1", "-P", str(url.port or 3306), "-u", url.username or ""]
    args.append("--default-character-set=utf8mb4")
    if url.password:
        args.append(f"-p{url.password}")
    return args


def _run(cmd: list[str], input: str | None = None, env: dict[str, str] | None = None) -> str:
    return _run_bytes(cmd, input, env).decode("utf-8", "replace")


def _run_bytes(
    cmd: list[str], input: str | None = None, env: dict[str, str] | None = None
) -> bytes:
    """A tool's output as bytes (mariadb-dump writes BLOB bytes as they are)."""
    done = subprocess.run(
        cmd, input=None if input is None else input.encode(), capture_output=True, env=env
    )
    if done.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode()}")
    return done.stdout


def tool(name: str) -> str:
    """The path of a database tool; a clear failure when it is not installed."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: .ci/run installs it")
    return found


@dataclass
class ServerDatabase:
    """A database made on a server for a while, and its URL."""

    url: str
    name: str


_HELD: dict[str, AbstractContextManager[str]] = {}


def make_database(server: sa.URL, kind: str) -> ServerDatabase:
    """An empty database on the PostgreSQL or MariaDB server (the conftest's factory)."""
    from conftest import SCRATCH

    held = SCRATCH.database(server.render_as_string(hide_password=False))
    url = held.__enter__()
    name = str(sa.make_url(url).database)
    _HELD[name] = held
    return ServerDatabase(url, name)


def drop_database(server: sa.URL, kind: str, name: str) -> None:
    """Give back a database `make_database` made (emptied for another use, or dropped)."""
    _HELD.pop(name).__exit__(None, None, None)


# -- making the dumps --------------------------------------------------------------------


@contextmanager
def _cache(request: pytest.FixtureRequest, kind: str, key: str) -> Iterator[tuple[Path, bool]]:
    """The folder for one kind's dumps, and whether it already holds them for `key`; held
    under a file lock until the block ends, so test workers make them once between them."""
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        root = Path(cache.mkdir("seedkit-dumps"))
    else:
        root = request.getfixturevalue("tmp_path_factory").mktemp("dumps")
    with (root / f"{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = root / kind
        stamp = folder / "key"
        if stamp.exists() and stamp.read_text() == key:
            yield folder, True
            return
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        yield folder, False


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _dumps(
    kind: str, dialect: str, folder: Path, options: dict[str, tuple[tuple[str, ...], bool]]
) -> dict[str, Dump]:
    found = {}
    for name, (_, split) in options.items():
        if split:
            found[name] = Dump(
                kind,
                name,
                dialect,
                (folder / f"{name}.schema.sql",),
                (folder / f"{name}.data.sql",),
            )
        else:
            found[name] = Dump(kind, name, dialect, (), (folder / f"{name}.sql",))
    return found


@pytest.fixture(scope="session")
def pg_dumps(request: pytest.FixtureRequest) -> dict[str, Dump]:
    """pg_dump's plain output of the PostgreSQL corpus schema, by option set."""
    server = server_url("SEEDKIT_TEST_POSTGRES_URL")
    pg_dump = tool("pg_dump")
    version = _run([pg_dump, "--version"])
    key = _key(PG_SOURCE, PG_OPTIONS, version)
    with _cache(request, "postgres", key) as (folder, cached):
        if not cached:
            _make_pg_dumps(server, pg_dump, folder)
            (folder / "key").write_text(key)
    return _dumps("postgres", "postgres", folder, PG_OPTIONS)


def _make_pg_dumps(server: sa.URL, pg_dump: str, folder: Path) -> None:
    source = make_database(server, "postgres")
    args, env = _pg_args(server)
    try:
        _run(
            [tool("psql"), *args, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", source.name],
            input=PG_SOURCE,
            env=env,
        )
        for name, (options, split) in PG_OPTIONS.items():
            base = [pg_dump, *args, "-d", source.name, *options]
            if split:
                (folder / f"{name}.schema.sql").write_bytes(
                    _run_bytes([*base, "--schema-only"], env=env)
                )
                (folder / f"{name}.data.sql").write_bytes(
                    _run_bytes([*base, "--data-only"], env=env)
                )
            else:
                (folder / f"{name}.sql").write_bytes(_run_bytes(base, env=env))
    finally:
        drop_database(server, "postgres", source.name)


@pytest.fixture(scope="session")
def mysql_dumps(request: pytest.FixtureRequest) -> dict[str, Dump]:
    """mariadb-dump's output of the MariaDB corpus schema, by option set."""
    server = server_url("SEEDKIT_TEST_MYSQL_URL")
    dump = tool("mariadb-dump")
    version = _run([dump, "--version"])
    key = _key(MYSQL_SOURCE, MYSQL_OPTIONS, version)
    with _cache(request, "mysql", key) as (folder, cached):
        if not cached:
            _make_mysql_dumps(server, dump, folder)
            (folder / "key").write_text(key)
    return _dumps("mysql", "mysql", folder, MYSQL_OPTIONS)


def _make_mysql_dumps(server: sa.URL, dump: str, folder: Path) -> None:
    source = make_database(server, "mysql")
    args = _my_args(server)
    script = "DELIMITER ;;\n" + MYSQL_SOURCE.replace(";\n", ";;\n") + "\nDELIMITER ;\n"
    try:
        _run([tool("mariadb"), *args, source.name], input=script)
        for name, (options, split) in MYSQL_OPTIONS.items():
            base = [dump, *args, "--skip-dump-date", *options, source.name]
            if split:
                (folder / f"{name}.schema.sql").write_bytes(_run_bytes([*base, "--no-data"]))
                (folder / f"{name}.data.sql").write_bytes(
                    _run_bytes([*base, "--no-create-info", "--skip-triggers"])
                )
            else:
                (folder / f"{name}.sql").write_bytes(_run_bytes(base))
    finally:
        drop_database(server, "mysql", source.name)


@pytest.fixture(scope="session")
def sqlite_dumps(request: pytest.FixtureRequest) -> dict[str, Dump]:
    """`sqlite3 .dump` of the SQLite corpus schema."""
    sqlite = tool("sqlite3")
    version = _run([sqlite, "--version"])
    key = _key(SQLITE_SOURCE, version)
    with _cache(request, "sqlite", key) as (folder, cached):
        if not cached:
            db = folder / "source.db"
            with sqlite3.connect(db) as conn:
                conn.executescript(SQLITE_SOURCE)
            conn.close()
            (folder / "dump.sql").write_bytes(_run_bytes([sqlite, str(db), ".dump"]))
            db.unlink()
            (folder / "key").write_text(key)
    return {"dump": Dump("sqlite", "dump", "sqlite", (), (folder / "dump.sql",))}


@pytest.fixture(scope="session")
def duckdb_dumps(request: pytest.FixtureRequest) -> dict[str, Dump]:
    """DuckDB's `EXPORT DATABASE` of the DuckDB corpus schema (CSV and Parquet)."""
    import duckdb

    key = _key(DUCKDB_SOURCE, duckdb.__version__)
    with _cache(request, "duckdb", key) as (folder, cached):
        if not cached:
            conn = duckdb.connect()
            conn.execute(DUCKDB_SOURCE)
            for fmt in ("csv", "parquet"):
                conn.execute(f"EXPORT DATABASE '{folder / fmt}' (FORMAT {fmt})")
            conn.close()
            (folder / "key").write_text(key)
    return {
        fmt: Dump(
            "duckdb", fmt, "duckdb", (folder / fmt / "schema.sql",), (folder / fmt / "load.sql",)
        )
        for fmt in ("csv", "parquet")
    }


# -- loading as the database's own client does, and comparing ------------------------------


def load_with_client(dump: Dump, url: str) -> None:
    """Load `dump` into the empty database at `url` with the database's own client:
    `psql -1 -f` per file, the `mariadb` client, the `sqlite3` shell, DuckDB's IMPORT."""
    target = sa.make_url(url)
    if dump.kind == "postgres":
        args, env = _pg_args(target)
        for path in dump.files:
            _run(
                [
                    tool("psql"),
                    *args,
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-1",
                    "-d",
                    target.database or "",
                    "-f",
                    str(path),
                ],
                env=env,
            )
    elif dump.kind == "mysql":
        for path in dump.files:
            with path.open("rb") as handle:
                subprocess.run(
                    [tool("mariadb"), *_my_args(target), target.database or ""],
                    stdin=handle,
                    check=True,
                    capture_output=True,
                )
    elif dump.kind == "sqlite":
        for path in dump.files:
            with path.open("rb") as handle:
                subprocess.run(
                    [tool("sqlite3"), target.database or ""],
                    stdin=handle,
                    check=True,
                    capture_output=True,
                )
    else:
        import duckdb

        conn = duckdb.connect(target.database or "")
        conn.execute(f"IMPORT DATABASE '{dump.ddl[0].parent}'")
        conn.close()


def contents(url: str, kind: str) -> dict[str, object]:
    """Per table (and materialized view) a checksum of its ordered rows as text, and each
    sequence's position; seedkit's own history table left out."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(_contents(conn, kind))
    finally:
        engine.dispose()


def _digest(rows: list[tuple[object, ...]]) -> str:
    return hashlib.md5("\n".join(sorted(repr(tuple(r)) for r in rows)).encode()).hexdigest()


def _contents(conn: sa.Connection, kind: str) -> Iterator[tuple[str, object]]:
    if kind == "postgres":
        tables = conn.exec_driver_sql(
            "SELECT n.nspname, c.relname, c.relispopulated FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN "
            "('pg_catalog', 'information_schema') AND c.relname <> 'seedkit_history' ORDER BY 1, 2"
        ).fetchall()
        for schema, table, populated in tables:
            if not populated:  # a materialized view made WITH NO DATA
                yield f"{schema}.{table}", "not populated"
                continue
            sql = (
                f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')), "
                f'count(*) FROM "{schema}"."{table}" t'
            )
            yield f"{schema}.{table}", tuple(conn.exec_driver_sql(sql).one())
        for schema, name in conn.exec_driver_sql(
            "SELECT schemaname, sequencename FROM pg_sequences ORDER BY 1, 2"
        ).fetchall():
            row = conn.exec_driver_sql(
                f'SELECT last_value, is_called FROM "{schema}"."{name}"'
            ).one()
            yield f"sequence {schema}.{name}", tuple(row)
        yield (
            "objects",
            conn.exec_driver_sql(
                "SELECT count(*) FILTER (WHERE relkind = 'v'), count(*) FILTER (WHERE relkind = 'i'), "
                "(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal), "
                "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'shop'), "
                "(SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop') "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop'"
            ).one(),
        )
    elif kind == "mysql":
        tables = conn.exec_driver_sql(
            "SELECT TABLE_NAME, TABLE_TYPE, AUTO_INCREMENT FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'seedkit_history' ORDER BY 1"
        ).fetchall()
        for table, kind_, auto in tables:
            if kind_ == "SEQUENCE":
                row = conn.exec_driver_sql(f"SELECT next_not_cached_value FROM `{table}`").one()
                yield f"sequence {table}", tuple(row)
                continue
            rows = conn.exec_driver_sql(f"SELECT * FROM `{table}`").fetchall()
            yield table, (_digest(rows), len(rows), auto)
        yield (
            "objects",
            tuple(
                conn.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM information_schema.ROUTINES "
                    "WHERE ROUTINE_SCHEMA = DATABASE()), (SELECT count(*) FROM "
                    "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE())"
                ).one()
            ),
        )
    elif kind == "sqlite":
        names = conn.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' "
            "AND name <> 'seedkit_history' ORDER BY 1, 2"
        ).fetchall()
        yield "objects", tuple(names)
        for type_, name in names:
            if type_ == "table":
                rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()
                yield name, (_digest(rows), len(rows))
    else:
        tables = conn.exec_driver_sql(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE table_name <> 'seedkit_history' ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            rows = conn.exec_driver_sql(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            yield f"{schema}.{table}", (_digest(rows), len(rows))
        yield (
            "objects",
            tuple(
                conn.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM duckdb_views() WHERE NOT internal), "
                    "(SELECT list(sequence_name || ':' || start_value ORDER BY sequence_name) "
                    "FROM duckdb_sequences())"
                ).one()
            ),
        )
