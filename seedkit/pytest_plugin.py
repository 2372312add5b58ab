"""The `seedkit_db` pytest fixture: each test gets a freshly seeded database of its own.

Installed with seedkit through the `pytest11` entry point, so a test suite only asks
for the fixture::

    # pytest.ini
    [pytest]
    seedkit_manifest = seed.toml

    # test_shop.py
    import sqlalchemy as sa

    def test_three_colors(seedkit_db):
        with seedkit_db.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM colors")).scalar() == 3

    @pytest.mark.seedkit(manifest="other/seed.toml", select=["+orders"])
    def test_orders(seedkit_db): ...

    @pytest.mark.seedkit(env="test", exclude=["tag:demo"])
    def test_without_demo_rows(seedkit_db): ...

The manifest comes from the closest `seedkit` marker, else the `seedkit_manifest` ini
option; a relative path is taken from the rootdir (where pytest.ini lives). The
database is a SQLite file in the test's tmp_path unless `--seedkit-url` or the
`seedkit_url` ini option names a server: a server-level PostgreSQL or MySQL/MariaDB
URL (each test gets a database created for it and dropped after it), or `duckdb://`
(a DuckDB file in tmp_path). The fixture yields a SQLAlchemy Engine on the seeded
database and disposes it after the test. A seed that fails fails the test's setup
with seedkit's message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import sqlalchemy as sa

MARKER = "seedkit"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The --seedkit-url option and the seedkit_manifest / seedkit_url ini options."""
    group = parser.getgroup("seedkit", "seedkit database fixture")
    group.addoption(
        "--seedkit-url",
        dest="seedkit_url",
        default=None,
        help="Server-level database URL for seedkit_db (PostgreSQL, MySQL/MariaDB) or "
        "duckdb://; each test gets its own database. Default: SQLite in tmp_path.",
    )
    parser.addini(
        "seedkit_manifest", "seed.toml for the seedkit_db fixture (relative to the rootdir)."
    )
    parser.addini("seedkit_url", "Default for --seedkit-url.")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the `seedkit` marker."""
    config.addinivalue_line(
        "markers",
        "seedkit(manifest=None, select=None, exclude=None, env=None): the seed.toml, the "
        "steps and the [environments.NAME] seedkit_db applies for this test.",
    )


def _manifest_and_select(request: pytest.FixtureRequest) -> tuple[Path, list[str] | None]:
    config = request.config
    marker = request.node.get_closest_marker(MARKER)
    manifest: Any = None
    select = None
    if marker is not None:
        manifest = marker.kwargs.get("manifest") or (marker.args[0] if marker.args else None)
        select = marker.kwargs.get("select")
        if isinstance(select, str):
            select = [select]
    if not manifest:
        manifest = config.getini("seedkit_manifest") or None
    if not manifest:
        raise pytest.UsageError(
            "seedkit_db needs a manifest: set `seedkit_manifest = path/to/seed.toml` in the "
            "pytest ini file, or mark the test @pytest.mark.seedkit(manifest=...)"
        )
    path = Path(str(manifest))
    if not path.is_absolute():
        path = config.rootpath / path
    return path, select


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """`exclude` and `env` of the closest `seedkit` marker, for api.apply."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    exclude = marker.kwargs.get("exclude")
    if isinstance(exclude, str):
        exclude = [exclude]
    return {"exclude": exclude, "env": marker.kwargs.get("env")}


def _server_url(config: pytest.Config) -> str | None:
    return config.getoption("seedkit_url", None) or config.getini("seedkit_url") or None


