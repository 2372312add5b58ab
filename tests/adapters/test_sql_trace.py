"""Every statement of an apply is in the `seedkit.sql` trace: the DDL, the step's SQL, the
history writes and the catalog queries that read the target (reflection), on every
database; the same statements reach a recorder (seedkit.adapters.trace.recording)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedkit.adapters.trace import recording
from seedkit.cli import app

#: A catalog query each database's reflection sends during an apply (the history table's
#: existence, read through SQLAlchemy's inspector or DuckDB's own catalog).
CATALOG = {
    "sqlite": ("sqlite_master", "pragma"),
    "duckdb": ("duckdb_tables()",),
    "postgres": ("pg_catalog", "pg_class"),
    "mysql": ("information_schema", "describe "),
}


def _seed(folder: Path) -> Path:
    (folder / "schema.sql").write_text(
        "CREATE TABLE traced_colors (id INTEGER PRIMARY KEY, name VARCHAR(20));\n",
        encoding="utf-8",
    )
    (folder / "colors.sql").write_text(
        "INSERT INTO traced_colors VALUES (1, 'red');\n"
        "INSERT INTO traced_colors VALUES (2, 'green');\n",
        encoding="utf-8",
    )
    (folder / "more.csv").write_text("id,name\n3,blue\n", encoding="utf-8")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "traced"\nddl = ["schema.sql"]\n\n'
        '[steps.traced_colors]\nsql = "colors.sql"\n\n'
        '[steps.more]\ntable = "traced_colors"\ncsv = "more.csv"\n'
        'depends_on = ["traced_colors"]\n',
        encoding="utf-8",
    )
    return manifest


def test_one_apply_traces_ddl_steps_history_and_reflection(
    url: str, tmp_path: Path, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    kind = request.node.callspec.params["url"]
    manifest = _seed(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="seedkit.sql"), recording() as sent:
        result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    logged = [r.getMessage() for r in caplog.records if r.name == "seedkit.sql"]
    texts = [t.sql for t in sent]
    assert len(logged) == len(sent)

    ddl = [t for t in sent if t.sql.startswith("CREATE TABLE traced_colors")]
    assert len(ddl) == 1 and ddl[0].location is not None
    assert (Path(ddl[0].location.file or "").name, ddl[0].location.line) == ("schema.sql", 1)

    steps = [t for t in sent if t.sql.startswith("INSERT INTO traced_colors VALUES (")]
    assert [(Path(t.location.file or "").name, t.location.line) for t in steps if t.location] == [
        ("colors.sql", 1),
        ("colors.sql", 2),
    ] or any("VALUES (1, 'red')" in t.sql and "VALUES (2, 'green')" in t.sql for t in steps)
    # The CSV step's rows went in by a statement of the loader's (COPY, LOAD DATA, INSERT).
    loaded = [t for t in sent if "traced_colors" in t.sql and t not in ddl + steps]
    assert loaded and all(t.location is None or t.location.file != "colors.sql" for t in loaded)

    history = [
        s for s in texts if "seedkit_history" in s and s.lstrip().upper().startswith("INSERT")
    ]
    # The DDL file and both steps are recorded.
    assert len(history) >= 3, history

    catalog = [s for s in texts if any(word in s.lower() for word in CATALOG[kind])]
    assert catalog, texts

    # Each traced statement is in the log with where it came from.
    assert any("schema.sql:1" in line and "CREATE TABLE traced_colors" in line for line in logged)
    assert any("INSERT INTO" in line and "seedkit_history" in line for line in logged)
