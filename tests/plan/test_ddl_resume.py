"""MariaDB: an apply killed inside a DDL file (whose CREATEs commit by themselves) is
resumed by the next apply after what it committed (seedkit.plan.ddlprogress, issue 19)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from seedkit import api
from seedkit.errors import SeedkitError

ROOT = Path(__file__).resolve().parents[2]
# The DO sleeps while the table `slow` exists: the first apply is killed there, with `a`
# (and its row) and `b` committed, `b`'s row not yet written.
DDL = """SET @keep_session = 7;
CREATE TABLE a (id integer PRIMARY KEY, note varchar(20));
INSERT INTO a VALUES (1, 'first');
CREATE TABLE b (id integer PRIMARY KEY);
DO SLEEP((SELECT count(*) FROM information_schema.tables
          WHERE table_schema = DATABASE() AND table_name = 'slow') * 60);
INSERT INTO b VALUES (@keep_session);
CREATE TABLE c (id integer PRIMARY KEY, a_id integer REFERENCES a (id));
"""


def _seed(folder: Path, ddl: str = DDL) -> Path:
    (folder / "schema.sql").write_text(ddl)
    (folder / "c.csv").write_text("id,a_id\n1,1\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "resume"\nddl = ["schema.sql"]\n\n[steps.c]\ncsv = "c.csv"\n'
    )
    return manifest


def _run(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
    finally:
        engine.dispose()


def _kill_in_the_ddl(manifest: Path, url: str) -> None:
    """Start an apply and SIGKILL it once `b` exists (it then sleeps in the DO)."""
    _run(url, "CREATE TABLE slow (id integer)")
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedkit", "apply", "-m", str(manifest), "--url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        waited = 0.0
        while not _run(url, "SHOW TABLES LIKE 'b'"):
            assert proc.poll() is None and waited < 60, "the apply did not reach table b"
            time.sleep(0.2)
            waited += 0.2
        time.sleep(0.5)  # into the DO
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _run(url, "DROP TABLE slow")


def test_an_apply_killed_inside_the_ddl_resumes(mysql_url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    _kill_in_the_ddl(manifest, mysql_url)
    assert _run(mysql_url, "SELECT id FROM a") == [(1,)]
    assert _run(mysql_url, "SELECT id FROM b") == []
    result = api.apply(manifest, url=mysql_url)
    assert [s.status for s in result.steps] == ["applied", "applied"]
    assert _run(mysql_url, "SELECT id, note FROM a") == [(1, "first")]
    assert _run(mysql_url, "SELECT id FROM b") == [(7,)]  # the SET ran again before it
    assert _run(mysql_url, "SELECT id, a_id FROM c") == [(1, 1)]
    kinds = "SELECT kind, name FROM seedkit_history WHERE kind <> 'schema' ORDER BY 1, 2"
    assert _run(mysql_url, kinds) == [
        ("created", "TABLE:a"),
        ("created", "TABLE:b"),
        ("created", "TABLE:c"),
        ("ddl", "schema.sql"),
        ("step", "c"),
    ]
    assert [(Path(e.name).name, e.state) for e in api.status(manifest, url=mysql_url).entries] == [
        ("schema.sql", "applied"),
        ("c", "applied"),
    ]


def test_a_ddl_file_changed_after_a_kill_is_refused(mysql_url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    _kill_in_the_ddl(manifest, mysql_url)
    (tmp_path / "schema.sql").write_text(DDL.replace("varchar(20)", "varchar(30)"))
    try:
        api.apply(manifest, url=mysql_url)
    except SeedkitError as exc:
        assert exc.location is not None and exc.location.file == str(tmp_path / "schema.sql")
        assert "an apply stopped inside this DDL file" in exc.message
        assert exc.hint is not None and "seedkit apply --fresh" in exc.hint
    else:
        raise AssertionError("a changed DDL file was run again over what it left")
    api.apply(manifest, url=mysql_url, fresh=True)
    assert _run(mysql_url, "SELECT id FROM b") == [(7,)]
