"""`seedkit init --from-dump FILE` writes a seed.toml that applies the dump as its own client
loads it: schema files as `ddl`, data files as SQL steps, the dump left where it is."""

from __future__ import annotations

import tomllib
from pathlib import Path

from corpus_dumps import (
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


def _init(folder: Path, *dumps: Path | str, force: bool = False) -> tuple[int, str]:
    args = ["init", str(folder)] + [a for d in dumps for a in ("--from-dump", str(d))]
    result = CliRunner().invoke(app, args + (["--force"] if force else []))
    return result.exit_code, " ".join(result.output.split())


def _apply(folder: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(folder / "seed.toml"), "--url", url])
    return result.exit_code, result.output


def _manifest(folder: Path) -> dict[str, object]:
    return tomllib.loads((folder / "seed.toml").read_text(encoding="utf-8"))


def test_pg_schema_and_data_files_become_ddl_and_a_step(
    pg_dumps: dict[str, Dump], pg_url: str, tmp_path: Path
) -> None:
    dump = pg_dumps["split"]
    folder = tmp_path / "seed"
    code, out = _init(folder, *dump.files)
    assert code == 0, out
    manifest = _manifest(folder)
    project = manifest["project"]
    assert (project["name"], project["dialect"], project["url"]) == (  # type: ignore[index]
        "seed",
        "postgres",
        "${SEEDKIT_URL}",
    )
    (ddl,) = manifest["project"]["ddl"]  # type: ignore[index]
    assert (folder / ddl).resolve() == dump.ddl[0].resolve()
    steps = manifest["steps"]
    assert list(steps) == ["split_data"]  # type: ignore[arg-type]
    assert (folder / steps["split_data"]["sql"]).resolve() == dump.data[0].resolve()  # type: ignore[index]
    code, out = _apply(folder, pg_url)
    assert code == 0, out
    server = server_url("SEEDKIT_TEST_POSTGRES_URL")
    reference = make_database(server, "postgres")
    try:
        load_with_client(dump, reference.url)
        assert contents(pg_url, "postgres") == contents(reference.url, "postgres")
    finally:
        drop_database(server, "postgres", reference.name)


def test_mariadb_dump_becomes_one_step(
    mysql_dumps: dict[str, Dump], mysql_url: str, tmp_path: Path
) -> None:
    dump = mysql_dumps["routines"]
    folder = tmp_path / "my seed"
    code, out = _init(folder, dump.data[0])
    assert code == 0, out
    manifest = _manifest(folder)
    assert manifest["project"] == {"name": "my_seed", "dialect": "mysql", "url": "${SEEDKIT_URL}"}
    assert list(manifest["steps"]) == ["routines"]  # type: ignore[arg-type]
    code, out = _apply(folder, mysql_url)
    assert code == 0, out


def test_sqlite_dump_and_duckdb_export_folder(
    sqlite_dumps: dict[str, Dump], duckdb_dumps: dict[str, Dump], tmp_path: Path
) -> None:
    code, out = _init(tmp_path / "s", sqlite_dumps["dump"].data[0])
    assert code == 0, out
    assert _manifest(tmp_path / "s")["project"]["url"] == "sqlite:///s.db"  # type: ignore[index]
    assert _apply(tmp_path / "s", f"sqlite:///{tmp_path / 's.db'}")[0] == 0
    export = duckdb_dumps["csv"].ddl[0].parent
    code, out = _init(tmp_path / "d", export)
    assert code == 0, out
    manifest = _manifest(tmp_path / "d")
    assert manifest["project"]["dialect"] == "duckdb"  # type: ignore[index]
    assert list(manifest["steps"]) == ["load"]  # type: ignore[arg-type]
    assert _apply(tmp_path / "d", f"duckdb:///{tmp_path / 'd.duckdb'}")[0] == 0


def test_not_a_dump_and_an_existing_manifest_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.sql"
    other.write_text("SELECT 1;\n", encoding="utf-8")
    code, out = _init(tmp_path / "x", other)
    assert code == 2, out
    assert "notes.sql:1: " in out and "does not look like a pg_dump, mariadb-dump" in out, out
    assert not (tmp_path / "x" / "seed.toml").exists()
    dump = tmp_path / "d.sql"
    dump.write_text("--\n-- PostgreSQL database dump\n--\nCREATE TABLE t (id int);\n", "utf-8")
    assert _init(tmp_path / "x", dump)[0] == 0
    assert _manifest(tmp_path / "x")["project"]["ddl"] == ["../d.sql"]  # type: ignore[index]
    code, out = _init(tmp_path / "x", dump)
    assert code == 2 and "refusing to overwrite a file that already exists" in out, out
    assert _init(tmp_path / "x", dump, force=True)[0] == 0
