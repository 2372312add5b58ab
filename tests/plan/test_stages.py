"""The plan resolved to stages (issue 12): frozen data, one vocabulary for every walker.

`resolve(plan, history, capabilities)` takes the apply's decisions before anything runs;
the executor, `plan --url` (the diff) and `status` walk the same stages, so what each of
them says about a DDL file or step is the same state.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.history import HistoryRow, ddl_name, step_fingerprint
from seedkit.manifest import load_manifest
from seedkit.plan.builder import build_plan
from seedkit.plan.stages import (
    BuildIndex,
    Capabilities,
    KeysAfterData,
    LoadRows,
    Removed,
    RunDdl,
    RunSql,
    Skip,
    StopAtDdl,
    resolve,
)
from seedkit.plan.status import WORDS

SCHEMA = """CREATE TABLE colors (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);
CREATE TABLE shades (id INTEGER PRIMARY KEY, color_id INTEGER REFERENCES colors (id),
                     parent_id INTEGER REFERENCES shades (id), label VARCHAR(20));
CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(40));
CREATE INDEX notes_body ON notes (body);
"""


def _seed(root: Path) -> Path:
    (root / "schema.sql").write_text(SCHEMA)
    (root / "colors.csv").write_text("id,name\n1,red\n2,blue\n")
    (root / "shades.sql").write_text(
        "INSERT INTO shades (id, color_id, parent_id, label) VALUES (1, 1, NULL, 'dark');\n"
        "INSERT INTO shades (id, color_id, parent_id, label) VALUES (2, 1, 1, 'darker');\n"
    )
    manifest = root / "seed.toml"
    manifest.write_text(
        '[project]\nname = "paint"\nddl = ["schema.sql"]\n\n'
        '[steps.colors]\ncsv = "colors.csv"\nmode = "upsert"\n\n'
        '[steps.shades]\nsql = "shades.sql"\ndepends_on = ["colors"]\n\n'
        '[steps.notes]\nrows = [{ id = 1, body = "mix well" }]\n'
    )
    return manifest


def _row(kind: str, name: str, fingerprint: str) -> HistoryRow:
    return HistoryRow("paint", kind, name, fingerprint, 2, "0", "2026-01-01T00:00:00Z", 0.1)


def test_a_new_target_runs_everything_and_the_stages_are_frozen(tmp_path: Path) -> None:
    plan = build_plan(load_manifest(_seed(tmp_path)))
    stages = resolve(plan, {}, Capabilities(transactional_ddl=True, defers_keys="deferrable"))
    kinds = [type(s).__name__ for s in stages]
    assert kinds == ["RunDdl", "LoadRows", "LoadRows", "RunSql", "KeysAfterData", "BuildIndex"]
    assert [s.state for s in stages[:4]] == ["new", "new", "new", "new"]
    assert [s.name for s in stages[1:4]] == ["colors", "notes", "shades"]
    ddl = stages[0]
    assert isinstance(ddl, RunDdl) and ddl.record is not None and ddl.record.kind == "ddl"
    assert ddl.statements is not None and len(ddl.statements) == 4
    index = stages[5]
    assert isinstance(index, BuildIndex) and index.index is not None
    assert index.index.table == "notes" and index.ddl == ddl.name
    keys = stages[4]
    assert isinstance(keys, KeysAfterData)
    (key,) = keys.keys  # shades.parent_id references shades: checked after the data
    assert key.child.name == "shades" and keys.how == "deferrable"
    assert keys.spans == ()  # one transaction: no spans
    with pytest.raises(dataclasses.FrozenInstanceError):
        ddl.state = "changed"  # type: ignore[misc]


def test_history_decides_skip_rerun_stop_and_removed(tmp_path: Path) -> None:
    plan = build_plan(load_manifest(_seed(tmp_path)))
    colors, shades = plan.steps["colors"], plan.steps["shades"]
    (ddl,) = plan.ddl
    history = {
        ("ddl", ddl_name(plan, ddl)): _row("ddl", ddl_name(plan, ddl), ddl.fingerprint),
        ("step", "colors"): _row("step", "colors", step_fingerprint(colors)),
        ("step", "shades"): _row("step", "shades", "0" * 16),
        ("step", "gone"): _row("step", "gone", "1" * 16),
        ("created", "TABLE:colors"): _row("created", "TABLE:colors", ddl.fingerprint),
    }
    stages = resolve(plan, history, Capabilities())
    assert [(type(s).__name__, s.name, s.state) for s in stages] == [
        ("Skip", ddl.shown, "unchanged"),
        ("Skip", "colors", "unchanged"),
        ("LoadRows", "notes", "new"),
        ("RunSql", "shades", "changed"),
        ("KeysAfterData", "keys after the data", "new"),
        ("Removed", "gone", "removed"),
    ]
    skip, rerun = stages[1], stages[3]
    assert isinstance(skip, Skip) and skip.reason == "unchanged" and skip.step is colors
    assert isinstance(rerun, RunSql) and rerun.rerun and rerun.step is shades
    assert rerun.fingerprint == step_fingerprint(shades)
    # --force runs the unchanged step again; a changed DDL file stops the apply
    forced = resolve(plan, history, Capabilities(), force=True)
    assert isinstance(forced[1], LoadRows) and forced[1].rerun and forced[1].state == "unchanged"
    history[("ddl", ddl_name(plan, ddl))] = _row("ddl", ddl_name(plan, ddl), "2" * 16)
    stopped = resolve(plan, history, Capabilities())
    assert isinstance(stopped[0], StopAtDdl) and stopped[0].state == "changed"
    # a target that keeps no history (the dry run) skips and records nothing
    bare = resolve(plan, None, Capabilities())
    assert [type(s).__name__ for s in bare[:4]] == ["RunDdl", "LoadRows", "LoadRows", "RunSql"]
    assert all(getattr(s, "record", None) is None for s in bare)
    assert not any(isinstance(s, Removed) for s in bare)


def test_where_each_step_commits_keys_wait_in_spans(tmp_path: Path) -> None:
    plan = build_plan(load_manifest(_seed(tmp_path)))
    per_step = Capabilities(transactional_ddl=False, defers_keys="checks off", defer_indexes=False)
    stages = resolve(plan, {}, per_step)
    assert not any(isinstance(s, BuildIndex) for s in stages)
    (ddl,) = [s for s in stages if isinstance(s, RunDdl)]
    assert ddl.statements is None  # not read ahead: nothing waits for the data
    (keys,) = [s for s in stages if isinstance(s, KeysAfterData)]
    # shades references itself: its one step is a span of its own (the third step)
    assert [(first, last) for first, last, _ in keys.spans] == [(2, 2)]


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_apply_plan_and_status_say_one_thing_of_each_stage(tmp_path: Path, kind: str) -> None:
    manifest = _seed(tmp_path)
    url = f"{kind}:///{tmp_path / ('seed.db' if kind == 'sqlite' else 'seed.duckdb')}"
    m = ["-m", str(manifest), "--url", url]
    first = _cli("apply", *m)
    assert [s["status"] for s in first["steps"]] == ["applied"] * 4
    (tmp_path / "colors.csv").write_text("id,name\n1,red\n2,blue\n3,green\n")
    plan = build_plan(load_manifest(manifest))
    diff = {c["name"]: c["state"] for c in _cli("plan", *m)["changes"]["steps"]}
    status = {e["name"]: e["state"] for e in _cli("status", *m)["entries"]}
    expected = {
        plan.ddl[0].shown: "unchanged",
        "colors": "changed",
        "notes": "unchanged",
        "shades": "unchanged",
    }
    assert diff == expected
    assert status == {name: WORDS[state] for name, state in expected.items()}
    second = _cli("apply", *m)
    applied = {s["name"]: (s["status"], s["detail"]) for s in second["steps"]}
    assert applied == {
        plan.ddl[0].shown: ("skipped", "unchanged"),
        "colors": ("applied", "upsert, changed"),
        "notes": ("skipped", "unchanged"),
        "shades": ("skipped", "unchanged"),
    }
