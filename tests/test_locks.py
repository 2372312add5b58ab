"""Locks and crashes: two applies never interleave, a killed apply leaves nothing behind,
and a lock timeout names who holds the lock."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.locks import lock_key

ROWS = 200_000
SCHEMA = (
    "CREATE TABLE small (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE big (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "amount NUMERIC(10, 2));\n"
)
MANIFEST = (
    '[project]\nname = "big"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
    "[steps.small]\nrows = [{ id = 1 }]\n\n"
    '[steps.big]\ncsv = "big.csv"\ndepends_on = ["small"]\n'
)


@pytest.fixture(scope="module")
def big_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seed whose second step loads a 200,000-row CSV (made once for the module)."""
    folder = tmp_path_factory.mktemp("big")
    (folder / "schema.sql").write_text(SCHEMA)
    (folder / "seed.toml").write_text(MANIFEST)
    with (folder / "big.csv").open("w") as fh:
        fh.write("id,name,amount\n")
        fh.writelines(f"{i},name {i},{i % 1000}.25\n" for i in range(ROWS))
    return folder / "seed.toml"


def _seedkit(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "seedkit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _poll(engine: sa.Engine, sql: str, limit: float = 30.0) -> bool:
    """True once `sql` returns a row, checked every 20 ms for at most `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.exec_driver_sql(sql).first() is not None:
                return True
        time.sleep(0.02)
    return False


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_postgres_sigkill_mid_load_leaves_nothing_and_the_next_apply_succeeds(
    pg_url: str, big_seed: Path
) -> None:
    engine = sa.create_engine(pg_url)
    database = engine.url.database
    proc = _seedkit("apply", "-m", str(big_seed), "--url", pg_url)
    try:
        flowing = _poll(
            engine,
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'seedkit apply big' "
            f"AND datname = '{database}' "
            "AND (strpos(query, 'INSERT INTO big') = 1 OR strpos(query, 'COPY big') = 1)",
        )
        assert flowing, proc.communicate(timeout=60)
        assert proc.poll() is None, "the apply finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert _poll(  # the server notices the dead client and rolls back
            engine,
            f"SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND application_name = 'seedkit apply big')",
        )
        assert not {"small", "big", "seedkit_history"} & _tables(engine)

        result = CliRunner().invoke(app, ["apply", "-m", str(big_seed), "--url", pg_url])
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM big").scalar() == ROWS
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()


def test_postgres_two_applies_together_one_waits_and_each_row_lands_once(
    pg_url: str, big_seed: Path
) -> None:
    engine = sa.create_engine(pg_url)
    args = ("apply", "-m", str(big_seed), "--url", pg_url, "--format", "json")
    waiting = (
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "HAVING count(*) = 2"
    )
    # The test holds the project's lock until both applies wait for it, so they start
    # together however slowly a loaded machine starts processes; then they race for it.
    holder = engine.connect()
    holder.exec_driver_sql(f"SELECT pg_advisory_xact_lock({lock_key('big')})")
    first, second = _seedkit(*args), _seedkit(*args)
    try:
        waited = _poll(engine, waiting)
        holder.rollback()
        outputs = [p.communicate(timeout=120) for p in (first, second)]
    finally:
        holder.close()
        for p in (first, second):
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert waited, "the applies never waited for the lock"
    statuses = sorted(tuple(s["status"] for s in json.loads(out)["steps"]) for out, _ in outputs)
    assert statuses == [("applied",) * 3, ("skipped",) * 3]
    with engine.connect() as conn:
        count, distinct = conn.exec_driver_sql("SELECT count(*), count(DISTINCT id) FROM big").one()
        small = conn.exec_driver_sql("SELECT count(*) FROM small").scalar()
    engine.dispose()
    assert (count, distinct, small) == (ROWS, ROWS, 1)


def _small_seed(tmp_path: Path) -> Path:
    (tmp_path / "schema.sql").write_text("CREATE TABLE small (id INTEGER PRIMARY KEY);\n")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        '[project]\nname = "big"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        "[steps.small]\nrows = [{ id = 1 }]\n"
    )
    return manifest


def _timed_out(manifest: Path, url: str) -> str:
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", url, "--lock-timeout", "0.5"]
    )
    assert result.exit_code == 2, result.output
    return " ".join(result.output.split())


def test_postgres_lock_timeout_names_the_holder(pg_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql("SET application_name = 'holder-test'")
            holder.exec_driver_sql(f"SELECT pg_advisory_xact_lock({lock_key('big')})")
            pid = holder.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            out = _timed_out(_small_seed(tmp_path), pg_url)
            holder.rollback()
    finally:
        engine.dispose()
    assert "the lock of project `big`" in out and "after waiting 0.5s" in out
    assert f"held by pid {pid} (application 'holder-test')" in out
    assert f"pg_terminate_backend({pid})" in out


def test_mariadb_lock_timeout_names_the_holder(mysql_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(mysql_url)
    database = engine.url.database
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql(f"SELECT GET_LOCK('seedkit:{database}:big', 1)")
            conn_id = holder.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            out = _timed_out(_small_seed(tmp_path), mysql_url)
            holder.exec_driver_sql(f"SELECT RELEASE_LOCK('seedkit:{database}:big')")
    finally:
        engine.dispose()
    assert f"held by connection {conn_id} (root@" in out and f"KILL {conn_id}" in out
    result = CliRunner().invoke(
        app, ["apply", "-m", str(tmp_path / "seed.toml"), "--url", mysql_url]
    )
    assert result.exit_code == 0, result.output


def test_sqlite_lock_timeout_when_another_writer_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out = _timed_out(_small_seed(tmp_path), f"sqlite:///{db}")
    finally:
        holder.rollback()
        holder.close()
    assert "is locked by another connection after waiting 0.5s" in out


def test_duckdb_lock_timeout_names_the_process(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        out = _timed_out(_small_seed(tmp_path), f"duckdb:///{db}")
    finally:
        holder.kill()
        holder.wait()
    assert "is in use by another process after waiting 0.5s" in out
    assert f"PID {holder.pid}" in out
