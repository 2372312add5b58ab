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


@contextmanager
def fresh_database(server: str, prefix: str = "seedkit") -> Iterator[str]:
    """A database created on the server for one use, dropped (connections and all) after it.

    `server` is a server-level PostgreSQL or MySQL/MariaDB URL; the URL yielded names the
    new database. The one factory behind the `seedkit_db` fixture, seedkit's own test suite
    and its plugins' suites, so all three make and drop databases the same way.
    """
    import sqlalchemy as sa

    from seedkit.adapters import adapter_class

    url = sa.make_url(server)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    database = f"{prefix}_{uuid.uuid4().hex[:12]}"
    name = engine.dialect.identifier_preparer.quote_identifier(database)
    drop = adapter_class(server).drop_database_sql(name)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(drop)
        finally:
            engine.dispose()


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
