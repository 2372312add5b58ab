"""Fixtures for seedkit-faker's tests: fresh databases on the real servers, and a reader.

`SEEDKIT_TEST_POSTGRES_URL` and `SEEDKIT_TEST_MYSQL_URL` name server-level URLs; each
test asking for `pg_url` or `mysql_url` gets an empty database of its own.
Without the variable the test skips; with `SEEDKIT_REQUIRE_SERVERS=1` it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedkit.pytest_plugin import ScratchDatabases

#: seedkit's pytest plugin's factory, kept for the session (emptied between tests).
SCRATCH = ScratchDatabases(prefix="seedkit_faker")


def _fresh_database(variable: str) -> Iterator[str]:
    """An empty database of its own on the server the variable names."""
    server_url = os.environ.get(variable)
    if not server_url:
        if os.environ.get("SEEDKIT_REQUIRE_SERVERS") == "1":
            pytest.fail(f"{variable} is not set, and SEEDKIT_REQUIRE_SERVERS=1")
        pytest.skip(f"{variable} is not set")
    with SCRATCH.database(server_url) as url:
        yield url


def pytest_sessionfinish() -> None:
    """Drop the databases kept for another test."""
    SCRATCH.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database."""
    yield from _fresh_database("SEEDKIT_TEST_POSTGRES_URL")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A fresh MySQL/MariaDB database."""
    yield from _fresh_database("SEEDKIT_TEST_MYSQL_URL")


@pytest.fixture(params=["sqlite", "duckdb", "postgres", "mysql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'shop.duckdb'}"
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return request.getfixturevalue("mysql_url")
