"""Shared fixtures: a fresh database on the real servers named by the environment.

`SEEDKIT_TEST_POSTGRES_URL` and `SEEDKIT_TEST_MYSQL_URL` are server-level URLs
(`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`,
`mysql+pymysql://root@127.0.0.1:3306/`). Each test that asks for `pg_url` or
`mysql_url` gets an empty database of its own (seedkit.pytest_plugin.ScratchDatabases). Without
the variable the test skips; with `SEEDKIT_REQUIRE_SERVERS=1` it fails instead, so CI
cannot pass by skipping.

Markers: `server` is set here on every test that uses a PostgreSQL or MariaDB server (so
`-m "not server"` runs the suite without them); `slow` marks the few tests that take
seconds each (`-m "not slow"` for a quick run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pymysql_context
import pytest

from seedkit.pytest_plugin import ScratchDatabases

pymysql_context.install()


def _server_url(variable: str) -> str:
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set"
        if os.environ.get("SEEDKIT_REQUIRE_SERVERS") == "1":
            pytest.fail(f"{message}, and SEEDKIT_REQUIRE_SERVERS=1")
        pytest.skip(message)
    return url


#: The shipped plugin's factory, kept for the session: a PostgreSQL database a test is
#: done with is emptied for the next one (DROP DATABASE forces a server checkpoint).
SCRATCH = ScratchDatabases(prefix="seedkit_test")


def _fresh_database(variable: str) -> Iterator[str]:
    """An empty database of its own on the server the variable names."""
    with SCRATCH.database(_server_url(variable)) as url:
        yield url


def pytest_sessionfinish() -> None:
    """Drop the databases kept for another test."""
    SCRATCH.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh PostgreSQL database, dropped after the test."""
    yield from _fresh_database("SEEDKIT_TEST_POSTGRES_URL")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh MySQL/MariaDB database, dropped after the test."""
    yield from _fresh_database("SEEDKIT_TEST_MYSQL_URL")


@pytest.fixture(params=["sqlite", "duckdb", "postgres", "mysql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: SQLite and DuckDB files, and the servers'."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'seed.db'}"
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'seed.duckdb'}"
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(request.getfixturevalue("mysql_url"))


_SERVER_FIXTURES = {"pg_url", "mysql_url"}


#: The longest test files, longest first (seconds on two cores at load 8, session 6):
#: with `--dist loadfile --no-loadscope-reorder` (scripts/test.sh) the workers take them
#: first, so no long file starts last while the other worker idles. The dump corpora's
#: first user (test_check_dumps) makes them while the other worker runs the kill test.
FIRST = (
    "tests/plan/test_sigkill.py",  # 95
    "tests/dryrun/test_check_dumps.py",  # 57
    "tests/adapters/test_loaders.py",  # 68
    "tests/dryrun/test_check_agrees.py",  # 56
    "tests/plan/test_sql_runs.py",  # 51
    "tests/test_pytest_plugin.py",  # 47
    "tests/dryrun/test_transpile_shapes.py",  # 43
    "tests/test_dump_corpus.py",  # 42
    "tests/portable/test_pg_dump_ported.py",  # 41
    "plugins/seedkit-faker/tests/test_faker_shop.py",  # 30
    "tests/test_dump_corpus_broken.py",  # 24
    "tests/plan/test_modes.py",  # 24
    "tests/test_action.py",  # 22
    "tests/plan/test_ddl_resume.py",  # 21
    "tests/test_history.py",  # 21
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test that reaches a database server `server`; put the longest files first."""
    rank = {path: number for number, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(FIRST)))
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("url") if callspec is not None else None
        fixtures = set(getattr(item, "fixturenames", ()))
        uses_url = "url" in fixtures and kind in ("postgres", "mysql")
        if fixtures & _SERVER_FIXTURES or uses_url:
            item.add_marker(pytest.mark.server)
