"""SIGKILL at random points of a multi-step apply leaves the database as it was, or fully
applied (issue 19, the fault test).

The real CLI (`python -m seedkit apply`) seeds the market example (a DDL file, then four
steps) into a database that already holds a table of its own. Each process is killed
with SIGKILL after a delay drawn by a seeded RNG from the span of a whole apply (measured
first), several processes at once on copies of the database. Then:

- PostgreSQL, SQLite, DuckDB (one transaction): the catalog and every row are exactly
  those from before the apply, or exactly those of a finished apply.
- MariaDB (a transaction per step): every step history records has all its rows, no
  unrecorded step has any, and the next apply completes with the finished contents.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from example import copy_example

KILLS = 20
#: Processes killed at once (each on a database of its own).
AT_ONCE = 5
ROOT = Path(__file__).resolve().parents[2]


def _apply(manifest: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "seedkit", "apply", "-m", str(manifest), "--url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )


def _snapshot(url: str) -> Any:
    """The catalog (tables, views, sequences, columns, indexes) and every row, sorted."""
    backend = sa.make_url(url).get_backend_name()
    if backend == "duckdb":
        import duckdb

        path = sa.make_url(url).database
        if not path or not Path(path).exists():
            return None
        with duckdb.connect(path, read_only=True) as conn:
            catalog = conn.execute(
                "SELECT 'table', table_name, sql FROM duckdb_tables() UNION ALL "
                "SELECT 'view', view_name, sql FROM duckdb_views() WHERE NOT internal UNION ALL "
                "SELECT 'index', index_name, sql FROM duckdb_indexes() UNION ALL "
                "SELECT 'sequence', sequence_name, '' FROM duckdb_sequences() ORDER BY 1, 2"
            ).fetchall()
            tables = [r[1] for r in catalog if r[0] == "table"]
            rows = {
                t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"').fetchall()))
                for t in tables
            }
        return catalog, rows
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if backend == "sqlite":
                catalog = conn.exec_driver_sql(
                    "SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2"
                ).fetchall()
                tables = [r[1] for r in catalog if r[0] == "table"]
            elif backend == "mysql":
                catalog = conn.exec_driver_sql(
                    "SELECT table_name, column_name, column_type FROM information_schema.columns "
                    "WHERE table_schema = DATABASE() ORDER BY 1, 2"
                ).fetchall()
                tables = sorted({r[0] for r in catalog})
            else:
                catalog = conn.exec_driver_sql(
                    "SELECT c.relkind::text, c.relname, coalesce(pg_get_indexdef(c.oid), '') "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' ORDER BY 1, 2"
                ).fetchall()
                catalog += conn.exec_driver_sql(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' ORDER BY 1, 2"
                ).fetchall()
                tables = [r[1] for r in catalog if r[0] == "r"]
            q = "`" if backend == "mysql" else '"'
            rows = {
                t: sorted(map(repr, conn.exec_driver_sql(f"SELECT * FROM {q}{t}{q}").fetchall()))
                for t in tables
            }
            return [tuple(r) for r in catalog], rows
    finally:
        engine.dispose()


def _without_history(snapshot: Any) -> Any:
    """A snapshot without the history table's rows (their times differ run to run)."""
    if snapshot is None:
        return None
    catalog, rows = snapshot
    return catalog, {t: r for t, r in rows.items() if t != "seedkit_history"}


