"""SIGKILL at every phase of a multi-step apply leaves the database as it was, or fully
applied (issue 19, the fault test).

The real CLI (`python -m seedkit apply -v`) seeds the market example (a DDL file, then
four steps) into a database that already holds a table of its own. A first apply runs
to the end, and its `-v` trace (one record per statement, written before the statement
runs) is cut into phases: runs of statements on seedkit's history table (making it,
reading it, recording the DDL, its tables and each step) and runs of the apply's own work
(the DDL, each step's loading). Then an apply is killed with SIGKILL as it reaches the
first statement of each phase, and once more just after its last statement (its
COMMIT), several processes at once on copies of the database. Each kill point comes from
the trace, not from a clock, so every phase is hit however slowly the machine runs (the
random delays this test drew before spent many kills on the interpreter's start). Then:

- PostgreSQL, SQLite, DuckDB (one transaction): the catalog and every row are exactly
  those from before the apply, or exactly those of a finished apply.
- MariaDB (a transaction per step): every step history records has all its rows, no
  unrecorded step has any, and the next apply completes with the finished contents.
"""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import forked_cli
import pytest
import sqlalchemy as sa
from example import copy_example

#: Processes killed at once (each on a database of its own).
AT_ONCE = 5
#: The end of one statement's record in the `-v` trace (seedkit.adapters.trace).
RECORD = re.compile(r"  \[(?:execute|executemany|copy|raw|sqlalchemy)(?:, \d+ rows)?\]$")
#: A statement on seedkit's history table, in any database's quoting.
HISTORY = re.compile(r"\bseedkit_history\b")
#: After the last statement: the COMMIT (and a finished apply, if it is quicker).
AFTER_LAST = 0.02
ROOT = Path(__file__).resolve().parents[2]


class _Apply:
    """`seedkit apply -v` in a process of its own (forked_cli: forked with seedkit imported),
    its stderr read as it is written."""

    def __init__(self, manifest: Path, url: str) -> None:
        argv = ["apply", "-v", "-m", str(manifest), "--url", url]
        self.process, self.stderr = forked_cli.start(argv, ROOT)

    def kill(self) -> None:
        """SIGKILL, unless the apply has finished."""
        if self.process.exitcode is None:
            os.kill(self.process.pid, signal.SIGKILL)

    def wait(self) -> int:
        """The exit code (minus the signal when killed) once the process has ended."""
        self.process.join()
        self.stderr.close()
        assert self.process.exitcode is not None
        return self.process.exitcode


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


def _records(stderr: Any) -> Any:
    """Each statement's record in a `-v` trace, as the apply writes it."""
    lines: list[str] = []
    for raw in stderr:
        lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
        if RECORD.search(lines[-1]):
            yield "\n".join(lines)
            lines = []


def _kill_points(trace: list[str]) -> list[tuple[int, float]]:
    """(statements seen, then seconds) at which to kill: the first statement of each run
    of history statements or of work statements, and just after the last statement."""
    points = [
        (number, 0.0)
        for number, record in enumerate(trace, 1)
        if number == 1 or bool(HISTORY.search(record)) != bool(HISTORY.search(trace[number - 2]))
    ]
    return [*points, (len(trace), AFTER_LAST)]


def _kill_at(manifest: Path, urls: list[str], points: list[tuple[int, float]]) -> list[int | None]:
    """Start one apply per URL at once, SIGKILL each when its trace shows its point's
    statement (then waits its seconds); their exit codes (None when killed, else the
    code of an apply that finished first)."""
    applies = [_Apply(manifest, u) for u in urls]

    def watch(apply: _Apply, point: tuple[int, float]) -> None:
        seen, then = point
        records = _records(apply.stderr)
        for number, _ in enumerate(records, 1):
            if number == seen:
                break
        time.sleep(then)
        apply.kill()
        for _ in records:  # the rest, so a finishing apply never waits on a full pipe
            pass

    watchers = [
        threading.Thread(target=watch, args=(apply, point))
        for apply, point in zip(applies, points, strict=True)
    ]
    for watcher in watchers:
        watcher.start()
    codes: list[int | None] = []
    for apply, watcher in zip(applies, watchers, strict=True):
        watcher.join()
        code = apply.wait()
        codes.append(None if code == -signal.SIGKILL else code)
    return codes


def _full_run(manifest: Path, url: str) -> list[str]:
    """Apply to the end; its trace, one record per statement."""
    apply = _Apply(manifest, url)
    output = apply.stderr.read()
    assert apply.wait() == 0, output.decode("utf-8", "replace")[-3000:]
    return list(_records(io.BytesIO(output)))


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
def test_sigkill_at_every_phase(kind: str, tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    make, cleanup = _databases(kind, tmp_path, _server(kind))
    try:
        before_url = make("before")
        before = _snapshot(before_url)
        done_url = make("done")
        trace = _full_run(manifest, done_url)
        done = _without_history(_snapshot(done_url))
        points = _kill_points(trace)
        # every step's work and its history record, the DDL's and the history table's
        assert len(points) >= 12, trace
        killed = finished = 0
        for round_, first in enumerate(range(0, len(points), AT_ONCE)):
            batch = points[first : first + AT_ONCE]
            urls = [make(f"r{round_}_{i}") for i in range(len(batch))]
            codes = _kill_at(manifest, urls, batch)
            for url, code in zip(urls, codes, strict=True):
                killed += code is None
                finished += code == 0
                assert code in (None, 0), f"apply exited {code}"
                if kind == "mysql":
                    _check_recorded(url, done)
                    continue
                after = _snapshot(url)
                if code == 0 or after[0] != before[0]:
                    assert _without_history(after) == done, "neither as before nor applied"
                else:
                    assert after == before
            if kind == "mysql":  # the next apply completes, on every database of the round
                _resume_all(manifest, urls, done)
        assert killed >= len(points) // 2, f"only {killed} of {len(points)} processes were killed"
    finally:
        cleanup()


def _check_recorded(url: str, done: Any) -> None:
    """MariaDB: recorded steps hold all their rows, others none."""
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


def _resume_all(manifest: Path, urls: list[str], done: Any) -> None:
    """MariaDB: the next apply on each killed database completes with the finished
    contents (the applies run at once, each on its own database)."""
    applies = [_Apply(manifest, url) for url in urls]
    with ThreadPoolExecutor(len(applies)) as readers:  # no apply waits on a full pipe
        outputs = list(readers.map(lambda apply: apply.stderr.read(), applies))
    for apply, output in zip(applies, outputs, strict=True):
        assert apply.wait() == 0, output.decode("utf-8", "replace")[-3000:]
    for url in urls:
        assert _without_history(_snapshot(url)) == done