class ScratchDatabases:
    """Scratch databases on servers for one test session: each use gets an empty database.

    Where the server's adapter empties a database for less than dropping it costs
    (`Adapter.scratch_reset`: PostgreSQL, whose DROP DATABASE forces a checkpoint of the
    whole server), a database a use is done with is emptied and kept for the next use,
    but only if its catalog then reads as a new database's does; otherwise, and on every
    other server, it is dropped (connections and all). close() drops what is kept.
    """

    def __init__(self, prefix: str = "seedkit", reuse: bool = True) -> None:
        self.prefix = prefix
        self.reuse = reuse
        #: server URL -> (names of emptied databases, a new database's fingerprint)
        self._kept: dict[str, tuple[list[str], str | None]] = {}

    @contextmanager
    def database(self, server: str) -> Iterator[str]:
        """The URL of an empty database on the server-level URL `server`, for one use."""
        import sqlalchemy as sa

        url = sa.make_url(server)
        kept, _ = self._kept.setdefault(server, ([], None))
        database = kept.pop() if kept else self._create(server)
        try:
            yield url.set(database=database).render_as_string(hide_password=False)
        finally:
            if self._emptied(server, database):
                kept.append(database)
            else:
                self._drop(server, [database])

    def close(self) -> None:
        """Drop every database kept for another use."""
        while self._kept:
            server, (kept, _) = self._kept.popitem()
            self._drop(server, kept)

    def __enter__(self) -> ScratchDatabases:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self, server: str) -> str:
        database = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        with _server_connection(server) as (conn, quote, _):
            conn.exec_driver_sql(f"CREATE DATABASE {quote(database)}")
        kept, fingerprint = self._kept[server]
        reset = _adapter(server).scratch_reset()
        if self.reuse and reset is not None and fingerprint is None:
            with _server_connection(server, database) as (conn, _, _):
                self._kept[server] = (kept, reset.fingerprint(conn))
        return database

    def _emptied(self, server: str, database: str) -> bool:
        """Empty a used database in place; False when it must be dropped instead."""
        reset = _adapter(server).scratch_reset()
        fingerprint = self._kept[server][1]
        if reset is None or fingerprint is None:
            return False
        try:
            with _server_connection(server, database) as (conn, _, _):
                reset.empty(conn)
                return reset.fingerprint(conn) == fingerprint
        except Exception:  # anything in the way: the database goes, as it did before
            return False

    def _drop(self, server: str, databases: list[str]) -> None:
        drop = _adapter(server).drop_database_sql
        with _server_connection(server) as (conn, quote, _):
            for database in databases:
                conn.exec_driver_sql(drop(quote(database)))


def _adapter(server: str) -> Any:
    from seedkit.adapters import adapter_class

    return adapter_class(server)


@contextmanager
def _server_connection(server: str, database: str | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """An autocommit connection to the server (or one of its databases), a quoting
    function, and the engine."""
    import sqlalchemy as sa

    url = sa.make_url(server)
    if database is not None:
        url = url.set(database=database)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quote = engine.dialect.identifier_preparer.quote_identifier
    try:
        with engine.connect() as conn:
            yield conn, quote, engine
    finally:
        engine.dispose()


@contextmanager
def fresh_database(server: str, prefix: str = "seedkit") -> Iterator[str]:
    """A database created on the server for one use, dropped (connections and all) after it.

    `server` is a server-level PostgreSQL or MySQL/MariaDB URL; the URL yielded names the
    new database. The one factory behind the `seedkit_db` fixture, seedkit's own test suite
    and its plugins' suites, so all three make and drop databases the same way (a suite
    making many keeps a ScratchDatabases, which this is the one-use form of).
    """
    with ScratchDatabases(prefix, reuse=False) as scratch, scratch.database(server) as url:
        yield url


def _database(config: pytest.Config, tmp_path: Path) -> tuple[str, Any]:
    """The URL of an empty database for one test, and a function removing it (or None)."""
    from seedkit.adapters import adapter_class

    server = _server_url(config) or "sqlite://"
    file_url = adapter_class(server).file_url(tmp_path / "seedkit")
    if file_url is not None:  # SQLite, DuckDB: a file in the test's folder
        return file_url, None
    database = fresh_database(server)
    return database.__enter__(), lambda: database.__exit__(None, None, None)


@pytest.fixture
def seedkit_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A SQLAlchemy Engine on a database of this test's own, seeded from the manifest."""
    import sqlalchemy as sa

    from seedkit import api
    from seedkit.adapters.engine import mask_url
    from seedkit.errors import SeedkitError

    manifest, select = _manifest_and_select(request)
    url, drop = _database(request.config, tmp_path)
    try:
        try:
            api.apply(manifest, url=url, select=select, **_marker_options(request))
        except SeedkitError as exc:
            pytest.fail(f"seedkit could not seed {mask_url(url)}:\n{exc}", pytrace=False)
        engine = sa.create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        if drop is not None:
            drop()
