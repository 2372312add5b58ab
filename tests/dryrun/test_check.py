"""`seedkit check`: a seed with one fault of each kind is reported at the right file, line
and column, in the text, json and github formats; the same seed without faults passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_seed import (
    expected,
    write_seed,
)
from typer.testing import CliRunner

from seedkit.cli import app


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside tmp_path, so reported paths are the seed's own file names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_fault_is_reported_at_its_place_in_json(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    result = CliRunner().invoke(app, ["check", "-m", str(manifest), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is False
    found = {(p["kind"], p["file"], p["line"], p["column"]) for p in data["problems"]}
    assert found == expected(in_tmp)
    owners_fk = next(
        p for p in data["problems"] if p["line"] == 2 and p["file"] == "shop_owners.csv"
    )
    assert "owner_id = 7" in owners_fk["message"]
    assert "step `owners`" in owners_fk["hint"]
    steps = {s["name"]: s["status"] for s in data["steps"]}
    assert steps["owners"] == "ok" and steps["shops"] == "failed"


def test_every_fault_is_annotated_for_github(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    result = CliRunner().invoke(app, ["check", "-m", str(manifest), "--format", "github"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    places = {tuple(line.split("::")[1].removeprefix("error ").split(",")) for line in errors}
    assert places == {
        (f"file={file}", f"line={line}", f"col={col}") for _, file, line, col in expected(in_tmp)
    }
    assert result.stdout.splitlines()[-1].startswith("::notice::seedkit check: 10 problem(s)")


def test_every_fault_is_named_in_text(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    result = CliRunner().invoke(app, ["check", "-m", str(manifest)])
    assert result.exit_code == 1, result.output
    out = " ".join(result.stdout.split())
    for _, file, line, col in expected(in_tmp):
        assert f"error: {file}:{line}:{col}: " in out
    assert "10 problem(s)" in out


def test_the_seed_without_faults_passes(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=False)
    result = CliRunner().invoke(app, ["check", "-m", str(manifest), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["problems"] == []
    rows = {s["name"]: s["rows"] for s in data["steps"]}
    assert rows == {
        "schema.sql": 0,
        "regions": 6,
        "shops": 5,
        "staff": 3,
        "owners": 2,
        "shop_owners": 2,
        "tags": 1,
    }
    assert [(f["line"], f["action"]) for f in data["fidelity"]] == [
        (6, "changed"),
        (13, "changed"),
        (24, "skipped"),
    ]


def test_apply_dry_run_is_check(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=False)
    result = CliRunner().invoke(
        app, ["apply", "--dry-run", "-m", str(manifest), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    assert not list(in_tmp.glob("*.db"))  # touched no database


def test_a_manifest_error_exits_2_with_an_annotation(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=False)
    manifest.write_text(manifest.read_text().replace('csv = "tags.csv"', 'csvv = "tags.csv"'))
    result = CliRunner().invoke(app, ["check", "-m", str(manifest), "--format", "github"])
    assert result.exit_code == 2, result.output
    assert result.stdout.startswith("::error file=seed.toml,line=")
