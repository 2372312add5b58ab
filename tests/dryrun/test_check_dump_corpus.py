"""`seedkit check` of the apply corpus (tests/corpus_dumps.py): the dumps that apply with
the client's contents also check with no problem and nothing left "not checked", every
mariadb-dump option set included (without `--hex-blob` its BLOB bytes are written as they
are, inside strings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from corpus_dumps import (  # noqa: F401
    MYSQL_OPTIONS,
    duckdb_dumps,
    mysql_dumps,
    pg_dumps,
    sqlite_dumps,
)

from seedkit.dryrun import run_check

PG_SETS = ["copy", "inserts", "column-inserts", "rows-per-insert", "no-owner", "split"]


def _problems(report: Any) -> list[tuple[str, str, int | None, str]]:
    """Every problem, and every 'not checked' entry, of a check report."""
    found = [(p.kind, Path(p.file or "").name, p.line, p.message) for p in report.problems]
    return found + [
        (f.action, str(f.file), f.line, f.reason)
        for f in report.fidelity
        if f.action == "not checked"
    ]


@pytest.mark.parametrize("name", [*PG_SETS, "split-inserts"])
def test_each_pg_dump_checks_clean(tmp_path: Path, pg_dumps: Any, name: str) -> None:  # noqa: F811
    report = run_check(pg_dumps[name].seed(tmp_path))
    assert _problems(report) == []
    assert sum(s.rows for s in report.steps) > 0


@pytest.mark.parametrize("name", list(MYSQL_OPTIONS))
def test_each_mariadb_dump_checks_clean(tmp_path: Path, mysql_dumps: Any, name: str) -> None:  # noqa: F811
    report = run_check(mysql_dumps[name].seed(tmp_path))
    assert _problems(report) == []
    assert sum(s.rows for s in report.steps) > 0


def test_sqlite_and_duckdb_dumps_check_clean(
    tmp_path: Path,
    sqlite_dumps: Any,  # noqa: F811
    duckdb_dumps: Any,  # noqa: F811
) -> None:
    for name, dump in {**sqlite_dumps, **duckdb_dumps}.items():
        report = run_check(dump.seed(tmp_path / name))
        assert (name, _problems(report)) == (name, [])


def test_raw_binary_keys_and_blobs_check_clean(tmp_path: Path) -> None:
    # mariadb-dump without --hex-blob: BINARY keys and BLOB bytes past ASCII (not UTF-8),
    # written as they are inside strings, load into the dry run.
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE t (id BINARY(2) PRIMARY KEY, body BLOB, note VARCHAR(4));\n"
    )
    (tmp_path / "data.sql").write_bytes(
        b"INSERT INTO `t` VALUES ('\xff\xfe','\x00\x9f\xe9 ok','\xc3\xa9t\xc3\xa9'),"
        b"('a\xff','\xff','x');\n"
    )
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "raw"\ndialect = "mysql"\nddl = ["schema.sql"]\n\n'
        '[steps.data]\nsql = "data.sql"\ntable = "t"\n'
    )
    report = run_check(tmp_path / "seed.toml")
    assert _problems(report) == []
    assert sum(s.rows for s in report.steps) == 2
