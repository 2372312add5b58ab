"""`seedkit schema`: a JSON Schema that the example manifests satisfy and a misspelt key fails."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from example import ROOT
from typer.testing import CliRunner

from seedkit.cli import app

EXAMPLES = (
    sorted(ROOT.glob("manifests/*/seed.toml"))
    + sorted(ROOT.glob("examples/*/seed.toml"))
    + sorted(ROOT.glob("plugins/*/examples/*/seed.toml"))
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    """A validator for the schema the command prints."""
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def errors(validator: jsonschema.Draft202012Validator, data: dict[str, Any]) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(data)
    ]


def test_examples_are_found() -> None:
    names = {p.parent.name for p in EXAMPLES}
    assert {"market", "shop"} <= names  # shop uses the faker plugin's kind


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_validates_the_example_manifests(
    validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    assert errors(validator, load(path)) == []


def test_schema_rejects_a_misspelt_key(validator: jsonschema.Draft202012Validator) -> None:
    data = load(ROOT / "manifests" / "market" / "seed.toml")
    bad = copy.deepcopy(data)
    bad["steps"]["rules"]["depend_on"] = bad["steps"]["rules"].pop("depends_on")
    assert errors(validator, bad) == [
        "steps.rules: Additional properties are not allowed ('depend_on' was unexpected)"
    ]
    bad = copy.deepcopy(data)
    bad["project"]["dialet"] = "postgres"
    assert errors(validator, bad) == [
        "project: Additional properties are not allowed ('dialet' was unexpected)"
    ]


def test_schema_checks_each_kinds_options(validator: jsonschema.Draft202012Validator) -> None:
    data = load(ROOT / "manifests" / "market" / "seed.toml")
    data["steps"]["prices"] = {"source": {"kind": "json", "path": "p.json", "pointr": "a.b"}}
    assert errors(validator, data) == [
        "steps.prices.source: Additional properties are not allowed ('pointr' was unexpected)"
    ]
    data["steps"]["prices"] = {"source": {"kind": "parquet"}}
    assert errors(validator, data) == ["steps.prices.source: 'path' is a required property"]
    data["steps"]["prices"] = {"source": {"kind": "parqet", "path": "p.parquet"}}
    [message] = errors(validator, data)
    assert message.startswith("steps.prices.source.kind: 'parqet' is not one of [")
    data["steps"]["prices"] = {"source": {"kind": "ndjson", "path": "p.ndjson"}}
    assert errors(validator, data) == []


def test_schema_needs_exactly_one_source(validator: jsonschema.Draft202012Validator) -> None:
    data = load(ROOT / "manifests" / "market" / "seed.toml")
    data["steps"]["exchanges"]["sql"] = "x.sql"
    [message] = errors(validator, data)
    assert message.startswith("steps.exchanges: ")


def test_schema_lists_every_kind_with_plugins() -> None:
    from seedkit import api

    schema = api.json_schema()
    source = schema["$defs"]["StepModel"]["properties"]["source"]
    assert source["properties"]["kind"]["enum"] == [
        "csv",
        "faker",
        "json",
        "ndjson",
        "parquet",
        "rows",
        "sql",
    ]
    faker = schema["$defs"]["source.faker"]
    assert {"kind", "count", "seed", "columns"} <= set(faker["properties"])


def test_schema_output_option_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "seed.schema.json"
    result = CliRunner().invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "seed.toml"
