"""The dry run sends literal INSERTs to DuckDB in batches bounded by size as well as count."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedkit.dryrun import session as session_module
from seedkit.dryrun.run import run_check


def test_multi_row_inserts_go_in_batches_bounded_by_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n")
    statements = [
        "INSERT INTO t VALUES " + ", ".join(f"({i * 10 + j}, 'v{j}')" for j in range(10)) + ";"
        for i in range(30)
    ]
    (tmp_path / "t.sql").write_text("\n".join(statements) + "\n")
    (tmp_path / "seed.toml").write_text(
        '[project]\nname = "b"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.t]\nsql = "t.sql"\n'
    )
    sizes: list[int] = []
    real = session_module.Session._insert_statements

    def counting(self: session_module.Session, batch: list) -> None:  # type: ignore[type-arg]
        sizes.append(len(batch))
        real(self, batch)

    monkeypatch.setattr(session_module.Session, "_insert_statements", counting)
    monkeypatch.setattr(session_module, "BATCH_CHARS", 400)  # about three statements
    report = run_check(tmp_path / "seed.toml")
    assert report.problems == []
    assert [s.rows for s in report.steps if s.name == "t"] == [300]
    assert sizes and max(sizes) <= 4 and sum(sizes) == 30
