"""SQL steps find their own dependencies: the tables their statements read (sqlglot)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app
from seedkit.plan import sqlreads

DDL = (
    "CREATE TABLE venues (id integer PRIMARY KEY, name varchar(20) NOT NULL);\n"
    "CREATE TABLE events (id integer PRIMARY KEY,"
    " venue integer NOT NULL REFERENCES venues (id), seats integer NOT NULL);\n"
    "CREATE TABLE venue_stats (venue integer PRIMARY KEY, events integer NOT NULL,"
    " seats integer NOT NULL);\n"
    "CREATE TABLE audit (note varchar(40));\n"
)
STATS = (
    "-- per-venue totals, from the events another step loads\n"
    "INSERT INTO venue_stats (venue, events, seats)\n"
    "SELECT venue, count(*), sum(seats) FROM events GROUP BY venue;\n"
    "INSERT INTO audit VALUES ('stats built');\n"
)


def _seed(folder: Path, stats: str = STATS, extra: str = "") -> Path:
    (folder / "schema.sql").write_text(DDL)
    (folder / "stats.sql").write_text(stats)
    (folder / "events.csv").write_text("id,venue,seats\n1,1,100\n2,1,50\n3,2,20\n")
    manifest = folder / "seed.toml"
    # venue_stats comes first in the file and sorts last but one: only the graph orders it
    manifest.write_text(
        '[project]\nname = "venues"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.venue_stats]\nsql = "stats.sql"\n\n'
        '[steps.events]\ncsv = "events.csv"\n\n'
        '[steps.venues]\nrows = [{ id = 1, name = "Hall" }, { id = 2, name = "Barn" }]\n' + extra
    )
    return manifest


def test_a_sql_step_reading_another_steps_table_runs_after_it(url: str, tmp_path: Path) -> None:
    result = api.apply(_seed(tmp_path), url=url)
    assert [s.name for s in result.steps][1:] == ["venues", "events", "venue_stats"]
    assert [s.rows for s in result.steps][1:] == [2, 3, 3]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            got = conn.execute(sa.text("SELECT * FROM venue_stats ORDER BY venue")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [(1, 2, 150), (2, 1, 20)]


def test_plan_marks_reads_says_what_else_is_written_and_lists_unread_with_v(
    tmp_path: Path,
) -> None:
    manifest = _seed(tmp_path, STATS + "ALTER TABLE ONLY venue_stats OWNER TO bob;\n")
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["plan", "-m", str(manifest), "--format", "json"]).stdout)
    (stats,) = data["levels"][2]["steps"]
    assert stats["name"] == "venue_stats"
    assert stats["depends_on"] == [{"step": "events", "kind": "reads"}]
    assert stats["writes"] == ["audit"]
    assert [(u["line"], u["reason"]) for u in stats["unread"]] == [
        (5, "sqlglot cannot read `ALTER TABLE ONLY venue_stats …`")
    ]
    assert {"step": "venue_stats", "depends_on": "events", "kind": "reads"} in data["edges"]
    env = {"COLUMNS": "200"}
    text = runner.invoke(app, ["plan", "-m", str(manifest)], env=env).stdout
    assert "└── venue_stats → venue_stats  sql " in text
    assert "├── needs events (reads)\n" in text
    assert "├── writes audit too\n" in text
    assert "└── 1 statement not read for tables (plan -v lists them)\n" in text
    verbose = runner.invoke(app, ["plan", "-m", str(manifest), "-v"], env=env).stdout
    assert (
        f"└── not read for tables: {tmp_path / 'stats.sql'}:5 sqlglot cannot read "
        "`ALTER TABLE ONLY venue_stats …`\n"
    ) in verbose


def test_the_graph_draws_a_reads_edge(tmp_path: Path) -> None:
    text = api.graph(_seed(tmp_path))
    assert "    events -. reads .-> venue_stats\n" in text
    assert "    venues -. fk .-> events\n" in text
    assert '"events" -> "venue_stats" [style=dashed, label="reads"];' in api.graph(
        _seed(tmp_path), "dot"
    )


def test_plain_inserts_cost_no_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One statement may go through sqlglot: the plain inserts before it must not use it up.
    monkeypatch.setattr(sqlreads, "MAX_PARSED", 1)
    plain = "".join(f"INSERT INTO audit (note) VALUES ('n{i}; select');\n" for i in range(50))
    plan = api.validate(_seed(tmp_path, plain + STATS))
    assert [(e.on, e.kind) for e in plan.steps["venue_stats"].edges] == [("events", "reads")]
    assert plan.steps["venue_stats"].unread == ()


def test_reading_stops_after_the_budget_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlreads, "MAX_BYTES", 100)
    plain = "".join(f"INSERT INTO audit VALUES ('{i}');\n" for i in range(10))
    plan = api.validate(_seed(tmp_path, plain + STATS))
    step = plan.steps["venue_stats"]
    assert step.edges == ()  # the INSERT … SELECT lies beyond what was read
    (note,) = step.unread
    assert (note.line, note.reason.split(" (")[0]) == (
        5,
        "not read for dependencies from here on",
    )


def test_a_read_that_would_close_a_cycle_adds_no_edge(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, extra='depends_on = ["venue_stats"]\n')
    plan = api.validate(manifest)
    assert plan.levels == (("venue_stats",), ("venues",), ("events",))
    (note,) = plan.steps["venue_stats"].unread
    assert note.reason == (
        "reads events, which step `events` loads, but `events` already runs after "
        "`venue_stats`: no edge added"
    )


def test_infer_dependencies_false_reads_nothing(tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    text = manifest.read_text().replace(
        'ddl = ["schema.sql"]', 'ddl = ["schema.sql"]\ninfer_dependencies = false'
    )
    manifest.write_text(text)
    plan = api.validate(manifest)
    assert plan.steps["venue_stats"].edges == ()
