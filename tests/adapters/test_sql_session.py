"""Session settings a SQL file makes (search_path, SET, USE) never break seedkit's own
statements: each file runs as in a session of its own, and the session is put back after it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app


def _apply(manifest: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, result.output


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "seed.toml"


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql)).fetchall()]
    finally:
        engine.dispose()


PG_HEADER = (
    "SET statement_timeout = 0;\n"
    "SET client_encoding = 'UTF8';\n"
    "SET standard_conforming_strings = on;\n"
    "SELECT pg_catalog.set_config('search_path', '', false);\n"
    "SET check_function_bodies = false;\n"
)


def test_pg_dump_header_does_not_break_history_sequences_or_later_steps(
    pg_url: str, tmp_path: Path
) -> None:
    manifest = _write(
        tmp_path,
        {
            "schema.sql": PG_HEADER
            + "CREATE TABLE public.tag (id serial PRIMARY KEY, name text);\n",
            "tags.sql": PG_HEADER + "INSERT INTO public.tag VALUES (7, 'seven');\n",
            "more.csv": "id,name\n8,eight\n",
            "seed.toml": '[project]\nname = "s"\nddl = ["schema.sql"]\n\n'
            '[steps.tag]\nsql = "tags.sql"\n\n'
            '[steps.more]\ntable = "tag"\ncsv = "more.csv"\ndepends_on = ["tag"]\n',
        },
    )
    code, out = _apply(manifest, pg_url)
    assert code == 0, out
    assert _rows(pg_url, "SELECT id, name FROM tag ORDER BY id") == [(7, "seven"), (8, "eight")]
    # The next id is 9 (RESTART WITH 9 or setval(8): seedkit.adapters.postgres).
    next_id = "SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM tag_id_seq"
    assert _rows(pg_url, next_id) == [(9,)]
    assert _rows(
        pg_url,
        "SELECT kind, name, row_count FROM seedkit_history WHERE kind <> 'created' "
        "ORDER BY kind, name",
    ) == [
        ("ddl", "schema.sql", 0),
        ("schema", "version", 0),
        ("step", "more", 1),
        ("step", "tag", 1),
    ]
    code, out = _apply(manifest, pg_url)  # history reads back: everything is unchanged
    assert code == 0, out
    assert "nothing to do: every step is unchanged since it was applied" in out, out


def test_pg_index_written_under_a_file_search_path_runs_there(pg_url: str, tmp_path: Path) -> None:
    manifest = _write(
        tmp_path,
        {
            "schema.sql": "CREATE SCHEMA app;\nSET search_path = app;\n"
            "CREATE TABLE item (id int PRIMARY KEY, code text);\n"
            "CREATE INDEX item_code ON item (code);\n",
            "items.sql": "INSERT INTO app.item VALUES (1, 'a');\n",
            "seed.toml": '[project]\nname = "s"\nddl = ["schema.sql"]\n\n'
            '[steps.items]\ntable = "app.item"\nsql = "items.sql"\n',
        },
    )
    code, out = _apply(manifest, pg_url)
    assert code == 0, out
    indexes = "SELECT indexname FROM pg_indexes WHERE schemaname = 'app' ORDER BY 1"
    assert _rows(pg_url, indexes) == [("item_code",), ("item_pkey",)]


def test_mariadb_use_and_foreign_key_checks_do_not_outlive_their_file(
    mysql_url: str, tmp_path: Path
) -> None:
    other = sa.make_url(mysql_url).database + "_other"  # type: ignore[operator]
    server = sa.create_engine(sa.make_url(mysql_url).set(database=""))
    with server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{other}`")
    try:
        manifest = _write(
            tmp_path,
            {
                "schema.sql": "CREATE TABLE p (id int PRIMARY KEY);\n"
                "CREATE TABLE c (id int PRIMARY KEY, p int, FOREIGN KEY (p) REFERENCES p (id));\n",
                "p.sql": "SET FOREIGN_KEY_CHECKS = 0;\nINSERT INTO p VALUES (1);\n"
                f"USE `{other}`;\nCREATE TABLE elsewhere (x int);\n",
                "c.csv": "id,p\n1,1\n2,99\n",
                "seed.toml": '[project]\nname = "s"\nddl = ["schema.sql"]\n\n'
                '[steps.p]\nsql = "p.sql"\n\n[steps.c]\ncsv = "c.csv"\n',
            },
        )
        code, out = _apply(manifest, mysql_url)
        # The CSV step runs in the apply's database, with foreign keys checked again.
        assert code == 1, out
        assert "c.csv:3" in out, out
        assert _rows(
            mysql_url,
            "SELECT kind, name FROM seedkit_history WHERE kind <> 'created' ORDER BY kind, name",
        ) == [
            ("ddl", "schema.sql"),
            ("schema", "version"),
            ("step", "p"),
        ]
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{other}`")
        server.dispose()


def test_pg_dump_set_role_does_not_outlive_its_file(pg_url: str, tmp_path: Path) -> None:
    # pg_dump --role writes `SET ROLE`: the file's tables are that role's, while seedkit's own
    # statements after it (history, sequences, the CSV step) run as the apply's own user.
    import uuid

    role = f"seedkit_role_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
        conn.exec_driver_sql(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}")
    try:
        manifest = _write(
            tmp_path,
            {
                "schema.sql": f"SET ROLE {role};\n"
                "CREATE TABLE public.tag (id serial PRIMARY KEY, name text);\n",
                "tags.csv": "id,name\n7,seven\n",
                "seed.toml": '[project]\nname = "s"\nddl = ["schema.sql"]\n\n'
                '[steps.tag]\ncsv = "tags.csv"\n',
            },
        )
        code, out = _apply(manifest, pg_url)
        assert code == 0, out
        assert _rows(pg_url, "SELECT tableowner FROM pg_tables WHERE tablename = 'tag'") == [
            (role,)
        ]
        assert _rows(pg_url, "SELECT id, name FROM tag") == [(7, "seven")]
        owner = "SELECT tableowner FROM pg_tables WHERE tablename = 'seedkit_history'"
        assert _rows(pg_url, owner) != [(role,)]
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        engine.dispose()
