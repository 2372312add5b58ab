"""Loading seed.toml: variables, defaults, one source per step, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedkit.errors import ManifestError
from seedkit.manifest import load_manifest
from seedkit.manifest.models import Mode


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_env_vars_with_and_without_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_DDL", "schema.sql")
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(
        tmp_path,
        '[project]\nname = "x"\nddl = ["${SEED_DDL}"]\nurl = "${NOT_SET_ANYWHERE:-sqlite:///x.db}"\n',
    )
    manifest = load_manifest(path)
    assert manifest.model.project.ddl == ["schema.sql"]
    assert manifest.resolve_url() == "sqlite:///x.db"


def test_unset_variable_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(
        tmp_path, '[project]\nname = "x"\n\n[steps.a]\ncsv = "${NOT_SET_ANYWHERE}/a.csv"\n'
    )
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert err.value.location is not None
    assert (err.value.location.line, err.value.location.key) == (5, "steps.a.csv")
    assert "NOT_SET_ANYWHERE is not set" in err.value.message


def test_url_variable_is_only_needed_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(tmp_path, '[project]\nname = "x"\nurl = "${NOT_SET_ANYWHERE}"\n')
    manifest = load_manifest(path)
    with pytest.raises(ManifestError) as err:
        manifest.resolve_url()
    assert err.value.location is not None and err.value.location.line == 3


def test_defaults_apply(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\n[defaults]\nmode = "replace"\n')
    assert load_manifest(path).model.defaults.mode == Mode.REPLACE


def test_two_sources_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\n\n[steps.a]\ncsv = "a.csv"\nsql = "a.sql"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert "exactly one source" in err.value.message
    assert err.value.location is not None and err.value.location.line == 4


def test_mode_on_sql_source_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\n\n[steps.a]\nsql = "a.sql"\nmode = "upsert"\n')
    with pytest.raises(ManifestError, match="takes no `mode`"):
        load_manifest(path)


def test_missing_project_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\ndialect = "postgres"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert "missing required key `project.name`" in err.value.message


def test_bad_mode_value_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\n\n[steps.a]\ncsv = "a.csv"\nmode = "merge"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert err.value.location is not None
    assert (err.value.location.line, err.value.location.key) == (6, "steps.a.mode")
    assert "insert" in err.value.message


def test_no_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no manifest"):
        load_manifest(tmp_path / "nope.toml")


def test_misspelt_required_key_is_reported_as_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nnmae = "x"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert err.value.message.startswith("unknown key `project.nmae`")
    assert err.value.hint == "did you mean `name`?"
    assert err.value.location is not None and err.value.location.line == 2
