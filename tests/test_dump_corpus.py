"""Real dump output, taken as a seed, applies with the contents the database's own client
gives: pg_dump, mariadb-dump, sqlite3 .dump and DuckDB EXPORT DATABASE (tests/corpus_dumps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_dumps import (
    MYSQL_OPTIONS,
    PG_OPTIONS,
    Dump,
    contents,
    drop_database,
    duckdb_dumps,
    load_with_client,
    make_database,
    mysql_dumps,
    pg_dumps,
    server_url,
    sqlite_dumps,
)
from typer.testing import CliRunner

from seedkit.cli import app

__all__ = ["duckdb_dumps", "mysql_dumps", "pg_dumps", "sqlite_dumps"]  # fixtures, imported


def _apply(manifest: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, result.output


def _reference(dump: Dump, url: str) -> dict[str, object]:
    load_with_client(dump, url)
    return contents(url, dump.kind)


def _same_as_client(dump: Dump, seeded: str, reference: str, tmp_path: Path) -> None:
    code, out = _apply(dump.seed(tmp_path / "seed"), seeded)
    assert code == 0, out
    expected = _reference(dump, reference)
    assert contents(seeded, dump.kind) == expected
    assert len(expected) >= 3


@pytest.mark.parametrize("option", list(PG_OPTIONS))
def test_pg_dump_applies_as_psql_loads_it(
    option: str, pg_dumps: dict[str, Dump], pg_url: str, tmp_path: Path
) -> None:
    server = server_url("SEEDKIT_TEST_POSTGRES_URL")
    reference = make_database(server, "postgres")
    try:
        _same_as_client(pg_dumps[option], pg_url, reference.url, tmp_path)
    finally:
        drop_database(server, "postgres", reference.name)


@pytest.mark.parametrize("option", list(MYSQL_OPTIONS))
def test_mariadb_dump_applies_as_the_client_loads_it(
    option: str, mysql_dumps: dict[str, Dump], mysql_url: str, tmp_path: Path
) -> None:
    server = server_url("SEEDKIT_TEST_MYSQL_URL")
    reference = make_database(server, "mysql")
    try:
        _same_as_client(mysql_dumps[option], mysql_url, reference.url, tmp_path)
    finally:
        drop_database(server, "mysql", reference.name)


def test_sqlite3_dump_applies_as_the_shell_loads_it(
    sqlite_dumps: dict[str, Dump], tmp_path: Path
) -> None:
    dump = sqlite_dumps["dump"]
    _same_as_client(
        dump, f"sqlite:///{tmp_path / 'seeded.db'}", f"sqlite:///{tmp_path / 'ref.db'}", tmp_path
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duckdb_export_applies_as_import_loads_it(
    fmt: str, duckdb_dumps: dict[str, Dump], tmp_path: Path
) -> None:
    dump = duckdb_dumps[fmt]
    _same_as_client(
        dump,
        f"duckdb:///{tmp_path / 'seeded.duckdb'}",
        f"duckdb:///{tmp_path / 'ref.duckdb'}",
        tmp_path,
    )