def _prepare(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE keep (id integer PRIMARY KEY, note varchar(20))")
            conn.exec_driver_sql("INSERT INTO keep VALUES (1, 'mine'), (2, 'also mine')")
    finally:
        engine.dispose()


def _kill_at(manifest: Path, urls: list[str], delays: list[float]) -> list[int | None]:
    """Start one apply per URL at once, SIGKILL each after its delay; their exit codes
    (None when killed, else the code of an apply that finished first)."""
    started = time.perf_counter()
    procs = [_apply(manifest, u) for u in urls]
    codes: list[int | None] = [None] * len(procs)
    for index in sorted(range(len(procs)), key=lambda i: delays[i]):
        wait = delays[index] - (time.perf_counter() - started)
        if wait > 0:
            time.sleep(wait)
        proc = procs[index]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        codes[index] = None if proc.returncode == -signal.SIGKILL else proc.returncode
        if proc.stderr is not None:
            proc.stderr.close()
    return codes


def _full_run(manifest: Path, url: str) -> float:
    started = time.perf_counter()
    proc = _apply(manifest, url)
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    return time.perf_counter() - started


def _databases(
    kind: str, tmp_path: Path, server: str | None
) -> tuple[Callable[[str], str], Callable[[], None]]:
    """A factory of fresh databases holding `keep`, and a cleanup."""
    from conftest import SCRATCH

    made = ExitStack()

    def make(name: str) -> str:
        if kind in ("sqlite", "duckdb"):
            path = tmp_path / f"{name}.{kind}"
            url = f"{kind}:///{path}"
        else:
            assert server is not None
            url = made.enter_context(SCRATCH.database(server))
        _prepare(url)
        return url

    return make, made.close


def _server(kind: str) -> str | None:
    if kind in ("sqlite", "duckdb"):
        return None
    variable = "SEEDKIT_TEST_POSTGRES_URL" if kind == "postgres" else "SEEDKIT_TEST_MYSQL_URL"
    url = os.environ.get(variable)
    if not url:
        if os.environ.get("SEEDKIT_REQUIRE_SERVERS") == "1":
            pytest.fail(f"{variable} is not set, and SEEDKIT_REQUIRE_SERVERS=1")
        pytest.skip(f"{variable} is not set")
    if kind == "postgres":
        url = sa.make_url(url).set(database="postgres").render_as_string(hide_password=False)
    return url


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgres", "mysql"])
def test_sigkill_at_random_points(kind: str, tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    make, cleanup = _databases(kind, tmp_path, _server(kind))
    rng = random.Random(f"seedkit-sigkill-{kind}")
    try:
        before_url = make("before")
        before = _snapshot(before_url)
        done_url = make("done")
        span = _full_run(manifest, done_url)
        done = _without_history(_snapshot(done_url))
        killed = finished = 0
        for round_ in range(KILLS // AT_ONCE):
            urls = [make(f"r{round_}_{i}") for i in range(AT_ONCE)]
            delays = [rng.uniform(0.05, span) for _ in urls]
            codes = _kill_at(manifest, urls, delays)
            for url, code in zip(urls, codes, strict=True):
                killed += code is None
                finished += code == 0
                assert code in (None, 0), f"apply exited {code}"
                if kind == "mysql":
                    _check_resumes(manifest, url, done)
                    continue
                after = _snapshot(url)
                if code == 0 or after[0] != before[0]:
                    assert _without_history(after) == done, "neither as before nor applied"
                else:
                    assert after == before
        assert killed >= KILLS // 2, f"only {killed} of {KILLS} processes were killed"
    finally:
        cleanup()


def _check_resumes(manifest: Path, url: str, done: Any) -> None:
    """MariaDB: recorded steps hold all their rows, others none; the next apply completes."""
    engine = sa.create_engine(url)
    # Each step's rows in a finished apply (tickers.csv has a record over two lines: 6).
    expected = {step: len(done[1][step]) for step in ("exchanges", "sectors", "tickers", "rules")}
    assert expected == {"exchanges": 5, "sectors": 4, "tickers": 6, "rules": 3}
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            recorded: set[str] = set()
            if "seedkit_history" in names:
                recorded = {
                    r[0]
                    for r in conn.exec_driver_sql(
                        "SELECT name FROM seedkit_history WHERE kind = 'step'"
                    )
                }
            for step, count in expected.items():
                if step not in names:
                    assert step not in recorded
                    continue
                rows = conn.exec_driver_sql(f"SELECT count(*) FROM {step}").scalar()
                assert rows == (count if step in recorded else 0), (step, rows, recorded)
    finally:
        engine.dispose()
    proc = _apply(manifest, url)
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert _without_history(_snapshot(url)) == done
