"""MySQL/MariaDB batches sent on a thread of their own (seedkit.adapters.mysql_batches):
the queries go on that thread, in order, and a statement that fails there is still the
error the apply reports, at its own line, however far the apply's thread read on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.adapters import mysql_batches, open_adapter
from seedkit.cli import app
from seedkit.errors import ApplyError
from seedkit.sources.base import LocatedStatement
from seedkit.sqltext import runs

DDL = "CREATE TABLE items (id BIGINT PRIMARY KEY, txt TEXT);\n"


def write_seed(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(DDL)
    (folder / "items.sql").write_text("-- items\n" + "\n".join(lines) + "\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "sender"\nddl = ["schema.sql"]\n\n[steps.items]\nsql = "items.sql"\n'
    )
    return manifest


def apply(manifest: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, result.stderr


def ids(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT id FROM items ORDER BY id")]
    finally:
        engine.dispose()


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[tuple[threading.Thread, float]]:
    """Each query the sender sends: the thread it was sent on, after a pause that lets the
    apply's thread read on (as a busy server would)."""
    seen: list[tuple[threading.Thread, float]] = []
    real = mysql_batches.Sender._send

    def slow(self, text, statements):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        seen.append((threading.current_thread(), time.monotonic()))
        real(self, text, statements)

    monkeypatch.setattr(mysql_batches.Sender, "_send", slow)
    monkeypatch.setattr(runs, "RUN_STATEMENTS", 10)
    return seen


def test_runs_are_sent_on_a_thread_in_order(
    mysql_url: str, tmp_path: Path, sends: list[tuple[threading.Thread, float]]
) -> None:
    lines = [f"INSERT INTO items VALUES ({i}, 't{i}');" for i in range(1, 101)]
    lines.insert(30, "UPDATE items SET txt = 'u' WHERE id = 1;")  # ends a run, batched
    lines.insert(60, "SELECT count(*) FROM items;")  # sent alone, after the thread's work
    code, err = apply(write_seed(tmp_path / "seed", lines), mysql_url)
    assert code == 0, err
    assert ids(mysql_url) == list(range(1, 101))
    assert len(sends) >= 10
    (thread,) = {thread for thread, _ in sends}  # one thread for the step, not one a flush
    assert thread.name == "seedkit-mysql" and not thread.is_alive()  # ended by close


def test_a_failure_on_the_thread_is_raised_by_close(
    mysql_url: str, sends: list[tuple[threading.Thread, float]]
) -> None:
    """The apply's thread fails for a reason of its own while the thread still sends the
    statements before, which fail: closing the batcher raises the statement's error (it
    comes first in the file; one by one it would have stopped the apply), at its line."""
    target = open_adapter(mysql_url)
    try:
        with target.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE items (id BIGINT PRIMARY KEY, txt TEXT)")
            batch = target.batcher(conn)
            for line, key in enumerate([1, 2, 2, 3], start=1):
                sql = f"INSERT INTO items VALUES ({key}, 't')"
                assert batch.add(sql, LocatedStatement(sql, "f.sql", line))
            batch._submit_pending()  # type: ignore[attr-defined]
            assert sends == []  # still on its way (the apply's thread fails now)
            with pytest.raises(ApplyError) as caught:
                batch.close()
            assert str(caught.value.location) == "f.sql:3:1"
            assert "Duplicate" in str(caught.value)
            batch.close()  # raised once
            conn.rollback()
    finally:
        target.engine.dispose()


def test_after_a_failure_the_apply_stops_reading_soon(
    mysql_url: str,
    tmp_path: Path,
    sends: list[tuple[threading.Thread, float]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A statement failing in the first run stops the apply at the next run it hands on,
    not once the whole file is read: no query after the failed one is sent."""
    lines = [f"INSERT INTO items VALUES ({i}, 't{i}');" for i in range(1, 2001)]
    lines[3] = "INSERT INTO items VALUES (1, 'again');"  # line 5
    handed: list[int] = []
    real = mysql_batches.MysqlBatcher.add_run

    def counting(self, run, head, ported):  # type: ignore[no-untyped-def]
        handed.append(run.run.count)
        return real(self, run, head, ported)

    monkeypatch.setattr(mysql_batches.MysqlBatcher, "add_run", counting)
    code, err = apply(write_seed(tmp_path / "seed", lines), mysql_url)
    assert code == 1
    assert err.startswith(f"error: {tmp_path / 'seed' / 'items.sql'}:5:1"), err
    assert len(sends) == 1  # the failed query: those queued behind it are dropped
    assert len(handed) <= 5  # of 200 runs: queued (two at most), then the error
    assert ids(mysql_url) == []
