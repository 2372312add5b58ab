"""Foreign keys enforced after the data (seedkit.plan.latekeys), on the real databases:
self-references in any order, cycles of foreign keys loaded as one group, a table filled
by two steps, and a row breaking a key named at its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from seedkit import api
from seedkit.errors import SeedkitError
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.plan.explain import explain

EMPLOYEES = (
    "CREATE TABLE employees (id INTEGER PRIMARY KEY, boss INTEGER,\n"
    "  FOREIGN KEY (boss) REFERENCES employees (id));\n"
)
# store.manager -> staff, staff.store -> store: a cycle of two tables.
STORE = (
    "CREATE TABLE store (id INTEGER PRIMARY KEY, manager INTEGER);\n"
    "CREATE TABLE staff (id INTEGER PRIMARY KEY, store INTEGER,\n"
    "  FOREIGN KEY (store) REFERENCES store (id));\n"
    "ALTER TABLE store ADD CONSTRAINT store_manager FOREIGN KEY (manager) REFERENCES staff (id);\n"
)
# SQLite cannot ALTER TABLE … ADD CONSTRAINT; it accepts a key to a table created later.
STORE_SQLITE = (
    "CREATE TABLE store (id INTEGER PRIMARY KEY, manager INTEGER,\n"
    "  FOREIGN KEY (manager) REFERENCES staff (id));\n"
    "CREATE TABLE staff (id INTEGER PRIMARY KEY, store INTEGER,\n"
    "  FOREIGN KEY (store) REFERENCES store (id));\n"
)
CYCLE3_SQLITE = (
    "CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER, FOREIGN KEY (b) REFERENCES b (id));\n"
    "CREATE TABLE b (id INTEGER PRIMARY KEY, c INTEGER, FOREIGN KEY (c) REFERENCES c (id));\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, FOREIGN KEY (a) REFERENCES a (id));\n"
)
CYCLE3 = (
    "CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER);\n"
    "CREATE TABLE b (id INTEGER PRIMARY KEY, c INTEGER);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, FOREIGN KEY (a) REFERENCES a (id));\n"
    "ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b) REFERENCES b (id);\n"
    "ALTER TABLE b ADD CONSTRAINT b_c FOREIGN KEY (c) REFERENCES c (id);\n"
)


def _seed(folder: Path, ddl: str, steps: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(ddl)
    for name, text in files.items():
        (folder / name).write_text(text)
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "late"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n' + steps
    )
    return manifest


def _kind(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _ddl(url: str, ddl: str) -> str:
    """The DDL as the target accepts it: SQLite's form of a cycle."""
    if _kind(url) != "sqlite":
        return ddl
    return {STORE: STORE_SQLITE, CYCLE3: CYCLE3_SQLITE}[ddl]


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql)).fetchall()]
    finally:
        engine.dispose()


def _refused(url: str, sql: str) -> None:
    """An application's statement breaking a key is refused after the apply."""
    engine = sa.create_engine(url)
    try:
        if _kind(url) == "sqlite":

            @sa.event.listens_for(engine, "connect")
            def _on(dbapi: object, _record: object) -> None:
                dbapi.execute("PRAGMA foreign_keys = ON")  # type: ignore[attr-defined]

        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def test_self_reference_children_before_parents(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        EMPLOYEES,
        '[steps.employees]\ncsv = "employees.csv"\n',
        {"employees.csv": "id,boss\n3,2\n2,1\n1,\n"},
    )
    if _kind(url) == "duckdb":  # checks each row as written: the row out of order is named
        with pytest.raises(SeedkitError) as caught:
            api.apply(manifest, url=url)
        assert caught.value.location is not None
        where = (caught.value.location.file, caught.value.location.line)
        assert where == (str(tmp_path / "employees.csv"), 2)
        assert "parents must come first there" in str(caught.value.hint)
        return
    api.apply(manifest, url=url)
    assert _rows(url, "SELECT id, boss FROM employees ORDER BY id") == [(1, None), (2, 1), (3, 2)]
    _refused(url, "INSERT INTO employees (id, boss) VALUES (9, 99)")


