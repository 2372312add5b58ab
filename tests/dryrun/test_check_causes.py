"""`seedkit check`: one root cause gives one problem. What fails only because an earlier
statement or row failed is "not checked" (issue 13, issue 17 item 5), and a foreign key
whose parent table the seed never creates is a problem, never a silent pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seedkit.cli import app


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside tmp_path, so reported paths are the seed's own file names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(root: Path, files: dict[str, str]) -> dict[str, Any]:
    """Write `files` into `root` and dry-run it; the JSON report."""
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def problems(report: dict[str, Any]) -> list[tuple[str, str, int, int | None]]:
    """(kind, file, line, column) of each problem."""
    return [(p["kind"], p["file"], p["line"], p["column"]) for p in report["problems"]]


def unchecked(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(file, line, reason) of each `not checked` entry."""
    return [
        (f["file"], f["line"], f["reason"])
        for f in report["fidelity"]
        if f["action"] == "not checked"
    ]


MANIFEST = """\
[project]
name = "causes"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.authors]
csv = "authors.csv"

[steps.books]
sql = "books.sql"
depends_on = ["authors"]

[steps.reviews]
csv = "reviews.csv"
depends_on = ["books"]
"""
SCHEMA = """\
CREATE TABLE authors (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id integer PRIMARY KEY, author_id integer REFERENCES authors (id), title text);
CREATE TABLE reviews (id integer PRIMARY KEY, book_id integer REFERENCES books (id));
"""
AUTHORS = "id,name\n1,Ann\n8,Bob\n"
BOOKS = """\
INSERT INTO books (id, author_id, title) VALUES (1, 1, 'a');
INSERT INTO books (id, author_id, title) VALUES (2, 8, 'b');
INSERT INTO books (id, author_id, title) VALUES (3, 8, 'c'), (4, 1, 'd');
"""
REVIEWS = "id,book_id\n1,1\n2,3\n3,4\n"


def seed(**changes: str) -> dict[str, str]:
    """The seed's files, with some replaced."""
    files = {
        "seed.toml": MANIFEST,
        "schema.sql": SCHEMA,
        "authors.csv": AUTHORS,
        "books.sql": BOOKS,
        "reviews.csv": REVIEWS,
    }
    files.update({k.replace("_", "."): v for k, v in changes.items()})
    return files


def test_the_seed_passes(in_tmp: Path) -> None:
    report = run(in_tmp, seed())
    assert report["problems"] == []
    assert [s["rows"] for s in report["steps"]] == [0, 2, 4, 3]


def test_a_failed_create_table_is_one_problem_and_what_needs_the_table_is_not_checked(
    in_tmp: Path,
) -> None:
    # Before: the CREATE, then each of the three INSERTs ("Table with name books does not exist").
    schema = SCHEMA.replace("title text)", "title text DEFAULT no_such_function())")
    report = run(in_tmp, seed(schema_sql=schema))
    assert problems(report) == [("sql", "schema.sql", 2, 107)]
    assert unchecked(report) == [
        (
            "books.sql",
            1,
            "3 statements from here on: `books` is missing: its CREATE at schema.sql:2 failed",
        ),
        (
            "reviews.csv",
            2,
            "foreign key of `reviews` to `books`: `books` does not exist "
            "(its CREATE at schema.sql:2 failed)",
        ),
    ]


def test_a_foreign_key_to_a_table_the_seed_never_creates_is_a_problem(in_tmp: Path) -> None:
    # Before: no problem at all; the reviews step read "ok".
    schema = SCHEMA.replace("REFERENCES books (id)", "REFERENCES book (id)")
    report = run(in_tmp, seed(schema_sql=schema))
    assert problems(report) == [("foreign_key", "schema.sql", 3, 1)]
    assert report["problems"][0]["message"] == (
        "foreign key of `reviews` (book_id) references `book`, which the seed does not create"
    )
    assert unchecked(report) == [
        (
            "reviews.csv",
            2,
            "foreign key of `reviews` to `book`: `book` does not exist "
            "(see the problem where the key is declared)",
        )
    ]


