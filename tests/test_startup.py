"""Start-up stays quick: heavy modules are imported where they are used, never at import.

Each check runs a fresh interpreter (the test process has imported everything long
ago) and lists which heavy modules a command left in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys

from example import ROOT

#: Database layers, drivers and the SQL parser: none is needed to print help.
HEAVY = (
    "sqlalchemy",
    "duckdb",
    "duckdb_engine",
    "sqlglot",
    "psycopg",
    "pymysql",
    "pydantic",
    "pluggy",
)
DATABASE = ("sqlalchemy", "duckdb", "duckdb_engine", "psycopg", "pymysql")

_PROBE = """
import json, sys
sys.argv = ["seedkit", *json.loads(sys.argv[1])]
from seedkit.cli import app
try:
    app()
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _imported_by(*args: str) -> set[str]:
    """The top-level modules loaded by running `seedkit ARGS` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_help_imports_no_database_layer_driver_parser_or_validation() -> None:
    loaded = _imported_by("--help")
    assert "seedkit" in loaded and "typer" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_validate_imports_no_database_layer_or_driver() -> None:
    loaded = _imported_by("validate", "-m", str(ROOT / "manifests" / "market" / "seed.toml"))
    assert "sqlglot" in loaded  # it reads the DDL
    assert loaded.isdisjoint(DATABASE), sorted(loaded & set(DATABASE))


def test_fast_loaders_import_their_drivers_only_when_they_load() -> None:
    code = (
        "import json, sys\n"
        "import seedkit.builtin as b\n"
        "b.register_loaders()\n"
        "[a.loaders() for a in b.register_adapters() for a in [object.__new__(a)]]\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert loaded.isdisjoint(("psycopg", "pymysql", "duckdb", "sqlalchemy")), sorted(
        loaded & {"psycopg", "pymysql", "duckdb", "sqlalchemy"}
    )