def test_two_tables_referencing_each_other(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        _ddl(url, STORE),
        '[steps.store]\ncsv = "store.csv"\n\n[steps.staff]\ncsv = "staff.csv"\n',
        {"store.csv": "id,manager\n1,10\n2,20\n", "staff.csv": "id,store\n10,1\n20,2\n30,1\n"},
    )
    plan = build_plan(load_manifest(manifest))
    assert plan.groups == (("staff", "store"),)
    if _kind(url) == "duckdb":  # cannot hold a cycle of keys: said before anything runs
        with pytest.raises(SeedkitError) as caught:
            api.apply(manifest, url=url)
        assert caught.value.message == "dependency cycle: staff -> store -> staff"
        assert "DuckDB checks each foreign key as its row is written" in str(caught.value.hint)
        assert not Path(url.split("///", 1)[1]).exists() or _rows(
            url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'store'"
        ) == [(0,)]
        return
    api.apply(manifest, url=url)
    assert _rows(url, "SELECT id, manager FROM store ORDER BY id") == [(1, 10), (2, 20)]
    assert _rows(url, "SELECT id, store FROM staff ORDER BY id") == [(10, 1), (20, 2), (30, 1)]
    _refused(url, "INSERT INTO staff (id, store) VALUES (40, 9)")
    _refused(url, "INSERT INTO store (id, manager) VALUES (3, 99)")


def test_a_table_filled_by_two_steps(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        EMPLOYEES,
        '[steps.bosses]\ntable = "employees"\ncsv = "bosses.csv"\n\n'
        '[steps.more]\ntable = "employees"\nrows = [{ id = 5, boss = 1 }, { id = 6, boss = 5 }]\n',
        {"bosses.csv": "id,boss\n1,\n2,6\n"},  # 2's boss comes from the other step
    )
    plan = build_plan(load_manifest(manifest))
    assert plan.edges == () and plan.groups == ()
    if _kind(url) == "duckdb":  # row 2 of bosses.csv names a boss the next step writes
        with pytest.raises(SeedkitError) as caught:
            api.apply(manifest, url=url)
        assert caught.value.location is not None
        where = (caught.value.location.file, caught.value.location.line)
        assert where == (str(tmp_path / "bosses.csv"), 3)
        return
    api.apply(manifest, url=url)
    assert _rows(url, "SELECT id, boss FROM employees ORDER BY id") == [
        (1, None),
        (2, 6),
        (5, 1),
        (6, 5),
    ]


def test_a_three_table_cycle(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        _ddl(url, CYCLE3),
        '[steps.a]\ncsv = "a.csv"\n\n[steps.b]\ncsv = "b.csv"\n\n[steps.c]\ncsv = "c.csv"\n',
        {"a.csv": "id,b\n1,1\n", "b.csv": "id,c\n1,1\n", "c.csv": "id,a\n1,1\n"},
    )
    plan = build_plan(load_manifest(manifest))
    assert plan.groups == (("a", "b", "c"),)
    assert plan.levels == (("a", "b", "c"),)
    data = explain(plan)
    assert data["groups"] == [
        {
            "steps": ["a", "b", "c"],
            "keys_after": ["a (b) -> b (id)", "b (c) -> c (id)", "c (a) -> a (id)"],
        }
    ]
    if _kind(url) == "duckdb":
        with pytest.raises(SeedkitError) as caught:
            api.apply(manifest, url=url)
        assert caught.value.message == "dependency cycle: a -> b -> c -> a"
        return
    api.apply(manifest, url=url)
    assert _rows(url, "SELECT id, b FROM a") == [(1, 1)]
    _refused(url, "INSERT INTO c (id, a) VALUES (2, 7)")