def test_a_refused_parent_row_is_one_problem_and_its_children_are_not_checked(
    in_tmp: Path,
) -> None:
    # Issue 17 item 5. Before: the NOT NULL, and one foreign key problem per book naming
    # author 8 ("load the parent row first"). A book naming author 99 is still a problem.
    books = BOOKS + "INSERT INTO books (id, author_id, title) VALUES (5, 99, 'e');\n"
    report = run(in_tmp, seed(authors_csv="id,name\n1,Ann\n8,\n", books_sql=books))
    assert problems(report) == [
        ("not_null", "authors.csv", 3, 3),
        ("foreign_key", "books.sql", 4, 49),
    ]
    assert unchecked(report) == [
        (
            "books.sql",
            2,
            "2 rows from here on: rows of `books` name a key of `authors` whose row was "
            "refused (at authors.csv:3)",
        )
    ]


def test_a_refused_row_of_a_sql_step_does_not_blame_its_children(in_tmp: Path) -> None:
    books = BOOKS.replace("(3, 8, 'c')", "(3, 'eight', 'c')")
    report = run(in_tmp, seed(books_sql=books))
    assert problems(report) == [("type", "books.sql", 3, 49)]
    assert unchecked(report) == [
        (
            "reviews.csv",
            3,
            "rows of `reviews` name a key of `books` whose row was refused (at books.sql:3)",
        )
    ]


FUNCTIONS_MANIFEST = '[project]\nname = "fn"\ndialect = "postgres"\nddl = ["schema.sql"]\n'
FUNCTIONS = """\
CREATE FUNCTION public.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE public.items (
    id integer PRIMARY KEY,
    code text DEFAULT public.next_code(),
    at timestamptz DEFAULT clock_timestamp()
);
CREATE TRIGGER items_touch BEFORE INSERT ON public.items FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TRIGGER items_same BEFORE UPDATE ON public.items
    FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE VIEW public.item_codes AS SELECT id, public.next_code() AS c FROM public.items;
INSERT INTO public.items (id) VALUES (1), (2);
"""


def test_functions_the_seed_creates_or_postgres_provides_are_no_problem(in_tmp: Path) -> None:
    # Before: "Scalar Function with name next_code does not exist", then the INSERT failed.
    report = run(in_tmp, {"seed.toml": FUNCTIONS_MANIFEST, "schema.sql": FUNCTIONS})
    assert report["problems"] == []
    assert report["steps"][0]["rows"] == 2
    reasons = {f["line"]: f["reason"] for f in report["fidelity"]}
    assert reasons[3] == "default calling `clock_timestamp` dropped: DuckDB lacks it"
    assert reasons[8] == "functions, procedures and triggers are not run by a dry run"
    assert reasons[11].startswith("it calls `next_code`, which DuckDB does not have")


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "message"),
    [
        (
            "EXECUTE FUNCTION public.touch()",
            "EXECUTE FUNCTION public.touch_it()",
            8,
            95,
            "trigger function `touch_it` does not exist",
        ),
        (
            "public.next_code() AS c",
            "public.next_kode() AS c",
            11,
            52,
            "function `next_kode` does not exist",
        ),
        (
            "DEFAULT public.next_code()",
            "DEFAULT public.nxt_code()",
            5,
            30,
            "function `nxt_code` does not exist",
        ),
    ],
)
def test_a_function_the_seed_never_creates_is_a_problem_at_its_statement(
    in_tmp: Path, old: str, new: str, line: int, column: int, message: str
) -> None:
    # Before: the trigger and the view were skipped as "not run by a dry run", silently.
    report = run(
        in_tmp, {"seed.toml": FUNCTIONS_MANIFEST, "schema.sql": FUNCTIONS.replace(old, new)}
    )
    assert problems(report) == [("sql", "schema.sql", line, column)]
    assert report["problems"][0]["message"] == (
        f"{message}: the seed does not create it before this statement, "
        "and PostgreSQL does not provide it"
    )


