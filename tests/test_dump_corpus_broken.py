"""One broken row injected in each dump of the corpus is located at its file and line by
apply, and the PostgreSQL database is left as it was (tests/corpus_dumps)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from corpus_dumps import (
    MYSQL_OPTIONS,
    PG_OPTIONS,
    Dump,
    duckdb_dumps,
    mysql_dumps,
    pg_dumps,
    sqlite_dumps,
)
from typer.testing import CliRunner

from seedkit.cli import app

__all__ = ["duckdb_dumps", "mysql_dumps", "pg_dumps", "sqlite_dumps"]  # fixtures, imported


def _break(dump: Dump, folder: Path, replacements: list[tuple[str, str]]) -> tuple[Path, str]:
    """Write the dump's seed with the first of `replacements` that applies made; returns the
    manifest and `file:line` of the changed row."""
    manifest = dump.seed(folder)
    for path in dump.data:
        text = (folder / path.name).read_bytes().decode("utf-8", "surrogateescape")
        for old, new in replacements:
            if old in text:
                text = text.replace(old, new, 1)
                line = text[: text.index(new)].count("\n") + 1
                (folder / path.name).write_bytes(text.encode("utf-8", "surrogateescape"))
                return manifest, f"{path.name}:{line}:"
    raise AssertionError(f"nothing to break in {dump.id}")


def _apply(manifest: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(manifest.parent)  # files are shown relative to the working folder
    result = CliRunner().invoke(app, ["apply", "-m", "seed.toml", "--url", url])
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("option", list(PG_OPTIONS))
def test_pg_dump_with_a_null_name_is_located_and_nothing_is_left(
    option: str,
    pg_dumps: dict[str, Dump],
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest, where = _break(
        pg_dumps[option],
        tmp_path,
        [("\tAnn\thappy\t", "\t\\N\thappy\t"), ("'Ann', 'happy'", "NULL, 'happy'")],
    )
    code, out = _apply(manifest, pg_url, monkeypatch)
    assert code == 1, out
    assert re.search(
        re.escape(where) + r'(\d+:)? null value in column "name" of relation "customer"', out
    ), out
    assert "nothing was applied" in out
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
            ).scalar()
    finally:
        engine.dispose()
    assert left == 0


@pytest.mark.parametrize("option", list(PG_OPTIONS))
def test_pg_dump_with_a_repeated_key_is_located_at_its_row(
    option: str,
    pg_dumps: dict[str, Dump],
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pg_dump adds the primary key after the data: the row repeating a key is named there
    # (or, where the schema runs first, by the COPY or INSERT that meets the key).
    manifest, where = _break(
        pg_dumps[option],
        tmp_path,
        [
            ("B;2\tSemi;colon\t", "A-1\tSemi;colon\t"),
            ("('B;2', 'Semi;colon'", "('A-1', 'Semi;colon'"),
        ],
    )
    code, out = _apply(manifest, pg_url, monkeypatch)
    assert code == 1, out
    assert re.search(re.escape(where) + r"(\d+:)? .*\(sku\)=\(A-1\)", out), out
    assert "nothing was applied" in out
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
            ).scalar()
    finally:
        engine.dispose()
    assert left == 0


@pytest.mark.parametrize("option", list(MYSQL_OPTIONS))
def test_mariadb_dump_with_a_repeated_key_is_located(
    option: str,
    mysql_dumps: dict[str, Dump],
    mysql_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest, where = _break(
        mysql_dumps[option], tmp_path, [("('B;2','Semi;colon'", "('A-1','Semi;colon'")]
    )
    code, out = _apply(manifest, mysql_url, monkeypatch)
    assert code == 1, out
    # MariaDB names the key, or (its bulk insert into an empty table) only the COMMIT.
    assert re.search(
        re.escape(where) + r"\d+: (Duplicate entry 'A-1' for key 'PRIMARY' \(1062\)|"
        r'Got error 1 "Operation not permitted" during COMMIT \(1180\))',
        out,
    ), out
    assert "nothing was applied" not in out


def test_sqlite3_dump_with_a_repeated_key_is_located(
    sqlite_dumps: dict[str, Dump], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, where = _break(
        sqlite_dumps["dump"],
        tmp_path,
        [("VALUES(2,'bob@example.org'", "VALUES(1,'bob@example.org'")],
    )
    db = tmp_path / "t.db"
    code, out = _apply(manifest, f"sqlite:///{db}", monkeypatch)
    assert code == 1, out
    assert f"{where}1: UNIQUE constraint failed: customer.id" in out, out
    assert "nothing was applied" in out
    assert not db.exists() or os.path.getsize(db) == 0  # a new file is not left behind


def test_duckdb_export_with_a_repeated_key_is_located_in_its_csv(
    duckdb_dumps: dict[str, Dump], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export"
    shutil.copytree(duckdb_dumps["csv"].ddl[0].parent, export)
    load = export / "load.sql"
    load.write_text(
        load.read_text("utf-8").replace(str(duckdb_dumps["csv"].ddl[0].parent), str(export)),
        "utf-8",
    )
    customers = export / "shop_customer.csv"
    text = customers.read_text("utf-8")
    assert "\n11,bob@example.org," in text
    customers.write_text(text.replace("\n11,bob@example.org,", "\n10,bob@example.org,"), "utf-8")
    line = text[: text.index("\n11,bob@")].count("\n") + 2
    dump = Dump("duckdb", "broken", "duckdb", (export / "schema.sql",), (load,))
    manifest = dump.seed(tmp_path / "seed")
    db = tmp_path / "t.duckdb"
    code, out = _apply(manifest, f"duckdb:///{db}", monkeypatch)
    assert code == 1, out
    assert f"shop_customer.csv:{line}:1: " in out and 'duplicate key "10"' in out.lower(), out
    assert "nothing was applied" in out
