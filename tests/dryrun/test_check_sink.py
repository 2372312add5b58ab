"""The dry run is the DuckDB adapter plus a problem sink: its statements go through the
executor and `Adapter.execute` (the `seedkit.sql` trace holds them at their place), its
policy only decides (it runs nothing itself), its flags claim no rollback, and its sink
records every refused statement of one run, in order, while the walk goes on."""

from __future__ import annotations

from pathlib import Path

from seedkit.adapters.trace import recording
from seedkit.dryrun.adapter import DryRunAdapter
from seedkit.dryrun.report import CheckReport
from seedkit.dryrun.run import run_check
from seedkit.dryrun.session import Session
from seedkit.dryrun.sink import DryRunSink, RefusedStatement
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.sources.base import LocatedStatement


def _seed(folder: Path, data: str) -> Path:
    (folder / "schema.sql").write_text(
        "CREATE TABLE colors (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);\n"
    )
    (folder / "colors.sql").write_text(data)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "sink"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.colors]\nsql = "colors.sql"\n'
    )
    return manifest


def test_a_check_sends_its_statements_through_adapter_execute_at_their_place(
    tmp_path: Path,
) -> None:
    manifest = _seed(
        tmp_path,
        "INSERT INTO colors VALUES (1, 'red'), (2, 'green');\n"
        "UPDATE colors SET name = upper(name) WHERE id = 2;\n",
    )
    with recording() as sent:
        report = run_check(manifest)
    assert report.problems == []
    executed = [t for t in sent if t.kind == "execute"]
    ddl = [t for t in executed if t.sql.upper().startswith("CREATE TABLE")]
    assert len(ddl) == 1
    assert ddl[0].location is not None and ddl[0].location.line == 1
    assert Path(str(ddl[0].location.file)).name == "schema.sql"
    update = [t for t in executed if t.sql.upper().startswith("UPDATE")]
    assert len(update) == 1
    assert update[0].location is not None and update[0].location.line == 2
    assert Path(str(update[0].location.file)).name == "colors.sql"
    # the literal INSERT, batched, and the checks' own queries go the same way
    assert any(t.sql.startswith('INSERT INTO "colors" VALUES (1, ') for t in executed)
    assert any("max(rowid)" in t.sql for t in executed)
    assert {t.kind for t in sent} <= {"execute", "sqlalchemy"}


def test_the_policy_decides_and_runs_nothing_itself(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "")
    plan = build_plan(load_manifest(manifest), check_sources=False)
    session = Session(plan, CheckReport("sink", "postgres"))
    try:
        stmt = LocatedStatement("CREATE TABLE later (id integer)", "x.sql", 1)
        sql = session.adapter.prepare_statement(stmt, "postgres")
        assert len(sql) == 1 and sql[0].upper().startswith("CREATE TABLE")
        assert session.scalar("SELECT count(*) FROM duckdb_tables()") == 0
        skipped = LocatedStatement("GRANT SELECT ON later TO someone", "x.sql", 2)
        assert session.adapter.prepare_statement(skipped, "postgres") == []
        assert [(f.line, f.action) for f in session.report.fidelity] == [(2, "skipped")]
    finally:
        session.close()


def test_the_dry_run_claims_no_rollback() -> None:
    assert DryRunAdapter.SUPPORTS_TRANSACTIONS is False
    assert DryRunAdapter.SUPPORTS_TRANSACTIONAL_DDL is False


def test_the_sink_records_each_refused_statement_in_order_and_the_walk_goes_on(
    tmp_path: Path,
) -> None:
    manifest = _seed(
        tmp_path,
        "INSERT INTO colors VALUES (1, 'red');\n"
        "UPDATE colors SET nope = 1;\n"
        "INSERT INTO colors VALUES (2, 'green');\n"
        "UPDATE colors SET name = NULL WHERE id = 2;\n"
        "INSERT INTO colors VALUES (3, 'blue');\n",
    )
    report = run_check(manifest)
    assert [(p.kind, Path(str(p.file)).name, p.line) for p in report.problems] == [
        ("sql", "colors.sql", 2),
        ("not_null", "colors.sql", 4),
    ]
    assert "nope" in report.problems[0].message
    assert [(s.name, s.status, s.rows, s.problems) for s in report.steps if s.name == "colors"] == [
        ("colors", "failed", 3, 2)
    ]
    assert (report.statements_read, report.statements_run) == (6, 4)


def test_the_sink_returns_after_recording_a_refusal_at_its_word(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, "")
    plan = build_plan(load_manifest(manifest), check_sources=False)
    session = Session(plan, CheckReport("sink", "postgres"))
    try:
        session.statement(LocatedStatement("CREATE TABLE t (id integer)", "x.sql", 1))
        stmt = LocatedStatement("ALTER TABLE t\n  ADD COLUMN id integer", "x.sql", 2)
        (sql,) = session.adapter.prepare_statement(stmt, "postgres")
        try:
            session.adapter.execute(session.conn, sql, location=stmt.location)
        except RefusedStatement as exc:
            assert DryRunSink(session).failed(exc, stmt, sql) is False
        assert [(p.kind, p.line) for p in session.report.problems] == [("sql", 2)]
    finally:
        session.close()


def test_the_adapter_runs_on_the_session_connection_and_reads_like_sqlalchemy(
    tmp_path: Path,
) -> None:
    manifest = _seed(tmp_path, "")
    plan = build_plan(load_manifest(manifest), check_sources=False)
    session = Session(plan, CheckReport("sink", "postgres"))
    adapter, conn = session.adapter, session.conn
    try:
        with recording() as sent:
            adapter.execute(conn, "CREATE TABLE t (id integer, name varchar)")
            adapter.execute(conn, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        assert [(t.kind, t.sql[:12]) for t in sent] == [
            ("execute", "CREATE TABLE"),
            ("execute", "INSERT INTO "),
        ]
        assert adapter.table_exists(conn, "t") and not adapter.table_exists(conn, "nope")
        read = "SELECT id FROM t ORDER BY id"
        assert adapter.execute(conn, read).scalar() == 1
        assert adapter.execute(conn, read).first() == (1,)
        assert [r[0] for r in adapter.execute(conn, read)] == [1, 2, 3]
        assert adapter.execute(conn, read).fetchmany(2) == [(1,), (2,)]
        assert adapter.execute(conn, "SELECT ? + 1", [41]).fetchall() == [(42,)]
        assert session.scalar("SELECT count(*) FROM t") == 3  # one database behind both
    finally:
        session.close()
