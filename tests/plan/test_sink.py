"""The executor raises a refused statement or hands it to a sink (seedkit.plan.sink): an
apply's sink raises the first error at its place and nothing is applied; a sink that
records gets every refused statement of the walk, in order, each at its own line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from seedkit.adapters import open_adapter
from seedkit.errors import ApplyError
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.plan.executor import Executor
from seedkit.plan.sink import ApplySink
from seedkit.sources.base import LocatedStatement


def _seed(folder: Path) -> Path:
    (folder / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n")
    (folder / "views.sql").write_text(
        "CREATE VIEW fine AS SELECT id FROM t;\n"
        "CREATE INDEX first_bad ON t (nope);\n"
        "CREATE VIEW also_fine AS SELECT v FROM t;\n"
        "CREATE INDEX second_bad ON t (nada);\n"
    )
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "sink"\nddl = ["schema.sql"]\n\n[steps.views]\nsql = "views.sql"\n'
    )
    return manifest


class _Recording:
    """A sink that records each refused statement and lets the walk go on."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, int | None, str]] = []

    def failed(self, error: ApplyError, stmt: LocatedStatement, sql: str) -> bool:
        assert error.location is not None
        self.errors.append((Path(str(error.location.file)).name, error.location.line, sql))
        return False


def test_the_apply_sink_raises_the_first_refused_statement_at_its_line(tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    plan = build_plan(load_manifest(manifest))
    target = open_adapter(f"sqlite:///{tmp_path / 'seed.db'}")
    try:
        with pytest.raises(ApplyError) as caught:
            Executor(plan, target).run()
    finally:
        target.dispose()
    assert caught.value.location is not None
    assert Path(str(caught.value.location.file)).name == "views.sql"
    assert caught.value.location.line == 2
    assert "nope" in caught.value.message
    with sqlite3.connect(tmp_path / "seed.db") as db:  # rolled back: nothing applied
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall() == []


def test_apply_sink_raises_the_error_it_is_given() -> None:
    error = ApplyError("refused")
    stmt = LocatedStatement("CREATE VIEW v AS SELECT 1", "x.sql", 3)
    with pytest.raises(ApplyError) as caught:
        ApplySink(plan=None).failed(error, stmt, stmt.sql)  # type: ignore[arg-type]
    assert caught.value is error


def test_a_recording_sink_gets_every_refused_statement_in_order(tmp_path: Path) -> None:
    manifest = _seed(tmp_path)
    plan = build_plan(load_manifest(manifest))
    sink = _Recording()
    target = open_adapter(f"sqlite:///{tmp_path / 'seed.db'}")
    try:
        Executor(plan, target, sink=sink).run()
    finally:
        target.dispose()
    assert [(file, line) for file, line, _ in sink.errors] == [
        ("views.sql", 2),
        ("views.sql", 4),
    ]
    assert sink.errors[0][2].startswith("CREATE INDEX first_bad")
    with sqlite3.connect(tmp_path / "seed.db") as db:  # the walk went on past each error
        views = db.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        assert [name for (name,) in views] == ["also_fine", "fine"]
