"""Tests for seedkit.sqltext.split: statement texts, lines and columns, per dialect."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from seedkit.errors import ApplyError, Location, ManifestError, display_path
from seedkit.sources.base import LocatedStatement
from seedkit.sources.sql import read_statements
from seedkit.sources.txguard import guard
from seedkit.sqltext import _buffer as _sqlbuffer
from seedkit.sqltext.split import SqlStatement, split_sql, split_sql_stream


def split(sql: str, dialect: str | None = None) -> list[tuple[str, int, int]]:
    return [(s.text, s.line, s.column) for s in split_sql(sql, dialect)]


def test_statements_on_one_line() -> None:
    assert split_sql("SELECT 1; SELECT 2;") == [
        SqlStatement("SELECT 1", 1, 1),
        SqlStatement("SELECT 2", 1, 11),
    ]


def test_statements_on_several_lines_and_trailing_text_without_delimiter() -> None:
    sql = "SELECT 1;\n\n  SELECT\n    2;\nINSERT INTO t VALUES (1)\n"
    assert split(sql) == [
        ("SELECT 1", 1, 1),
        ("SELECT\n    2", 3, 3),
        ("INSERT INTO t VALUES (1)", 5, 1),
    ]


def test_empty_and_comment_only_statements_are_dropped() -> None:
    assert split("") == []
    assert split(";;\n  ;") == []
    assert split("SELECT 1;\n-- only a comment\n/* and a block */ ;\n") == [("SELECT 1", 1, 1)]


def test_line_comment_holding_delimiter_and_quote() -> None:
    sql = "-- don't; split here\nSELECT 1; -- it's; fine\nSELECT 2 -- trailing; 'x\n;"
    assert split(sql) == [
        ("SELECT 1", 2, 1),
        ("SELECT 2 -- trailing; 'x", 3, 1),
    ]


def test_block_comments() -> None:
    sql = "/* a; 'b */ SELECT 1; SELECT /* ; */ 2;"
    assert split(sql) == [("SELECT 1", 1, 13), ("SELECT /* ; */ 2", 1, 23)]


def test_block_comments_nest_in_postgres_only() -> None:
    sql = "/* outer /* inner; */ still comment; */ SELECT 1;"
    assert split(sql, "postgres") == [("SELECT 1", 1, 41)]
    assert split(sql, "sqlite") == [("still comment", 1, 23), ("*/ SELECT 1", 1, 38)]


def test_strings_holding_delimiter_comment_marks_and_doubled_quotes() -> None:
    sql = "SELECT 'a;b', 'c--d', 'it''s', '/*'; SELECT 2;"
    assert split(sql) == [("SELECT 'a;b', 'c--d', 'it''s', '/*'", 1, 1), ("SELECT 2", 1, 38)]


def test_double_quoted_identifiers() -> None:
    sql = 'SELECT "a;""b" FROM t; SELECT 2;'
    assert split(sql, "postgres") == [('SELECT "a;""b" FROM t', 1, 1), ("SELECT 2", 1, 24)]


def test_postgres_escape_strings() -> None:
    sql = "SELECT E'it\\'s; ok', e'\\\\'; SELECT 'a\\'; SELECT 3;"
    assert split(sql, "postgres") == [
        ("SELECT E'it\\'s; ok', e'\\\\'", 1, 1),
        ("SELECT 'a\\'", 1, 29),
        ("SELECT 3", 1, 42),
    ]


def test_mysql_backslash_escapes_and_backticks() -> None:
    sql = "SELECT 'a\\';b', \"c\\\";d\", `e;``f`; SELECT 2;"
    assert split(sql, "mysql") == [
        ("SELECT 'a\\';b', \"c\\\";d\", `e;``f`", 1, 1),
        ("SELECT 2", 1, 35),
    ]


def test_dollar_quotes_with_and_without_tags() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "DO $body$ BEGIN RAISE NOTICE '$$;'; PERFORM $$x;$$; END $body$;\n"
        "SELECT $a$ it's; $b$ $a$;"
    )
    assert split(sql, "postgres") == [
        ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", 1, 1),
        ("DO $body$ BEGIN RAISE NOTICE '$$;'; PERFORM $$x;$$; END $body$", 2, 1),
        ("SELECT $a$ it's; $b$ $a$", 3, 1),
    ]


def test_positional_parameters_are_not_dollar_quotes() -> None:
    sql = "SELECT * FROM t WHERE a = $1 AND b = $2;\nSELECT $1$;"
    assert split(sql, "postgres") == [
        ("SELECT * FROM t WHERE a = $1 AND b = $2", 1, 1),
        ("SELECT $1$", 2, 1),
    ]


def test_sqlite_trigger_body_is_one_statement() -> None:
    sql = (
        "CREATE TABLE t (id INTEGER, n INTEGER);\n"
        "CREATE TEMP TRIGGER IF NOT EXISTS trg AFTER INSERT ON t\n"
        "BEGIN\n"
        "  UPDATE t SET n = n + 1 WHERE id = NEW.id;\n"
        "  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'negative; no') END;\n"
        "END;\n"
        "INSERT INTO t VALUES (1, 2);"
    )
    trigger = (
        "CREATE TEMP TRIGGER IF NOT EXISTS trg AFTER INSERT ON t\n"
        "BEGIN\n"
        "  UPDATE t SET n = n + 1 WHERE id = NEW.id;\n"
        "  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'negative; no') END;\n"
        "END"
    )
    assert split(sql, "sqlite") == [
        ("CREATE TABLE t (id INTEGER, n INTEGER)", 1, 1),
        (trigger, 2, 1),
        ("INSERT INTO t VALUES (1, 2)", 7, 1),
    ]


def test_mysql_delimiter_lines() -> None:
    sql = (
        "DELIMITER //\n"
        "CREATE PROCEDURE p()\n"
        "BEGIN\n"
        "  SELECT 1;\n"
        "  SELECT 2;\n"
        "END //\n"
        "DELIMITER ;\n"
        "CALL p();\n"
    )
    expected = [
        ("CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND", 2, 1),
        ("CALL p()", 8, 1),
    ]
    assert split(sql, "mysql") == expected
    assert split(sql) == expected


def test_delimiter_wins_over_dollar_quote_in_generic_dialect() -> None:
    sql = (
        "DELIMITER $$\n"
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @x = 1; $$\n"
        "delimiter ;\n"
        "SELECT 1;"
    )
    assert split(sql) == [
        ("CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @x = 1;", 2, 1),
        ("SELECT 1", 4, 1),
    ]


def test_mysql_procedure_with_nested_blocks_without_delimiter() -> None:
    body = (
        "CREATE DEFINER=`root`@`localhost` PROCEDURE classify(IN x INT)\n"
        "BEGIN\n"
        "  IF x > 0 THEN\n"
        "    SELECT 'positive';\n"
        "  ELSEIF x < 0 THEN\n"
        "    IF x < -100 THEN SELECT 'very negative'; END IF;\n"
        "  ELSE\n"
        "    CASE x\n"
        "      WHEN 0 THEN SELECT 'zero';\n"
        "      ELSE BEGIN SELECT CASE WHEN x THEN 1 END; END;\n"
        "    END CASE;\n"
        "  END IF;\n"
        "  SELECT IF(x > 0, 'p', 'n');\n"
        "  lbl: LOOP LEAVE lbl; END LOOP lbl;\n"
        "  WHILE x > 0 DO SET x = x - 1; END WHILE;\n"
        "  REPEAT SET x = x + 1; UNTIL x > 3 END REPEAT;\n"
        "end"
    )
    sql = f"{body};\nSELECT 'after';\n"
    assert split(sql, "mysql") == [(body, 1, 1), ("SELECT 'after'", 18, 1)]


def test_plain_begin_is_an_ordinary_statement() -> None:
    sql = "BEGIN; INSERT INTO t VALUES (1); COMMIT;\nBEGIN TRANSACTION;\nEND;"
    assert split(sql) == [
        ("BEGIN", 1, 1),
        ("INSERT INTO t VALUES (1)", 1, 8),
        ("COMMIT", 1, 34),
        ("BEGIN TRANSACTION", 2, 1),
        ("END", 3, 1),
    ]


def test_mysql_executable_comments_and_hints_are_kept() -> None:
    sql = (
        "/*!40101 SET NAMES utf8 */;\n"
        "/*!50003 SET @x = 'a;b' */;\n"
        "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1;"
    )
    assert split(sql, "mysql") == [
        ("/*!40101 SET NAMES utf8 */", 1, 1),
        ("/*!50003 SET @x = 'a;b' */", 2, 1),
        ("SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1", 3, 1),
    ]


def test_hash_comments_in_mysql_only() -> None:
    sql = "# don't; split\nSELECT 1; # trailing; 'x\n  SELECT 2;"
    assert split(sql, "mysql") == [("SELECT 1", 2, 1), ("SELECT 2", 3, 3)]
    assert split("# no; split\nSELECT 1;", "sqlite") == [("# no", 1, 1), ("split\nSELECT 1", 1, 7)]


def test_mysql_double_dash_needs_a_following_space() -> None:
    sql = "SELECT 5--2;\nSELECT 2;"
    assert split(sql, "mysql") == [("SELECT 5--2", 1, 1), ("SELECT 2", 2, 1)]
    assert split(sql, "postgres") == [("SELECT 5--2;\nSELECT 2", 1, 1)]


def test_positions_after_multiline_strings_and_comments() -> None:
    sql = "SELECT 'a\nb\nc'; /* x\ny */ SELECT 2;  -- z\n\t SELECT 3;"
    assert split(sql) == [("SELECT 'a\nb\nc'", 1, 1), ("SELECT 2", 4, 6), ("SELECT 3", 5, 3)]


def test_crlf_line_endings() -> None:
    sql = "SELECT 1;\r\n-- c\r\n  SELECT\r\n  'a\r\nb';\r\nSELECT 3;\r\n"
    assert split(sql) == [
        ("SELECT 1", 1, 1),
        ("SELECT\r\n  'a\r\nb'", 3, 3),
        ("SELECT 3", 6, 1),
    ]


@pytest.mark.parametrize(
    ("sql", "dialect", "message", "line", "column"),
    [
        ("SELECT 1;\nSELECT 'abc;\n", None, "unterminated string starting here", 2, 8),
        ("SELECT 1;\r\n  SELECT $x$ abc $y$;", "postgres", "unterminated dollar-quoted", 2, 10),
        ('SELECT 1;\n\nSELECT "a', None, "unterminated quoted identifier", 3, 8),
        ('SELECT "a\\";', "mysql", "unterminated string", 1, 8),
        ("SELECT 1; /* a /* b */", "postgres", "unterminated block comment", 1, 11),
        ("SELECT 1;\n  /* comment", None, "unterminated block comment", 2, 3),
        ("SELECT 1;\n`a", "mysql", "unterminated quoted identifier", 2, 1),
    ],
)
def test_unterminated_constructs_are_located(
    sql: str, dialect: str | None, message: str, line: int, column: int
) -> None:
    with pytest.raises(ApplyError) as caught:
        split_sql(sql, dialect, source="seed/data.sql")
    assert message in caught.value.message
    location = caught.value.location
    assert location is not None
    assert (location.file, location.line, location.column) == ("seed/data.sql", line, column)


def test_error_without_source_has_no_file() -> None:
    with pytest.raises(ApplyError) as caught:
        split_sql("SELECT 'x")
    assert caught.value.location is not None
    assert caught.value.location.file is None
    assert (caught.value.location.line, caught.value.location.column) == (1, 8)


def test_five_thousand_statements() -> None:
    sql = "".join(f"INSERT INTO t VALUES ({i}, 'name; {i}');\n" for i in range(1, 5001))
    statements = split_sql(sql, "postgres")
    assert len(statements) == 5000
    assert statements[-1] == SqlStatement("INSERT INTO t VALUES (5000, 'name; 5000')", 5000, 1)


# Streaming: split_sql_stream and read_statements hold a window of the text, refilled as a
# step reaches its end; they must split exactly as split_sql does on the whole text.

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# The texts of the tests above, and constructs a chunk boundary could cut: a custom delimiter,
# a MySQL `--` before the end, a hint, END IF, a doubled quote, E'', a word delimiter in a tag.
STREAM_CASES: list[tuple[str, str | None]] = [
    ("SELECT 1; SELECT 2;", None),
    ("SELECT 1;\n\n  SELECT\n    2;\nINSERT INTO t VALUES (1)\n", None),
    (";;\n  ;", None),
    ("SELECT 1;\n-- only a comment\n/* and a block */ ;\n", None),
    ("-- don't; split here\nSELECT 1; -- it's; fine\nSELECT 2 -- trailing; 'x\n;", None),
    ("/* a; 'b */ SELECT 1; SELECT /* ; */ 2;", None),
    ("/* outer /* inner; */ still comment; */ SELECT 1;", "postgres"),
    ("/* outer /* inner; */ still comment; */ SELECT 1;", "sqlite"),
    ("SELECT 'a;b', 'c--d', 'it''s', '/*'; SELECT 2;", None),
    ('SELECT "a;""b" FROM t; SELECT 2;', "postgres"),
    ("SELECT E'it\\'s; ok', e'\\\\'; SELECT 'a\\'; SELECT 3;", "postgres"),
    ("SELECT 'a\\';b', \"c\\\";d\", `e;``f`; SELECT 2;", "mysql"),
    (
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "DO $body$ BEGIN RAISE NOTICE '$$;'; PERFORM $$x;$$; END $body$;\n"
        "SELECT $a$ it's; $b$ $a$;",
        "postgres",
    ),
    ("SELECT * FROM t WHERE a = $1 AND b = $2;\nSELECT $1$;", "postgres"),
    (
        "CREATE TABLE t (id INTEGER, n INTEGER);\n"
        "CREATE TEMP TRIGGER IF NOT EXISTS trg AFTER INSERT ON t\nBEGIN\n"
        "  UPDATE t SET n = n + 1 WHERE id = NEW.id;\n"
        "  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'negative; no') END;\n"
        "END;\nINSERT INTO t VALUES (1, 2);",
        "sqlite",
    ),
    (
        "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND //\n"
        "DELIMITER ;\nCALL p();\n",
        "mysql",
    ),
    (
        "DELIMITER $$\nCREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @x = 1; $$\n"
        "delimiter ;\nSELECT 1;",
        None,
    ),
    (
        "CREATE DEFINER=`root`@`localhost` PROCEDURE classify(IN x INT)\nBEGIN\n"
        "  IF x > 0 THEN\n    SELECT 'positive';\n  ELSEIF x < 0 THEN\n"
        "    IF x < -100 THEN SELECT 'very negative'; END IF;\n  ELSE\n    CASE x\n"
        "      WHEN 0 THEN SELECT 'zero';\n      ELSE BEGIN SELECT CASE WHEN x THEN 1 END; END;\n"
        "    END CASE;\n  END IF;\n  SELECT IF(x > 0, 'p', 'n');\n"
        "  lbl: LOOP LEAVE lbl; END LOOP lbl;\n  WHILE x > 0 DO SET x = x - 1; END WHILE;\n"
        "  REPEAT SET x = x + 1; UNTIL x > 3 END REPEAT;\nend;\nSELECT 'after';\n",
        "mysql",
    ),
    ("BEGIN; INSERT INTO t VALUES (1); COMMIT;\nBEGIN TRANSACTION;\nEND;", None),
    (
        "/*!40101 SET NAMES utf8 */;\n/*!50003 SET @x = 'a;b' */;\n"
        "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1;",
        "mysql",
    ),
    ("# don't; split\nSELECT 1; # trailing; 'x\n  SELECT 2;", "mysql"),
    ("# no; split\nSELECT 1;", "sqlite"),
    ("SELECT 5--2;\nSELECT 2;", "mysql"),
    ("SELECT 5--2;\nSELECT 2;", "postgres"),
    ("SELECT 'a\nb\nc'; /* x\ny */ SELECT 2;  -- z\n\t SELECT 3;", None),
    ("SELECT 1;\r\n-- c\r\n  SELECT\r\n  'a\r\nb';\r\nSELECT 3;\r\n", None),
    ("".join(f"INSERT INTO t VALUES ({i}, 'name; {i}');\n" for i in range(1, 201)), "postgres"),
    ("\ufeffSELECT 1;\nSELECT 'it''s';SELECT E'a''b';SELECT 1 --", "mysql"),
    ("SELECT E'a''\\'; SELECT 2;'; SELECT 3;", "postgres"),
    ("SELECT 'a''\\'; SELECT 2;'; SELECT 3;", "mysql"),
    ("DELIMITER --xyz\nSELECT 1 --xyz\nSELECT 2--xyz\nDELIMITER ;\nSELECT 3;", None),
    ("DELIMITER go\nSELECT $xgoyyyyyyy$ go $xgoyyyyyyy$ go\nSELECT 2 go", None),
    (
        "CREATE   OR REPLACE\n FUNCTION f() BEGIN IF x THEN SELECT 1; END   IF; END;\nSELECT 2;",
        None,
    ),
    ("CREATE TRIGGER t BEGIN CASE WHEN 1 THEN 2 END\n\n CASE; SELECT 1; END; SELECT 2;", "mysql"),
    ("SELECT 1;\nSELECT 'abc;\n", None),
    ("SELECT 1;\r\n  SELECT $x$ abc $y$;", "postgres"),
    ('SELECT 1;\n\nSELECT "a', None),
    ('SELECT "a\\";', "mysql"),
    ("SELECT 1; /* a /* b */", "postgres"),
    ("SELECT 1;\n  /* comment", None),
    ("SELECT 1;\n`a", "mysql"),
]


def outcome(statements: Callable[[], Iterable[SqlStatement]]) -> list[tuple[object, ...]]:
    """The statements as (text, line, column), then ("error", message, location) if one."""
    got: list[tuple[object, ...]] = []
    try:
        got.extend((s.text, s.line, s.column) for s in statements())
    except ApplyError as exc:
        got.append(("error", exc.message, exc.location))
    return got


def one_chunk(sql: str) -> Callable[[int], str]:
    chunks = iter((sql,))
    return lambda size: next(chunks, "")


def fixed_chunks(sql: str, chunk: int) -> Callable[[int], str]:
    """A reader that returns ``chunk`` characters whatever size is asked for."""
    text = io.StringIO(sql, newline="")
    return lambda size: text.read(chunk)


def stream(read: Callable[[int], str], dialect: str | None) -> list[tuple[object, ...]]:
    return outcome(lambda: split_sql_stream(read, dialect, source="seed/data.sql"))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
@pytest.mark.parametrize(("sql", "dialect"), STREAM_CASES)
def test_stream_with_tiny_chunks_splits_as_the_whole_text(
    sql: str, dialect: str | None, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = outcome(lambda: split_sql(sql, dialect, source="seed/data.sql"))
    in_one = stream(one_chunk(sql), dialect)
    if whole and whole[-1][0] == "error":  # the stream yields the statements before the error first
        assert in_one[-1] == whole[-1]
    else:
        assert in_one == whole
    monkeypatch.setattr(_sqlbuffer, "CHUNK", chunk)
    assert stream(io.StringIO(sql, newline="").read, dialect) == in_one
    assert stream(fixed_chunks(sql, chunk), dialect) == in_one


@pytest.mark.parametrize(("sql", "dialect"), STREAM_CASES)
def test_stream_cut_anywhere_splits_as_the_whole_text(sql: str, dialect: str | None) -> None:
    in_one = stream(one_chunk(sql), dialect)
    for cut in range(1, min(len(sql), 400)):
        pieces = iter((sql[:cut], sql[cut:]))
        assert stream(lambda size, p=pieces: next(p, ""), dialect) == in_one, cut


def test_stream_yields_the_statements_before_an_error() -> None:
    got = stream(one_chunk("SELECT 1;\nSELECT 'abc;\n"), None)
    assert got == [
        ("SELECT 1", 1, 1),
        ("error", "unterminated string starting here", Location("seed/data.sql", 2, 8)),
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("path", sorted(CORPUS.glob("**/*.sql")), ids=lambda p: p.parent.name)
def test_corpus_files_read_in_tiny_chunks_split_as_the_whole_text(
    path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect = path.parent.name
    whole = split_sql(path.read_text(encoding="utf-8-sig"), dialect, source=display_path(path))
    assert len(whole) > 10
    monkeypatch.setattr(_sqlbuffer, "CHUNK", chunk)
    got = [(s.sql, s.file, s.line, s.column) for s in read_statements(path, dialect)]
    # read_statements also drops a .dump's wrapping BEGIN/COMMIT (seedkit.sources.txguard).
    located = (LocatedStatement(s.text, display_path(path), s.line, s.column) for s in whole)
    assert got == [(s.sql, s.file, s.line, s.column) for s in guard(located)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64_000])
def test_file_bom_line_endings_and_multibyte_characters(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.sql"
    sql = "SELECT 'é€😀';\r\nSELECT\r'a\r\nb';\n\n  SELECT 'ü'\r"
    path.write_bytes(b"\xef\xbb\xbf" + sql.encode())
    monkeypatch.setattr(_sqlbuffer, "CHUNK", chunk)
    got = [(s.sql, s.line, s.column) for s in read_statements(path, "postgres")]
    assert got == [("SELECT 'é€😀'", 1, 1), ("SELECT\n'a\nb'", 2, 1), ("SELECT 'ü'", 6, 3)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"SELECT 1;\nSELECT '\xff';", "invalid start byte at byte 18"),
        # the offset counts from after a BOM, as Path.read_text reports it
        (b"\xef\xbb\xbfSELECT 1;\nSELECT '\xff';", "invalid start byte at byte 18"),
        (b"SELECT '\xc3(';", "invalid continuation byte at byte 8"),
        (b"SELECT 1;\nSELECT 2;\n\xe2\x82", "unexpected end of data at byte 20"),
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 64_000])
def test_file_not_utf8_names_the_byte(
    tmp_path: Path, data: bytes, reason: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.sql"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as decoding:
        path.read_text(encoding="utf-8-sig")
    assert f"{decoding.value.reason} at byte {decoding.value.start}" == reason
    monkeypatch.setattr(_sqlbuffer, "CHUNK", chunk)
    shown = display_path(path)
    with pytest.raises(ManifestError) as caught:
        list(read_statements(path, None))
    assert caught.value.message == f"{shown} is not UTF-8 text ({reason})"
    assert caught.value.location == Location(file=shown)
    assert caught.value.hint == "save the file as UTF-8"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.sql"
    with pytest.raises(ManifestError) as caught:
        list(read_statements(path, None))
    shown = display_path(path)
    assert caught.value.message == f"file not found: {shown}"
    assert caught.value.location == Location(file=shown)


def test_large_file_is_split_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small chunk makes a small file show what a large one would: memory held is a
    # statement and a chunk, never the file (the test stays quick under tracemalloc).
    monkeypatch.setattr(_sqlbuffer, "CHUNK", 2048)
    rows = 20_000
    path = tmp_path / "dump.sql"
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(f"INSERT INTO t VALUES ({i}, 'name; {i}');\n")
    size = path.stat().st_size
    gc.collect()
    tracemalloc.start()
    try:
        count, last = 0, None
        for stmt in read_statements(path, "postgres"):
            count, last = count + 1, stmt
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    assert last is not None
    assert (last.sql, last.line, last.column) == (
        f"INSERT INTO t VALUES ({rows - 1}, 'name; {rows - 1}')",
        rows,
        1,
    )
    assert size > 800_000
    assert peak < size / 20
