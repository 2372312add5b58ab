"""`seedkit check --target sqlite|duckdb` fails exactly where `seedkit apply` to that database
would, and passes where the apply succeeds (issue 16), on five seeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from corpus_dumps import Dump, pg_dumps
from test_constructs import SCHEMA, TRIGGER, write_seed
from typer.testing import CliRunner

from seedkit.cli import app

__all__ = ["pg_dumps"]  # the fixture, imported

#: A view DuckDB cannot create (no to_tsvector there); SQLite takes it (it checks at query time).
VIEW = "CREATE VIEW app.words AS SELECT to_tsvector(name) AS w FROM app.customer;\n"
#: SQLite cannot change a column's type; DuckDB can.
RETYPE = "CREATE TABLE app.loose (n integer);\nALTER TABLE app.loose ALTER COLUMN n TYPE bigint;\n"
_ERROR_AT = re.compile(r"error: (\S+?):(\d+)")


def _seed(kind: str, folder: Path, dumps: dict[str, Dump]) -> Path:
    if kind == "pg_dump":
        return dumps["inserts"].seed(folder)
    extra = {"constructs": "", "trigger": TRIGGER, "view": VIEW, "retype": RETYPE}[kind]
    return write_seed(folder, SCHEMA + extra)


def _apply(manifest: Path, url: str) -> tuple[int, tuple[str, int] | None]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    found = _ERROR_AT.search(result.output)
    return result.exit_code, (Path(found[1]).name, int(found[2])) if found else None


def _check(manifest: Path, target: str) -> tuple[int, list[tuple[str, int]]]:
    result = CliRunner().invoke(
        app, ["check", "-m", str(manifest), "--target", target, "--format", "json"]
    )
    problems = json.loads(result.stdout)["problems"]
    return result.exit_code, [(Path(p["file"]).name, p["line"]) for p in problems if p["file"]]


#: (seed, target) -> whether the apply succeeds there
EXPECTED = {
    ("constructs", "sqlite"): True,
    ("constructs", "duckdb"): True,
    ("trigger", "sqlite"): False,
    ("trigger", "duckdb"): False,
    ("view", "sqlite"): True,
    ("view", "duckdb"): False,
    ("retype", "sqlite"): False,
    ("retype", "duckdb"): True,
    ("pg_dump", "sqlite"): False,
    ("pg_dump", "duckdb"): False,
}


@pytest.mark.parametrize(("seed", "target"), list(EXPECTED))
def test_check_target_fails_where_the_apply_does(
    seed: str, target: str, pg_dumps: dict[str, Dump], tmp_path: Path
) -> None:
    manifest = _seed(seed, tmp_path / "seed", pg_dumps)
    suffix = "db" if target == "sqlite" else "duckdb"
    applied, where = _apply(manifest, f"{target}:///{tmp_path / ('t.' + suffix)}")
    checked, problems = _check(manifest, target)
    if EXPECTED[(seed, target)]:
        assert applied == 0 and checked == 0, (where, problems)
        assert problems == []
    else:
        assert applied == 1 and checked == 1
        assert where is not None and problems
        assert where == problems[0], (where, problems)
