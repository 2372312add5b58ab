"""`seedkit check --format sarif|codequality` and the Markdown summary, on the fault seed of
test_check.py: every fault at its file, line and column, in structures that validate,
with fingerprints that survive a second run and an unrelated edit of the seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from example import ROOT
from fault_seed import expected, write_seed
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.dryrun.report import PROBLEM_KINDS

SARIF_SCHEMA = json.loads(
    (ROOT / "tests" / "schemas" / "sarif-2.1.0-required.json").read_text(encoding="utf-8")
)

#: GitLab Code Quality: the fields its documentation requires of each issue.
CODEQUALITY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside tmp_path (reported paths are the seed's file names), off GitHub."""
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def sarif(manifest: Path) -> dict[str, Any]:
    code, out = run("check", "-m", str(manifest), "--format", "sarif")
    assert code == 1, out
    data: dict[str, Any] = json.loads(out)
    return data


def places(log: dict[str, Any]) -> dict[str, tuple[str, str, int, int]]:
    """fingerprint -> (rule, file, line, column) of each result."""
    out = {}
    for result in log["runs"][0]["results"]:
        loc = result["locations"][0]["physicalLocation"]
        region = loc["region"]
        fingerprint = result["partialFingerprints"]["seedkitProblem/v1"]
        out[fingerprint] = (
            result["ruleId"],
            loc["artifactLocation"]["uri"],
            region["startLine"],
            region["startColumn"],
        )
    return out


def test_sarif_validates_and_puts_every_fault_at_its_place(in_tmp: Path) -> None:
    log = sarif(write_seed(in_tmp, faulty=True))
    jsonschema.validate(log, SARIF_SCHEMA)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(PROBLEM_KINDS)
    for rule in rules:
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == (
            "%SRCROOT%"
        )
    assert set(places(log).values()) == expected(in_tmp)
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == in_tmp.resolve().as_uri() + "/"
    assert run_["invocations"][0]["executionSuccessful"] is True
    fidelity = run_["invocations"][0]["toolExecutionNotifications"]
    assert [(n["locations"][0]["physicalLocation"]["region"]["startLine"]) for n in fidelity] == [
        6,
        13,
        24,
    ]
    assert {n["level"] for n in fidelity} == {"note"}


