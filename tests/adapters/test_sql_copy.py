"""`COPY … FROM stdin` blocks in a SQL file: split with their data lines, streamed through
COPY on PostgreSQL with rows counted, an error located at its data line; elsewhere a
located error that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.sqltext import _buffer as _sqlbuffer
from seedkit.sqltext.split import split_sql, split_sql_stream

SCRIPT = (
    "SET search_path = public;\n"  # 1
    "COPY public.t (id, s, n) FROM stdin;\n"  # 2
    "1\ta;b\t\\N\n"  # 3
    "2\t100% 'quoted' -- not a comment\t5\n"  # 4
    "3\ttab\\there\\nnewline ünï\t6\n"  # 5
    "\\.\n"  # 6
    "-- a comment between the block and the next statement\n"  # 7
    "\n"  # 8
    "INSERT INTO t VALUES (10, $$x$$, 1);\n"  # 9
    "COPY t (id) FROM STDIN;\n"  # 10
    "\\.\n"  # 11
)


def _lines(stmt: object) -> list[tuple[int, str]] | None:
    copy = getattr(stmt, "copy", None)
    return None if copy is None else list(copy.lines())


def test_split_gives_copy_blocks_their_data_lines() -> None:
    got = [(s.text, s.line, _lines(s)) for s in split_sql(SCRIPT, "postgres")]
    assert got == [
        ("SET search_path = public", 1, None),
        (
            "COPY public.t (id, s, n) FROM stdin",
            2,
            [
                (3, "1\ta;b\t\\N"),
                (4, "2\t100% 'quoted' -- not a comment\t5"),
                (5, "3\ttab\\there\\nnewline ünï\t6"),
            ],
        ),
        ("INSERT INTO t VALUES (10, $$x$$, 1)", 9, None),
        ("COPY t (id) FROM STDIN", 10, []),
    ]
    # MySQL has no such block: the same text splits as statements.
    assert all(s.copy is None for s in split_sql("COPY t FROM stdin;\n1\n", "mysql"))


@pytest.mark.parametrize("keep", [False, True])
def test_streamed_split_reads_copy_data_in_small_chunks(
    monkeypatch: pytest.MonkeyPatch, keep: bool
) -> None:
    monkeypatch.setattr(_sqlbuffer, "CHUNK", 3)
    pieces = iter([SCRIPT[i : i + 3] for i in range(0, len(SCRIPT), 3)])
    statements = split_sql_stream(lambda _: next(pieces, ""), "postgres", keep_copy=keep)
    seen = []
    for stmt in statements:
        # Read only the first data line of the big block: the splitter skips the rest.
        first = next(stmt.copy.lines(), None) if stmt.copy is not None else None
        seen.append((stmt.text, stmt.line, first))
    assert seen == [
        ("SET search_path = public", 1, None),
        ("COPY public.t (id, s, n) FROM stdin", 2, (3, "1\ta;b\t\\N")),
        ("INSERT INTO t VALUES (10, $$x$$, 1)", 9, None),
        ("COPY t (id) FROM STDIN", 10, None),
    ]


def test_kept_copy_data_is_read_after_the_split(tmp_path: Path) -> None:
    from seedkit.sources.sql import read_statements

    path = tmp_path / "dump.sql"
    path.write_text(SCRIPT, encoding="utf-8")
    statements = list(read_statements(path, "postgres", keep_copy=True))
    assert _lines(statements[1]) == [
        (3, "1\ta;b\t\\N"),
        (4, "2\t100% 'quoted' -- not a comment\t5"),
        (5, "3\ttab\\there\\nnewline ünï\t6"),
    ]
    passed = list(read_statements(path, "postgres"))
    with pytest.raises(RuntimeError, match="from line 3 was read already"):
        _lines(passed[1])


def _seed(folder: Path, data: str) -> Path:
    (folder / "schema.sql").write_text(
        "CREATE TABLE public.t (id serial PRIMARY KEY, s text, n int NOT NULL DEFAULT 0);\n",
        encoding="utf-8",
    )
    (folder / "data.sql").write_text(data, encoding="utf-8")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "c"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.t]\nsql = "data.sql"\n',
        encoding="utf-8",
    )
    return manifest


def _apply(manifest: Path, url: str, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url, *more])
    return result.exit_code, result.output


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql)).fetchall()]
    finally:
        engine.dispose()


def test_pg_copy_block_streams_with_rows_counted(pg_url: str, tmp_path: Path) -> None:
    code, out = _apply(_seed(tmp_path, SCRIPT.replace("\\N", "0")), pg_url, "--format", "json")
    assert code == 0, out
    assert _rows(pg_url, "SELECT id, s, n FROM t ORDER BY id") == [
        (1, "a;b", 0),
        (2, "100% 'quoted' -- not a comment", 5),
        (3, "tab\there\nnewline ünï", 6),
        (10, "x", 1),
    ]
    assert _rows(pg_url, "SELECT nextval('t_id_seq')") == [(11,)]  # moved past the ids
    import json

    steps = {s["name"]: s for s in json.loads(out[out.index("{") :])["steps"]}
    assert (steps["t"]["rows"], steps["t"]["detail"]) == (4, "4 statements")


def test_pg_copy_error_is_located_at_its_data_line(pg_url: str, tmp_path: Path) -> None:
    manifest = _seed(tmp_path, SCRIPT.replace("\\N", "0").replace("\t5\n", "\tfive\n"))
    code, out = _apply(manifest, pg_url)
    assert code == 1, out
    assert 'data.sql:4: invalid input syntax for type integer: "five" (column n)' in out, out
    assert "nothing was applied" in out
    assert _rows(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    # NOT NULL: the server names the line too.
    code, out = _apply(_seed(tmp_path, SCRIPT), pg_url)
    assert code == 1, out
    assert 'data.sql:3: null value in column "n" of relation "t" violates not-null' in out, out


def test_copy_block_elsewhere_is_a_located_error(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    manifest = _seed(tmp_path, SCRIPT.split("\n", 1)[1])
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int, s text, n int);", "utf-8")
    code, out = _apply(manifest, f"sqlite:///{db}", "--no-transpile")
    assert code == 1, out
    assert "data.sql:1:1: a COPY … FROM stdin block loads only on PostgreSQL, not on sqlite" in (
        " ".join(out.split())
    ), out


def test_psql_restrict_lines_are_skipped_and_other_meta_commands_refused(tmp_path: Path) -> None:
    script = "\\restrict abc123\nSELECT 1;\n\\unrestrict abc123\n\\connect other\nSELECT 2;\n"
    db = tmp_path / "t.db"
    manifest = _seed(tmp_path, script)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int);", "utf-8")
    code, out = _apply(manifest, f"sqlite:///{db}", "--no-transpile")
    assert code == 1, out
    # The guard lines are dropped; the meta-command is refused where its statement starts.
    assert "data.sql:3:1: `\\connect` is a psql" in " ".join(out.split()), out


def test_mariadb_executable_comments_are_sent_as_the_client_sends_them() -> None:
    script = (
        "/*M!999999\\- enable the sandbox mode */ \n"
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;\n"
        "/* a plain comment */ SELECT 1;\n"
    )
    assert [(s.text, s.line) for s in split_sql(script, "mysql")] == [
        ("/*!40101 SET NAMES utf8mb4 */", 2),
        ("/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */", 3),
        ("SELECT 1", 4),
    ]
