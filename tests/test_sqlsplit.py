"""Tests for seedkit.sources.sqlsplit: statement texts, lines and columns, per dialect."""

from __future__ import annotations

import pytest

from seedkit.errors import ApplyError
from seedkit.sources.sqlsplit import SqlStatement, split_sql


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