ORDER_SCHEMA = """\
CREATE TABLE categories (id integer PRIMARY KEY, parent_id integer REFERENCES categories (id));
CREATE TABLE items (id integer PRIMARY KEY, category_id integer REFERENCES categories (id));
"""
ORDER_DATA = """\
INSERT INTO categories VALUES (1, NULL);
INSERT INTO categories VALUES (2, 3);
INSERT INTO categories VALUES (3, 1);
INSERT INTO categories VALUES (4, 5), (5, 1);
INSERT INTO items VALUES (1, 6);
INSERT INTO categories VALUES (6, 1);
"""
ORDER_MANIFEST = """\
[project]
name = "order"
dialect = "{dialect}"
ddl = ["schema.sql"]

[steps.categories]
sql = "data.sql"
"""


def test_a_parent_row_inserted_by_a_later_statement_is_a_problem_as_on_postgres(
    in_tmp: Path,
) -> None:
    # Before: no problem (the parents are there when the step ends); PostgreSQL refuses
    # line 5. A parent in the same statement (line 4) is fine, and so is line 2: a
    # self-reference is checked after the data (issue 14), as the apply does.
    report = run(
        in_tmp,
        {
            "seed.toml": ORDER_MANIFEST.format(dialect="postgres"),
            "schema.sql": ORDER_SCHEMA,
            "data.sql": ORDER_DATA,
        },
    )
    assert problems(report) == [("foreign_key", "data.sql", 5, 26)]
    assert report["problems"][0]["message"] == (
        "foreign key of `items`: category_id = 6 has no row in `categories` when this "
        "statement ends; the parent row is inserted by a later statement (at data.sql:6)"
    )


@pytest.mark.parametrize(
    ("dialect", "schema", "data"),
    [
        (
            "postgres",
            ORDER_SCHEMA.replace("(id));", "(id) DEFERRABLE INITIALLY DEFERRED);"),
            ORDER_DATA,
        ),
        ("mysql", ORDER_SCHEMA, "SET FOREIGN_KEY_CHECKS=0;\n" + ORDER_DATA),
        (
            "mysql",
            ORDER_SCHEMA,
            "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
            + ORDER_DATA,
        ),
        ("postgres", ORDER_SCHEMA, "SET session_replication_role = replica;\n" + ORDER_DATA),
        ("sqlite", ORDER_SCHEMA, "PRAGMA foreign_keys=OFF;\n" + ORDER_DATA),
        (
            "postgres",
            "CREATE TABLE categories (id integer PRIMARY KEY, parent_id integer);\n"
            "CREATE TABLE items (id integer PRIMARY KEY, category_id integer);\n",
            ORDER_DATA
            + "ALTER TABLE categories ADD FOREIGN KEY (parent_id) REFERENCES categories (id);\n"
            + "ALTER TABLE items ADD FOREIGN KEY (category_id) REFERENCES categories (id);\n",
        ),
    ],
)
def test_keys_deferred_switched_off_or_added_after_the_rows_are_checked_when_the_step_ends(
    in_tmp: Path, dialect: str, schema: str, data: str
) -> None:
    report = run(
        in_tmp,
        {
            "seed.toml": ORDER_MANIFEST.format(dialect=dialect),
            "schema.sql": schema,
            "data.sql": data,
        },
    )
    assert report["problems"] == []
    assert report["steps"][-1]["rows"] == 7


NO_DDL_MANIFEST = """\
[project]
name = "no-ddl"
dialect = "postgres"

[steps.venues]
csv = "venues.csv"

[steps.seats]
csv = "seats.csv"
depends_on = ["venues"]

[steps.extra]
sql = "extra.sql"
depends_on = ["seats"]
"""
NO_DDL_FILES = {
    "seed.toml": NO_DDL_MANIFEST,
    "venues.csv": "venue_id,name\n1,Hall\n2,Club\n",
    "seats.csv": "seat_id,venue_id,label\n1,1,A1\n2,1,A2\n3,2,\n4,9,B1\n",
    "extra.sql": "INSERT INTO seats (seat_id, venue_id, label) VALUES (5, 2, 'C1');\n"
    "INSERT INTO seats (seat_id, venue_id, label) VALUES (6, 2, 'C2');\n",
}


