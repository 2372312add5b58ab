"""User mistakes are one located message with exit 1 or 2, never "unexpected" (issue 19,
item 10): an unknown dialect, a bad history_table, CSV option errors, --lock-timeout nan,
a MySQL URL without a database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedkit.cli import app

DDL = "CREATE TABLE t (id integer PRIMARY KEY, v varchar(5));\n"


def _seed(tmp_path: Path, project: str = "", step: str = 'csv = "t.csv"', extra: str = "") -> Path:
    (tmp_path / "schema.sql").write_text(DDL, encoding="utf-8")
    (tmp_path / "t.csv").write_text("id,v\n1,a\n", encoding="utf-8")
    manifest = tmp_path / "seed.toml"
    manifest.write_text(
        f'[project]\nname = "um"\nddl = ["schema.sql"]\n{project}\n\n[steps.t]\n{step}\n{extra}',
        encoding="utf-8",
    )
    return manifest


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    out = result.stdout + result.stderr
    assert "unexpected" not in out and "Traceback" not in out, out
    return result.exit_code, out


def test_an_unknown_dialect_says_which_one_was_meant(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, 'dialect = "postgress"')
    for command in ("validate", "check", "plan"):
        code, out = _run(command, "-m", str(manifest))
        assert code == 2
        assert "seed.toml:4:1 [project.dialect]: unknown dialect `postgress`" in out
        assert "did you mean `postgres`?" in out


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("x.hist", "history_table `x.hist` must be a plain table name (no schema, no dot)"),
        ("T", "history_table `T` is a table this seed creates or loads"),
    ],
)
def test_a_history_table_the_seed_cannot_use(tmp_path: Path, table: str, message: str) -> None:
    manifest = _seed(tmp_path, f'history_table = "{table}"')
    code, out = _run("validate", "-m", str(manifest))
    assert code == 2
    assert f"seed.toml:4:1 [project.history_table]: {message}" in out


def test_a_history_table_naming_another_table_of_the_target(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, 'history_table = "other"')
    path = tmp_path / "x.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE other (a int)")
    conn.close()
    for command in ("apply", "status"):
        code, out = _run(command, "-m", str(manifest), "--url", f"sqlite:///{path}")
        assert code == 2
        assert "[project.history_table]: table `other` on sqlite:///" in out
        assert "is not a seedkit history table" in out


@pytest.mark.parametrize(
    ("step", "extra", "where", "message"),
    [
        (
            'csv = { path = "t.csv", delimiter = ";;" }',
            "",
            "seed.toml:7:25 [steps.t.csv.delimiter]",
            "csv `delimiter` must be one character other than a newline, not ';;'",
        ),
        (
            'csv = { path = "t.csv", quote = "" }',
            "",
            "seed.toml:7:25 [steps.t.csv.quote]",
            "csv `quote` must be one character other than a newline, not ''",
        ),
        (
            'csv = "t.csv"',
            '\n[defaults]\ncsv = { delimiter = "\\"" }\n',
            "seed.toml:10:9 [defaults.csv.delimiter]",
            "csv `delimiter` must differ from the quote and escape characters",
        ),
    ],
)
def test_csv_option_errors_name_their_key(
    tmp_path: Path, step: str, extra: str, where: str, message: str
) -> None:
    manifest = _seed(tmp_path, step=step, extra=extra)
    code, out = _run("validate", "-m", str(manifest))
    assert code == 2
    assert f"{where}: {message}" in out


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_lock_timeout_that_is_not_a_number_of_seconds(tmp_path: Path, value: str) -> None:
    manifest = _seed(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for command in (["apply"], ["reset", "--yes"]):
        code, out = _run(*command, "-m", str(manifest), "--url", url, f"--lock-timeout={value}")
        assert code == 2
        assert f"--lock-timeout must be a number of seconds, 0 or more, not {float(value)}" in out
    assert not (tmp_path / "x.db").exists()


def test_a_mysql_url_without_a_database(tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    code, out = _run("apply", "-m", str(manifest), "--url", "mysql+pymysql://root@127.0.0.1:1/")
    assert code == 2
    assert "mysql+pymysql://root@127.0.0.1:1/ names no database" in out


def test_a_connection_the_server_terminates_mid_apply(pg_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    import sqlalchemy as sa

    manifest = _seed(tmp_path, step='sql = "a.sql"')
    (tmp_path / "a.sql").write_text(
        "INSERT INTO t VALUES (1, 'a');\nSELECT pg_sleep(30);\nINSERT INTO t VALUES (2, 'b');\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedkit", "apply", "-m", str(manifest), "--url", pg_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = sa.make_url(pg_url).database
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + 60
        terminated = False
        while not terminated and time.monotonic() < deadline and proc.poll() is None:
            with admin.connect() as conn:
                terminated = bool(
                    conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND query LIKE 'SELECT pg_sleep%%'",
                        (database,),
                    ).fetchall()
                )
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
        assert terminated
        assert proc.returncode == 2, err
        assert "unexpected" not in err and "Traceback" not in err
        assert "a.sql:2:1: the connection to postgresql+psycopg://" in err
        assert "was lost: terminating connection due to administrator command" in err
        assert "nothing was applied" in err
        with admin.connect() as conn:
            assert not sa.inspect(conn).has_table("t")
    finally:
        admin.dispose()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("mode", ["insert", "mirror"])
def test_a_full_disk_is_named_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """SQLite's `database or disk is full` (here: a page limit on every connection), not
    the `no such savepoint` that followed it, and no file left behind."""
    import sqlalchemy as sa

    from seedkit import api
    from seedkit.errors import TargetError

    manifest = _seed(tmp_path, step=f'csv = "t.csv"\nmode = "{mode}"')
    rows = "".join(f"{i},{'x' * 4}\n" for i in range(30000))
    (tmp_path / "t.csv").write_text("id,v\n" + rows, encoding="utf-8")

    def limit(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 40")  # type: ignore[attr-defined]

    sa.event.listen(sa.pool.Pool, "connect", limit)
    try:
        with pytest.raises(TargetError) as caught:
            api.apply(manifest, url=f"sqlite:///{tmp_path / 'x.db'}")
    finally:
        sa.event.remove(sa.pool.Pool, "connect", limit)
    assert "database or disk is full" in caught.value.message
    assert "savepoint" not in caught.value.message
    assert caught.value.hint is not None and caught.value.hint.startswith("free space")
    assert not (tmp_path / "x.db").exists()