def test_a_row_breaking_a_key_is_named_at_its_row(url: str, tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        _ddl(url, STORE),
        '[steps.store]\ncsv = "store.csv"\n\n[steps.staff]\ncsv = "staff.csv"\n',
        {"store.csv": "id,manager\n1,10\n2,20\n", "staff.csv": "id,store\n10,1\n20,7\n"},
    )
    if _kind(url) == "duckdb":
        return  # DuckDB cannot declare this cycle (see the test above)
    with pytest.raises(SeedkitError) as caught:
        api.apply(manifest, url=url)
    error = caught.value
    assert error.location is not None
    assert (error.location.file, error.location.line) == (str(tmp_path / "staff.csv"), 3)
    assert error.message == "foreign key staff (store) -> store (id): store = 7 has no row in store"
    tables = _rows(url, "SELECT 1") and sa.inspect(sa.create_engine(url)).get_table_names()
    if "staff" in tables:  # MariaDB commits its DDL: the group's rows were rolled back
        assert _rows(url, "SELECT count(*) FROM staff") == [(0,)]
        assert _rows(url, "SELECT count(*) FROM store") == [(0,)]
    else:
        assert _kind(url) != "mysql"


def _check(manifest: Path) -> list[tuple[str | None, int | None, str]]:
    report = api.check(manifest)
    return [(p.file, p.line, p.message) for p in report.problems]


def test_check_loads_a_group_and_a_self_reference_in_any_order(tmp_path: Path) -> None:
    cycle = _seed(
        tmp_path / "cycle",
        STORE,
        '[steps.store]\ncsv = "store.csv"\n\n[steps.staff]\ncsv = "staff.csv"\n',
        {"store.csv": "id,manager\n1,10\n2,20\n", "staff.csv": "id,store\n10,1\n20,2\n"},
    )
    assert _check(cycle) == []
    employees = _seed(
        tmp_path / "self",
        EMPLOYEES,
        '[steps.bosses]\ntable = "employees"\ncsv = "bosses.csv"\n\n'
        '[steps.more]\ntable = "employees"\nsql = "more.sql"\n',
        {
            "bosses.csv": "id,boss\n1,\n2,6\n",
            "more.sql": "INSERT INTO employees VALUES (6, 5);\nINSERT INTO employees VALUES (5, 1);\n",
        },
    )
    assert _check(employees) == []


def test_check_names_a_row_breaking_a_key_of_a_group(tmp_path: Path) -> None:
    manifest = _seed(
        tmp_path,
        STORE,
        '[steps.store]\ncsv = "store.csv"\n\n[steps.staff]\ncsv = "staff.csv"\n',
        {"store.csv": "id,manager\n1,10\n2,20\n", "staff.csv": "id,store\n10,1\n20,7\n"},
    )
    assert _check(manifest) == [
        (
            str(tmp_path / "staff.csv"),
            3,
            "foreign key of `staff`: store = 7 has no row in `store` (id)",
        )
    ]


def test_plan_and_graph_show_the_group_and_its_keys(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from seedkit.cli import app

    manifest = _seed(
        tmp_path,
        STORE,
        '[steps.store]\ncsv = "store.csv"\n\n[steps.staff]\ncsv = "staff.csv"\n',
        {"store.csv": "id,manager\n1,10\n", "staff.csv": "id,store\n10,1\n"},
    )
    url = f"sqlite:///{tmp_path / 'x.db'}"
    shown = CliRunner().invoke(app, ["plan", "-m", str(manifest), "--url", url])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "group (a cycle of foreign keys, loaded together): staff, store" in text
    assert "foreign key staff (store) -> store (id) checked after the group's data" in text
    assert "foreign key store (manager) -> staff (id) checked after the group's data" in text
    assert "keys after the data: PRAGMA defer_foreign_keys = ON" in text
    drawn = CliRunner().invoke(app, ["graph", "-m", str(manifest)])
    assert drawn.exit_code == 0, drawn.output
    assert "    %% group 1: staff, store loaded together\n" in drawn.output
    assert (
        "    %% foreign key checked after the data: staff (store) -> store (id)\n" in drawn.output
    )
    assert 'staff["staff<br/>csv, insert → staff<br/>group 1"]' in drawn.output