def test_sarif_fingerprints_are_stable_across_runs_and_an_unrelated_edit(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    first = places(sarif(manifest))
    assert len(first) == 10  # ten problems, ten different fingerprints
    assert places(sarif(manifest)) == first
    # An unrelated edit above every problem: a comment atop the SQL, a good row atop a CSV.
    regions = in_tmp / "regions.sql"
    regions.write_text("-- reviewed\n-- again\n" + regions.read_text())
    shops = in_tmp / "shops.csv"
    header, rest = shops.read_text().split("\n", 1)
    shops.write_text(f"{header}\n9,1,New Shop,2020-01-01,1.0\n{rest}")
    after = places(sarif(manifest))
    assert after.keys() == first.keys()
    moved = {fp for fp in first if first[fp] != after[fp]}
    assert {first[fp][1] for fp in moved} == {"regions.sql", "shops.csv"}
    for fp in moved:
        rule, file, line, column = first[fp]
        assert after[fp] == (rule, file, line + (2 if file == "regions.sql" else 1), column)
    # A real change of a problem (another value) is a new fingerprint; the rest stay.
    staff = in_tmp / "staff.csv"
    staff.write_text(staff.read_text().replace("3,4,", "3,1,"))
    changed = places(sarif(manifest))
    assert len(set(changed) - set(after)) == 1
    assert len(set(after) - set(changed)) == 1


def test_codequality_has_gitlabs_fields_and_the_same_fingerprints(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    code, out = run("check", "-m", str(manifest), "--format", "codequality")
    assert code == 1
    issues = json.loads(out)
    jsonschema.validate(issues, CODEQUALITY_SCHEMA)
    found = {
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    }
    assert found == {(kind, file, line) for kind, file, line, _ in expected(in_tmp)}
    assert {i["severity"] for i in issues} == {"major"}
    assert {i["fingerprint"] for i in issues} == set(places(sarif(manifest)))
    unique = next(i for i in issues if i["check_name"] == "unique")
    assert unique["description"] == (
        'duplicate key region_id: 1 (hint: remove the duplicate, or use mode = "upsert")'
    )


def test_a_manifest_error_is_a_located_result_and_exits_2(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=False)
    manifest.write_text(manifest.read_text().replace('csv = "tags.csv"', 'csvv = "tags.csv"'))
    code, out = run("check", "-m", str(manifest), "--format", "sarif")
    assert code == 2
    log = json.loads(out)
    jsonschema.validate(log, SARIF_SCHEMA)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "manifest"
    loc = result["locations"][0]["physicalLocation"]
    line = manifest.read_text().splitlines().index('csvv = "tags.csv"') + 1
    assert (loc["artifactLocation"]["uri"], loc["region"]["startLine"]) == ("seed.toml", line)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    code, out = run("check", "-m", str(manifest), "--format", "codequality")
    assert code == 2
    (issue,) = json.loads(out)
    assert (issue["check_name"], issue["severity"], issue["location"]["lines"]["begin"]) == (
        "manifest",
        "blocker",
        line,
    )


def test_sarif_file_beside_github_annotations(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    code, out = run("check", "-m", str(manifest), "--format", "github", "--sarif", "out.sarif")
    assert code == 1
    assert sum(line.startswith("::error file=") for line in out.splitlines()) == 10
    log = json.loads((in_tmp / "out.sarif").read_text())
    assert set(places(log).values()) == expected(in_tmp)


def test_the_summary_of_a_failing_check_links_each_problem(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    summary = in_tmp / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(in_tmp))
    code, _ = run("check", "-m", str(manifest), "--format", "github")
    assert code == 1
    text = summary.read_text()
    assert text.startswith("# earlier step\n## ❌ seedkit check: `faults`, 10 problem(s)\n")
    blob = "https://github.example/acme/shop/blob/abc123"
    for kind, file, line, column in expected(in_tmp):
        link = f"[`{file}:{line}:{column}`]({blob}/{file}#L{line}) **{kind}**"
        assert f"- {link}" in text, link
    assert "| shops | csv | failed | 3 | 4 |" in text
    assert "<details>\n<summary>Fidelity: 3 statement(s) skipped or changed for DuckDB" in text
    assert f"- [`schema.sql:24`]({blob}/schema.sql#L24) skipped:" in text
    assert text.index("</details>") > text.index("schema.sql:24")


def test_summary_option_without_github(in_tmp: Path) -> None:
    manifest = write_seed(in_tmp, faulty=True)
    code, _ = run("check", "-m", str(manifest), "--summary", "s.md")
    assert code == 1
    text = (in_tmp / "s.md").read_text()
    assert (
        "- `staff.csv:4:5` **not_null** (step `staff`): NULL in NOT NULL column `name` "
        "(hint: give the column a value)\n" in text
    )
    manifest.write_text(manifest.read_text().replace('csv = "tags.csv"', 'csvv = "tags.csv"'))
    code, _ = run("check", "-m", str(manifest), "--summary", "s.md")
    assert code == 2
    line = manifest.read_text().splitlines().index('csvv = "tags.csv"') + 1
    assert (
        f"## ❌ seedkit check failed\n\n`seed.toml:{line}:1` [`steps.tags.csvv`]"
        in (in_tmp / "s.md").read_text()
    )


def test_plan_and_apply_append_their_summaries(in_tmp: Path) -> None:
    manifest = ROOT / "manifests" / "market" / "seed.toml"
    db = f"sqlite:///{in_tmp / 'market.db'}"
    assert run("plan", "-m", str(manifest), "--url", db, "--summary", "s.md")[0] == 0
    assert run("apply", "-m", str(manifest), "--url", db, "--summary", "s.md")[0] == 0
    text = (in_tmp / "s.md").read_text()
    assert text.startswith(f"## seedkit plan: `market`\n\nTarget: `{db}`\n\n")
    assert "| 2 | tickers | tickers | csv " in text
    assert "| tickers | new | 6 | 0 | 0 |" in text
    assert f"## ✅ seedkit apply to `{db}`" in text
    assert "| tickers | csv | applied | 6 | " in text
    assert "| **total** | | | **18** | " in text
    # An apply that stops says where: the fault seed's ALTER TABLE … ADD CONSTRAINT sent to
    # SQLite as written (ported, it is folded into the CREATE TABLE: issue 16).
    faults = write_seed(in_tmp, faulty=False)
    other = f"sqlite:///{in_tmp / 'faults.db'}"
    assert (
        run("apply", "-m", str(faults), "--url", other, "--summary", "s.md", "--no-transpile")[0]
        == 1
    )
    failed = (in_tmp / "s.md").read_text().split("## ❌ seedkit apply failed\n\n", 1)[1]
    assert failed.startswith('`schema.sql:24:1` near "CONSTRAINT": syntax error')
