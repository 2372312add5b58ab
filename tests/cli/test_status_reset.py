"""`seedkit status`, `seedkit reset` and `apply --fresh` on all four databases."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from example import EXPECTED, ROOT, copy_example, read_table, table_names
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.errors import display_path

MANIFEST = ROOT / "manifests" / "market" / "seed.toml"
SEEDED = {"exchanges", "sectors", "tickers", "rules"}


def _ok(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def _status(url: str, manifest: Path = MANIFEST) -> dict:
    return json.loads(_ok("status", "-m", str(manifest), "--url", url, "--format", "json"))


def test_status_reset_and_fresh(url: str) -> None:
    before = _status(url)
    assert before["exists"] is False
    assert [e["state"] for e in before["entries"]] == ["pending"] * 5

    _ok("apply", "-m", str(MANIFEST), "--url", url)
    status = _status(url)
    assert status["exists"] is True
    assert [(e["kind"], e["name"], e["state"], e["rows"]) for e in status["entries"]] == [
        # named as plan and apply name it: from the working folder
        ("ddl", display_path(ROOT / "data" / "market" / "schema.sql"), "applied", 0),
        ("step", "exchanges", "applied", 5),
        ("step", "sectors", "applied", 4),
        ("step", "tickers", "applied", 6),
        ("step", "rules", "applied", 3),
    ]
    text = _ok("status", "-m", str(MANIFEST), "--url", url)
    assert "history of market" in text and "tickers" in text

    out = _ok("reset", "-m", str(MANIFEST), "--url", url, "--yes")
    assert out.index("dropped table rules") < out.index("dropped table tickers")
    assert out.index("dropped table tickers") < out.index("dropped table exchanges")
    assert "forgot 5 history rows" in out
    assert not (SEEDED | {"seedkit_history"}) & table_names(url)
    assert _status(url)["exists"] is False

    _ok("apply", "-m", str(MANIFEST), "--url", url)
    out = _ok("apply", "-m", str(MANIFEST), "--url", url, "--fresh", "--yes", "--format", "json")
    data = json.loads(out)
    assert data["dropped"] == [
        "table rules",
        "table tickers",
        "table sectors",
        "table exchanges",
    ]
    assert [s["status"] for s in data["steps"]] == ["applied"] * 5
    for table, rows in EXPECTED.items():
        assert read_table(url, MANIFEST, table) == rows, table
    assert [e["state"] for e in _status(url)["entries"]] == ["applied"] * 5


def test_status_marks_a_changed_step(tmp_path: Path) -> None:
    manifest = copy_example(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _ok("apply", "-m", str(manifest), "--url", url)
    csv = tmp_path / "data" / "market" / "tickers.csv"
    csv.write_text(csv.read_text().replace("Apple Inc.", "Apple"))
    states = {e["name"]: e["state"] for e in _status(url, manifest)["entries"]}
    assert states["tickers"] == "changed"
    assert states["exchanges"] == "applied"


def test_reset_asks_first_and_keeps_everything_on_no(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _ok("apply", "-m", str(MANIFEST), "--url", url)
    result = CliRunner().invoke(app, ["reset", "-m", str(MANIFEST), "--url", url], input="n\n")
    assert result.exit_code == 2
    assert "table rules" in result.output and "Drop them?" in result.output
    assert SEEDED | {"seedkit_history"} <= table_names(url)
    result = CliRunner().invoke(app, ["reset", "-m", str(MANIFEST), "--url", url], input="y\n")
    assert result.exit_code == 0, result.output
    assert not SEEDED & table_names(url)


def test_reset_without_ddl_empties_the_step_tables(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))"
        )
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "nd"\n\n[steps.parent]\nrows = [{ id = 1 }, { id = 2 }]\n\n'
        "[steps.child]\nrows = [{ id = 1, parent_id = 2 }]\n"
    )
    url = f"sqlite:///{db}"
    _ok("apply", "-m", str(tmp_path / "seed.toml"), "--url", url)
    out = _ok("reset", "-m", str(tmp_path / "seed.toml"), "--url", url, "--yes")
    assert out.index("rows of child") < out.index("rows of parent")
    with engine.connect() as conn:
        counts = [
            conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in ("parent", "child")
        ]
    engine.dispose()
    assert counts == [0, 0]
    assert table_names(url) == {"parent", "child"}


PG_DDL = """
CREATE SCHEMA mk;
CREATE SEQUENCE mk.ids;
CREATE TYPE mk.mood AS ENUM ('ok', 'sad');
CREATE TABLE mk.b (id INTEGER PRIMARY KEY, a_id INTEGER, mood mk.mood);
CREATE TABLE mk.a (id INTEGER PRIMARY KEY DEFAULT nextval('mk.ids'));
ALTER TABLE mk.b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES mk.a (id);
CREATE INDEX b_a ON mk.b (a_id);
CREATE VIEW mk.v AS SELECT b.id, a.id AS a_id FROM mk.b b JOIN mk.a a ON a.id = b.a_id;
"""


def test_postgres_reset_drops_views_tables_sequences_types_and_schemas(
    pg_url: str, tmp_path: Path
) -> None:
    (tmp_path / "schema.sql").write_text(PG_DDL)
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "mk"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.a]\ntable = "mk.a"\nrows = [{ id = 1 }]\n\n'
        '[steps.b]\ntable = "mk.b"\nrows = [{ id = 1, a_id = 1, mood = "ok" }]\n'
    )
    manifest = str(tmp_path / "seed.toml")
    _ok("apply", "-m", manifest, "--url", pg_url)
    out = _ok("reset", "-m", manifest, "--url", pg_url, "--yes")
    order = [
        "view mk.v",
        "table mk.b",
        "table mk.a",
        "type mk.mood",
        "sequence mk.ids",
        "schema mk",
    ]
    positions = [out.index(f"dropped {name}") for name in order]
    assert positions == sorted(positions)
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        left = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'mk'"
        ).scalar()
    engine.dispose()
    assert left == 0
    _ok("apply", "-m", manifest, "--url", pg_url)  # and it seeds again from nothing
