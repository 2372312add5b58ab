"""The corpus of realistic DDL (tests/corpus): each script dry-runs with no false alarm, and
every statement either runs in DuckDB or is named in the fidelity report with its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seedkit.cli import app

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# dialect: (statements read, rows the script inserts, {line: words of the skip reason})
EXPECTED = {
    "postgres": (
        47,
        10,
        {
            5: "session settings",
            13: "extensions",
            14: "comments",
            17: "owners",
            27: "functions, procedures and triggers",
            63: "sequence ownership",
            108: "foreign key",
            111: "non-unique index",
            112: "partial unique index",
            116: "triggers",
            129: "setval",
            145: "permissions",
        },
    ),
    "mysql": (
        24,
        4,
        {
            5: "session settings",
            11: "session settings",
            45: "table locks",
            46: "switching triggers, keys",
            56: "triggers",
            62: "procedures",
            70: "session settings",
        },
    ),
    # The .dump's wrapping BEGIN TRANSACTION (line 5) and COMMIT are dropped before the
    # dry run reads the file, as before an apply (seedkit.sources.txguard).
    "sqlite": (
        13,
        5,
        {2: "pragmas", 28: "non-unique index", 31: "triggers"},
    ),
}


@pytest.mark.parametrize("dialect", sorted(EXPECTED))
def test_corpus_runs_without_false_alarm(dialect: str) -> None:
    read, rows, skips = EXPECTED[dialect]
    result = CliRunner().invoke(
        app, ["check", "-m", str(CORPUS / dialect / "seed.toml"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["problems"] == []
    counts = data["statements"]
    assert counts["read"] == read
    assert counts["run"] + counts["skipped"] == counts["read"]  # nothing skipped silently
    assert data["steps"][0]["rows"] == rows
    reasons = {f["line"]: f["reason"] for f in data["fidelity"] if f["action"] == "skipped"}
    for line, words in skips.items():
        assert words in reasons[line], (line, reasons.get(line))
    assert all(f["reason"] for f in data["fidelity"])


def test_mapped_constructs_are_named_as_changes() -> None:
    result = CliRunner().invoke(
        app, ["check", "-m", str(CORPUS / "postgres" / "seed.toml"), "--format", "json"]
    )
    changed = {
        f["line"]: f["reason"]
        for f in json.loads(result.stdout)["fidelity"]
        if f["action"] == "changed"
    }
    assert "auto-increment of product_id mapped to a sequence" in changed[65]  # bigserial
    assert "auto-increment of order_id mapped to a sequence" in changed[76]  # identity
    assert "foreign key removed" in changed[76]
    assert "type INET is not DuckDB's" in changed[38]
    assert "DuckDB type alias" in changed[22]  # domain


def _check_broken_pg_corpus(tmp_path: Path, old: str, new: str) -> tuple[str, list[dict[str, Any]]]:
    """`seedkit check` of the PostgreSQL corpus with `old` replaced once by `new`: the
    broken script's text and the problems reported (the check must fail)."""
    text = (CORPUS / "postgres" / "schema.sql").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    (tmp_path / "schema.sql").write_text(text)
    (tmp_path / "seed.toml").write_text((CORPUS / "postgres" / "seed.toml").read_text())
    result = CliRunner().invoke(
        app, ["check", "-m", str(tmp_path / "seed.toml"), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    return text, json.loads(result.stdout)["problems"]


@pytest.mark.parametrize("block_rows", [10_000, 1])
def test_corpus_fault_in_copy_block_is_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_rows: int
) -> None:
    """A COPY … FROM stdin row that breaks a constraint is reported at its own line, also
    when the block is inserted a row at a time."""
    from seedkit.dryrun import copydata

    monkeypatch.setattr(copydata, "BLOCK_ROWS", block_rows)
    text, problems = _check_broken_pg_corpus(
        tmp_path, "2\talan@example.com\tAlan Turing", "1\talan@example.com\tAlan Turing"
    )
    line = text.splitlines().index(next(x for x in text.splitlines() if "Alan Turing" in x)) + 1
    assert (problems[0]["kind"], problems[0]["line"]) == ("unique", line)
    # customer 2 never loaded, so the order placed by customer 2 breaks its foreign key
    assert [(p["kind"], p["line"]) for p in problems[1:]] == [("foreign_key", line + 11)]


def test_corpus_copy_row_with_a_field_too_many_stops_its_block(tmp_path: Path) -> None:
    """A COPY row with more fields than columns is reported at its line, and none of its
    block goes in (so the order placed by the first customer then misses its parent)."""
    text, problems = _check_broken_pg_corpus(
        tmp_path, "2024-02-01 08:00:00+00\n", "2024-02-01 08:00:00+00\textra\n"
    )
    line = next(n for n, x in enumerate(text.splitlines(), 1) if x.endswith("\textra"))
    assert (problems[0]["kind"], problems[0]["line"]) == ("data", line)
    assert problems[0]["message"] == "COPY row has 9 fields, the column list has 8"
    assert {p["kind"] for p in problems[1:]} == {"foreign_key"}
