"""Two projects applying to one fresh database at once both succeed (issue 19, item 4).

Before, both saw no history table and both created it: PostgreSQL refused the second
with a duplicate key in pg_type, MariaDB with error 1684 (concurrent DDL).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from seedkit import api

ROUNDS = 4


def _project(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "schema.sql").write_text(f"CREATE TABLE t_{name} (id integer PRIMARY KEY);\n")
    (folder / "t.csv").write_text("id\n1\n2\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        f'[project]\nname = "{name}"\nddl = ["schema.sql"]\n\n[steps.t_{name}]\ncsv = "t.csv"\n'
    )
    return manifest


def _race(url: str, manifests: list[Path]) -> list[str]:
    errors: list[str] = []
    barrier = threading.Barrier(len(manifests))

    def run(manifest: Path) -> None:
        barrier.wait()
        try:
            api.apply(manifest, url=url)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(m,)) for m in manifests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("server", ["postgres", "mysql"])
def test_two_projects_create_the_history_table_at_once(
    server: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from seedkit.plugins import reset_host

    reset_host()  # both threads' first use loads the plugins at once, too
    url = request.getfixturevalue("pg_url" if server == "postgres" else "mysql_url")
    manifests = [_project(tmp_path, "a"), _project(tmp_path, "b")]
    engine = sa.create_engine(url)
    try:
        for _ in range(ROUNDS):
            assert _race(url, manifests) == []
            with engine.begin() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT project, kind, name FROM seedkit_history "
                    "WHERE kind <> 'created' ORDER BY 1, 2, 3"
                ).fetchall()
                assert [tuple(r) for r in rows] == [
                    ("", "schema", "version"),
                    ("a", "ddl", "schema.sql"),
                    ("a", "step", "t_a"),
                    ("b", "ddl", "schema.sql"),
                    ("b", "step", "t_b"),
                ]
                for table in ("t_a", "t_b"):
                    assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 2
                    conn.exec_driver_sql(f"DROP TABLE {table}")
                conn.exec_driver_sql("DROP TABLE seedkit_history")
    finally:
        engine.dispose()
