"""The row of a multi-row INSERT (or of DuckDB's COPY from a CSV file) a database error
names, found from the key or values in its message."""

from __future__ import annotations

from pathlib import Path

from seedkit.errors import Location
from seedkit.sqltext.rowlocate import locate_file_row, locate_row

AT = Location("dump.sql", 10, 1)
ROWS = "INSERT INTO t VALUES\n\t(1, 'a;b', 7),\n\t(2, 'it''s', 8),\n\t(1, 'x\\\\y', 9);"


def test_repeated_key_names_the_row_that_repeats_it() -> None:
    assert locate_row(ROWS, AT, "Key (id)=(1) already exists.", False) == Location(
        "dump.sql", 13, 2
    )
    mysql = "INSERT INTO `t` VALUES (5,'A-1'),\n(6,'B'),\n(5,'A-1');"
    message = "Duplicate entry '5-A-1' for key 'PRIMARY' (1062)"
    assert locate_row(mysql, AT, message, True) is None  # '5-A-1' is ambiguous: not guessed
    assert locate_row(mysql, AT, "Duplicate entry '6' for key 'PRIMARY'", True) == Location(
        "dump.sql", 11, 1
    )


def test_failing_row_and_bulk_commit_messages() -> None:
    failing = 'null value in column "n" violates not-null constraint: Failing row contains (2, it\'s, null).'
    assert locate_row(ROWS, AT, failing, False) == Location("dump.sql", 12, 2)
    commit = 'Got error 1 "Operation not permitted" during COMMIT (1180)'
    assert locate_row(ROWS, AT, commit, False) == Location("dump.sql", 13, 2)


def test_one_line_or_unnamed_rows_are_left_at_the_statement() -> None:
    assert (
        locate_row("INSERT INTO t VALUES (1), (1);", AT, "Key (id)=(1) already exists.", False)
        is None
    )
    assert locate_row(ROWS, AT, "permission denied for table t", False) is None
    assert (
        locate_row("UPDATE t SET a = 1\nWHERE b = 2", AT, "Key (id)=(1) already exists.", False)
        is None
    )


def test_duckdb_copy_from_a_csv_file(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text('id,name\n1,"a\nb"\n2,c\n1,d\n', encoding="utf-8")
    sql = f"COPY t FROM '{csv}' (FORMAT 'csv', quote '\"', delimiter ',', header 1)"
    message = 'Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "1"'
    found = locate_file_row(sql, message)
    assert found is not None and (found.line, found.column) == (5, 1)
    assert locate_file_row(sql, "Conversion Error: could not convert") is None
