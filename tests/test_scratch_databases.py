"""ScratchDatabases: a PostgreSQL database a test is done with is emptied for the next
test only when it then reads exactly as a new one; anything else drops it, as MariaDB's
always are, and close() drops what is kept."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from conftest import _server_url

from seedkit.adapters.scratch import PostgresScratchReset
from seedkit.pytest_plugin import ScratchDatabases

pytestmark = pytest.mark.server  # both tests talk to a server directly


def _databases(server: str, prefix: str) -> list[str]:
    engine = sa.create_engine(server)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                query = "SELECT datname FROM pg_database WHERE left(datname, %s) = %s"
            else:
                query = "SELECT schema_name FROM information_schema.schemata WHERE left(schema_name, %s) = %s"
            return sorted(r[0] for r in conn.exec_driver_sql(query, (len(prefix), prefix)))
    finally:
        engine.dispose()


def _fingerprint(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return PostgresScratchReset().fingerprint(conn)
    finally:
        engine.dispose()


def test_a_used_postgres_database_is_emptied_and_given_again() -> None:
    server = _server_url("SEEDKIT_TEST_POSTGRES_URL")
    prefix = f"seedkit_scratch_{uuid.uuid4().hex[:8]}"  # other runs share the server
    with ScratchDatabases(prefix) as scratch:
        with scratch.database(server) as first:
            new = _fingerprint(first)
            engine = sa.create_engine(first)
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE t (id serial PRIMARY KEY, note text)")
                conn.exec_driver_sql("INSERT INTO t (note) VALUES ('x')")
                conn.exec_driver_sql("CREATE SCHEMA other")
                conn.exec_driver_sql("CREATE VIEW other.v AS SELECT 1 AS one")
                conn.exec_driver_sql("CREATE TYPE mood AS ENUM ('ok', 'not ok')")
                conn.exec_driver_sql("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'")
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgcrypto")
                conn.exec_driver_sql("CREATE TEMP TABLE scratch (a int)")
                conn.exec_driver_sql("COMMENT ON SCHEMA public IS 'changed'")
                name = sa.make_url(first).database
                conn.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET TimeZone = 'America/Lima'")
            left_open = engine.connect()  # a session the test forgot: ended, not waited on
            left_open.exec_driver_sql("SELECT 1")
        left_open.invalidate()  # ended by the server: dropped without a rollback
        with scratch.database(server) as second:
            assert second == first  # emptied and kept, not dropped
            assert _fingerprint(second) == new
            engine = sa.create_engine(second)
            with engine.connect() as conn:
                assert sa.inspect(conn).get_schema_names() == ["information_schema", "public"]
                assert conn.exec_driver_sql("SHOW TimeZone").scalar() != "America/Lima"
                # What the emptying does not undo: the database is dropped, not given again.
                conn.exec_driver_sql("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
                conn.commit()
            engine.dispose()
        assert _databases(server, prefix) == []
        with scratch.database(server) as third:
            assert third != first
            assert _databases(server, prefix) == [sa.make_url(third).database]
        assert _databases(server, prefix) == [sa.make_url(third).database]
    assert _databases(server, prefix) == []  # close() drops what was kept


def test_a_mariadb_database_is_dropped_after_each_use() -> None:
    server = _server_url("SEEDKIT_TEST_MYSQL_URL")
    prefix = f"seedkit_scratch_{uuid.uuid4().hex[:8]}"  # other runs share the server
    with ScratchDatabases(prefix) as scratch:
        with scratch.database(server) as first:
            assert _databases(server, prefix) == [sa.make_url(first).database]
        assert _databases(server, prefix) == []