def test_without_ddl_check_says_once_that_it_knows_no_table(in_tmp: Path) -> None:
    # Issue 17 item 4. Before: one "Table with name seats does not exist!" per statement and step.
    report = run(in_tmp, NO_DDL_FILES)
    assert [(p["kind"], p["message"]) for p in report["problems"]] == [
        (
            "manifest",
            "this seed has no DDL, so the dry run knows none of its tables: what loads into "
            "them is not checked",
        )
    ]
    reason = "the seed has no DDL, and check was given no --url to read the tables from"
    assert unchecked(report) == [
        ("seed.toml", 6, f"`venues` is missing: {reason}"),
        ("seed.toml", 9, f"`seats` is missing: {reason}"),
        ("extra.sql", 1, f"2 statements from here on: `seats` is missing: {reason}"),
    ]


def test_without_ddl_check_reads_the_tables_from_url(in_tmp: Path, pg_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE venues (venue_id integer PRIMARY KEY, name varchar(10) NOT NULL)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE seats (seat_id serial PRIMARY KEY, venue_id integer NOT NULL "
            "REFERENCES venues (venue_id), label text NOT NULL)"
        )
    engine.dispose()
    for name, text in NO_DDL_FILES.items():
        (in_tmp / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--format", "json", "--url", pg_url])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert problems(report) == [
        ("not_null", "seats.csv", 4, 5),
        ("foreign_key", "seats.csv", 5, 3),
    ]
    assert [s["rows"] for s in report["steps"]] == [2, 3, 2]
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:  # read only: nothing was written
        assert conn.exec_driver_sql("SELECT count(*) FROM seats").scalar() == 0
    engine.dispose()


def test_a_table_the_seed_never_creates_is_one_problem_for_all_its_statements(
    in_tmp: Path,
) -> None:
    # Before: one "Table with name book does not exist!" per statement.
    books = BOOKS.replace("INTO books", "INTO book")
    report = run(in_tmp, seed(books_sql=books, reviews_csv="id,book_id\n"))
    assert problems(report) == [("sql", "books.sql", 1, 13)]
    assert unchecked(report) == [
        (
            "books.sql",
            2,
            "2 statements from here on: `book` is missing: it does not exist "
            "(reported at books.sql:1)",
        )
    ]


def test_a_refused_row_of_a_mysql_extended_insert_does_not_blame_its_children(
    in_tmp: Path,
) -> None:
    # The INSERT holds a backslash escape, so it is transpiled and narrowed row by row.
    files = {
        "seed.toml": MANIFEST.replace('"postgres"', '"mysql"'),
        "schema.sql": SCHEMA,
        "authors.csv": AUTHORS,
        "books.sql": "INSERT INTO books (id, author_id, title) VALUES\n"
        "(1,1,'a\\\\b'),\n(2,8,NULL),\n(3,8,'c');\n",
        "reviews.csv": "id,book_id\n1,1\n2,2\n3,7\n",
    }
    files["schema.sql"] = SCHEMA.replace("title text)", "title text NOT NULL)")
    report = run(in_tmp, files)
    assert problems(report) == [
        ("not_null", "books.sql", 3, 1),
        ("foreign_key", "reviews.csv", 4, 3),
    ]
    assert unchecked(report) == [
        (
            "reviews.csv",
            3,
            "rows of `reviews` name a key of `books` whose row was refused (at books.sql:3)",
        )
    ]


def test_switching_foreign_keys_off_lasts_only_to_the_end_of_its_file(in_tmp: Path) -> None:
    # apply puts a file's session settings back after it: so does check.
    manifest = ORDER_MANIFEST.format(dialect="mysql").replace(
        'ddl = ["schema.sql"]', 'ddl = ["schema.sql"]\ninfer_dependencies = false'
    ) + ('\n[steps.more]\nsql = "more.sql"\ntable = "categories"\ndepends_on = ["categories"]\n')
    report = run(
        in_tmp,
        {
            "seed.toml": manifest,
            "schema.sql": ORDER_SCHEMA,
            "data.sql": "SET FOREIGN_KEY_CHECKS=0;\n" + ORDER_DATA,
            "more.sql": "INSERT INTO items VALUES (7, 8);\nINSERT INTO categories VALUES (8, 1);\n",
        },
    )
    assert problems(report) == [("foreign_key", "more.sql", 1, 26)]
