"""DuckDB writes a row source's rows as multi-row INSERTs (as the dry run does), not the
driver's row-at-a-time executemany: same rows, same refusals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from seedkit.adapters.trace import recording
from seedkit.cli import app

ROWS = 2_500  # three multi-row statements of at most 1,000 rows


def _seed(folder: Path, rows: list[dict[str, object]]) -> Path:
    (folder / "schema.sql").write_text(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR NOT NULL,"
        " price DECIMAL(8,2), added DATE);\n",
        encoding="utf-8",
    )
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    (folder / "items.ndjson").write_text(text, encoding="utf-8")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "rows"\nddl = ["schema.sql"]\n\n'
        '[steps.items]\nsource = { kind = "ndjson", path = "items.ndjson" }\n',
        encoding="utf-8",
    )
    return manifest


def _rows() -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "label": f"item {i}",
            "price": f"{i}.25" if i % 7 else None,
            "added": "2024-02-29",
        }
        for i in range(1, ROWS + 1)
    ]


def test_rows_go_in_as_multi_row_inserts_with_every_value(tmp_path: Path) -> None:
    manifest = _seed(tmp_path, _rows())
    url = f"duckdb:///{tmp_path / 'rows.duckdb'}"
    with recording() as sent:
        result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    many = [t for t in sent if t.kind == "executemany" and "items" in t.sql]
    assert sum(t.rows or 0 for t in many) == ROWS
    db = duckdb.connect(str(tmp_path / "rows.duckdb"), read_only=True)
    try:
        got = db.execute("SELECT id, label, price, CAST(added AS VARCHAR) FROM items ORDER BY id")
        rows = got.fetchall()
    finally:
        db.close()
    assert len(rows) == ROWS
    assert rows[0] == (1, "item 1", Decimal("1.25"), "2024-02-29")
    assert rows[6] == (7, "item 7", None, "2024-02-29")
    assert rows[-1] == (ROWS, f"item {ROWS}", Decimal(f"{ROWS}.25"), "2024-02-29")


def test_a_refused_row_in_a_later_statement_applies_nothing(tmp_path: Path) -> None:
    rows = _rows()
    rows[1_700]["id"] = 5  # a key given twice: only DuckDB finds it
    manifest = _seed(tmp_path, rows)
    url = f"duckdb:///{tmp_path / 'rows.duckdb'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 1, result.output
    assert 'duplicate key "5" (in the rows at lines 1-2500)' in result.output
    assert "items.ndjson:1" in result.output
    # Nothing applied: the file this apply created is gone with the rolled-back DDL.
    assert not (tmp_path / "rows.duckdb").exists()
