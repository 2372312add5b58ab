"""Each database's fast path stores what the generic loader stores, value by value.

Every test applies the same seed twice to a real database: once with the loader
seedkit picks (COPY, LOAD DATA, read_csv, SQLite's conversions) and once with the
generic executemany loader forced, and compares the tables row by row, or the
errors' messages and locations. A counter on the generic loader shows whether the
fast path ran or handed the step back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import _fresh_database

from seedkit import api
from seedkit.adapters.generic import GenericLoader
from seedkit.errors import SeedkitError

DDL = """CREATE TABLE items (
    id       INTEGER PRIMARY KEY,
    code     VARCHAR(16) NOT NULL UNIQUE,
    name     VARCHAR(200),
    qty      INTEGER,
    price    NUMERIC(12, 4),
    ratio    DOUBLE PRECISION,
    active   BOOLEAN,
    day      DATE,
    seen_at  TIMESTAMP,
    opens    TIME,
    note     TEXT
);
"""

HEADER = "id,code,name,qty,price,ratio,active,day,seen_at,opens,note\n"
#: Every field here is one a fast path may take as text: quoted delimiters, newlines
#: and quotes, NULL next to "", and each type in the forms seedkit accepts.
FAST_ROWS = (
    '1,A001,"Acme, Inc.",00123,1.5,0.1,true,2025-01-02,2025-01-02 09:30:00,09:30,plain\n'
    '2,A002,"two\nlines",+5,1e3,1e-5,YES,2024-02-29,2024-02-29T23:59,23:59:59,""\n'
    '3,A003,"say ""hi""",,.5,,off,,2025-01-02,,\n'
    '4,"A004", ,-7,"12.25",-0.0,0,1999-12-31,1999-12-31 00:00:01,00:00,"x, ""y"""\n'
    '5,A005,Zürich 東京 🚀,0,-0.00005,123456789.125,t,0001-01-01,,,"a\r\nb"\n'
    "6,A006,,2147483647,99999999.9999,2.5e-300,N,2000-02-29,2000-02-29 12:00,12:00:00,\\N\n"
)
#: Fields only seedkit's own reader takes on some databases: the word NULL (LOAD
#: DATA's NULL), fractions of seconds (SQLite keeps six digits), a blank line.
SLOW_ROWS = (
    "7,A007,NULL,1,1,nan,true,2025-01-02,2025-01-02 09:30:00.25,09:30:00.5,NULL\n"
    "\n"
    "8,A008,x,2,2,1,false,2025-01-03,2025-01-03T10:00:00.000001,10:00,y\n"
)
MANIFEST = """[project]
name = "fast"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.items]
csv = "items.csv"
mode = "{mode}"
"""


@pytest.fixture(params=["sqlite", "duckdb", "postgres", "mysql"])
def kind(request: pytest.FixtureRequest) -> str:
    """The database kind under test."""
    return str(request.param)


def _urls(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Two empty databases of one kind: one for the fast loader, one for the generic."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'fast.db'}", f"sqlite:///{tmp_path / 'generic.db'}"
    if kind == "duckdb":
        return (
            f"duckdb:///{tmp_path / 'fast.duckdb'}",
            f"duckdb:///{tmp_path / 'generic.duckdb'}",
        )
    fixture = "pg_url" if kind == "postgres" else "mysql_url"
    url = request.getfixturevalue(fixture)
    # The conftest gives one database per fixture: the generic run goes to a second one.
    return url, _second_database(kind)


_EXTRA: list[Iterator[str]] = []


def _second_database(kind: str) -> str:
    """Another empty database on the same server, from the conftest's factory."""
    variable = "SEEDKIT_TEST_POSTGRES_URL" if kind == "postgres" else "SEEDKIT_TEST_MYSQL_URL"
    database = _fresh_database(variable)
    _EXTRA.append(database)
    return next(database)


@pytest.fixture(autouse=True)
def _drop_extra() -> Any:
    yield
    while _EXTRA:
        next(_EXTRA.pop(), None)  # the factory's generator ends: emptied or dropped


def _seed(folder: Path, rows: str, mode: str = "insert", ddl: str = DDL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(ddl)
    (folder / "items.csv").write_text(HEADER + rows, encoding="utf-8", newline="")
    manifest = folder / "seed.toml"
    manifest.write_text(MANIFEST.format(mode=mode))
    return manifest


class _Generic:
    """Counts generic loads; forced, it is the only loader."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._monkeypatch = monkeypatch
        original = GenericLoader.load

        def counted(loader: GenericLoader, *args: Any) -> int:
            self.calls += 1
            return original(loader, *args)

        monkeypatch.setattr(GenericLoader, "load", counted)

    def force(self) -> None:
        from seedkit.plugins import PluginHost

        self._monkeypatch.setattr(PluginHost, "loader_for", lambda *_: GenericLoader())


def _rows(url: str, table: str = "items") -> list[tuple[Any, ...]]:
    """The table's rows as the driver returns them (NaN spelled out, so it equals itself)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")
            return [tuple("NaN" if v != v else v for v in r) for r in rows]
    finally:
        engine.dispose()


def _apply(manifest: Path, url: str, **options: Any) -> SeedkitError | None:
    try:
        api.apply(manifest, url=url, **options)
    except SeedkitError as exc:
        return exc
    return None


def _both(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: str,
    mode: str = "insert",
) -> tuple[Any, Any, int, str, str]:
    """Apply `rows` fast, then generic; return both outcomes and the fast run's generic calls."""
    fast_url, generic_url = _urls(kind, request, tmp_path)
    manifest = _seed(tmp_path / "seed", rows, mode)
    counter = _Generic(monkeypatch)
    fast = _apply(manifest, fast_url)
    fast_generic_calls = counter.calls
    counter.force()
    generic = _apply(manifest, generic_url)
    return fast, generic, fast_generic_calls, fast_url, generic_url


def test_fast_path_stores_what_generic_stores(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, generic, calls, fast_url, generic_url = _both(
        kind, request, tmp_path, monkeypatch, FAST_ROWS
    )
    assert fast is None and generic is None, (fast, generic)
    assert calls == 0, "the fast path handed the step to the generic loader"
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    assert len(stored) == 6
    names = {row[0]: row[2] for row in stored}
    assert names[2] == "two\nlines" and names[3] == 'say "hi"' and names[4] == " "
    notes = {row[0]: row[-1] for row in stored}
    assert notes[2] == "" and notes[3] is None and notes[5] == "a\r\nb" and notes[6] == "\\N"


def test_text_the_fast_path_does_not_cover_is_loaded_as_generic_loads_it(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MySQL stores no NaN: the generic loader fails there too.
    rows = SLOW_ROWS.replace(",nan,", ",1,") if kind == "mysql" else SLOW_ROWS
    fast, generic, _, fast_url, generic_url = _both(
        kind, request, tmp_path, monkeypatch, FAST_ROWS + rows
    )
    assert fast is None and generic is None, (fast, generic)
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    assert [r[0] for r in stored] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert stored[6][2] == "NULL"


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ("3,A003,x,12x,1,1,true,2025-01-02,,,\n", (4, 10)),  # not an integer
        ("3,A003,x,1,1,1,maybe,2025-01-02,,,\n", (4, 16)),  # not a boolean
        ("3,A003,x,1,1,1,true,2025-02-30,,,\n", (4, 21)),  # not a date
    ],
)
def test_a_bad_value_is_reported_where_the_generic_loader_reports_it(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad: str,
    where: tuple[int, int],
) -> None:
    good = "1,A001,a,1,1,1,true,2025-01-02,,,\n2,A002,b,2,2,2,false,2025-01-02,,,\n"
    fast, generic, _, fast_url, _ = _both(kind, request, tmp_path, monkeypatch, good + bad)
    assert fast is not None and generic is not None
    assert (type(fast), str(fast), fast.location) == (type(generic), str(generic), generic.location)
    assert (fast.location.line, fast.location.column) == where
    assert fast.location.file is not None and fast.location.file.endswith("items.csv")
    assert _table_is_empty_or_missing(fast_url)


@pytest.mark.parametrize(
    "bad",
    [
        '3,A003,ab"c,1,1,1,true,2025-01-02,,,\n',  # a quote inside an unquoted field
        '3,A003,"ab" ,1,1,1,true,2025-01-02,,,\n',  # a space after the closing quote
        '3,A003, "ab",1,1,1,true,2025-01-02,,,\n',  # a space before the opening quote
        '3,A003,"ab"c,1,1,1,true,2025-01-02,,,\n',  # text after the closing quote
        "3,A003,x,1,1,1,true,2025-01-02,,\n",  # a field short
        "3,A003,x,1,1,1,true,2025-01-02,,,,\n",  # an empty field too many (DuckDB drops it)
    ],
    ids=[
        "stray-quote",
        "space-after-quote",
        "space-before-quote",
        "after-quote",
        "short",
        "long",
    ],
)
def test_malformed_csv_is_refused_where_the_generic_loader_refuses_it(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad: str,
) -> None:
    # Some databases' readers take these quietly (DuckDB reads `"ab" ,` as `ab`); the
    # fast path must not, because seedkit's reader stops at them.
    good = "1,A001,a,1,1,1,true,2025-01-02,,,\n2,A002,b,2,2,2,false,2025-01-02,,,\n"
    fast, generic, _, fast_url, _ = _both(kind, request, tmp_path, monkeypatch, good + bad)
    assert fast is not None and generic is not None
    assert (type(fast), str(fast), fast.location) == (type(generic), str(generic), generic.location)
    assert fast.location.line == 4
    assert _table_is_empty_or_missing(fast_url)


def test_a_row_the_database_refuses_is_named_like_the_generic_loader_names_it(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = FAST_ROWS + '7,,"no code",1,1,1,true,2025-01-02,,,\n'  # code is NOT NULL
    fast, generic, calls, fast_url, _ = _both(kind, request, tmp_path, monkeypatch, rows)
    assert isinstance(fast, SeedkitError) and isinstance(generic, SeedkitError)
    assert fast.location is not None and generic.location is not None
    assert fast.location.file == generic.location.file
    assert fast.location.file is not None and fast.location.file.endswith("items.csv")
    if kind == "duckdb":
        # No savepoints: the generic loader names its batch's lines; the fast path finds
        # the row after the fact from DuckDB's message. Both carry that message.
        assert fast.location.line == 10 and generic.location.line == 2
        assert re.sub(r" \(in the rows at lines .*\)$", "", generic.message) == fast.message
    else:
        assert (fast.message, fast.location) == (generic.message, generic.location)
        assert fast.location.line == 10  # the header, six rows, one two-line field
        assert calls == 1  # the fast path replayed the step to name the row
    assert _table_is_empty_or_missing(fast_url)


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        # the unique code twice: the second one's line (a quoted newline before it)
        (FAST_ROWS + '7,A002,"dup",1,1,1,true,2025-01-02,,,\n', 10, 'duplicate key "A002"'),
        # the primary key twice
        (FAST_ROWS + '3,A009,"dup",1,1,1,true,2025-01-02,,,\n', 10, 'duplicate key "3"'),
        # a NULL where the table says NOT NULL: row 3, after the header, row 1 and row 2's
        # two lines
        (FAST_ROWS.replace("3,A003,", "3,,"), 5, "NOT NULL constraint failed"),
    ],
    ids=["unique-twice", "primary-key-twice", "not-null"],
)
def test_duckdb_names_the_line_of_a_row_it_refuses(
    tmp_path: Path, rows: str, line: int, message: str
) -> None:
    manifest = _seed(tmp_path / "seed", rows)
    url = f"duckdb:///{tmp_path / 'refused.duckdb'}"
    error = _apply(manifest, url)
    assert isinstance(error, SeedkitError) and message in error.message
    assert error.location is not None and error.location.file is not None
    assert error.location.file.endswith("items.csv") and error.location.line == line
    assert _table_is_empty_or_missing(url)


def test_duckdb_names_the_row_whose_key_was_in_the_table_already(tmp_path: Path) -> None:
    folder = tmp_path / "seed"
    manifest = _seed(folder, FAST_ROWS)
    (folder / "first.sql").write_text(
        "INSERT INTO items (id, code) VALUES (100, 'A004');\n"  # the CSV's row 4 (line 6)
    )
    text = manifest.read_text().replace(
        'mode = "insert"', 'mode = "insert"\ndepends_on = ["first"]'
    )
    manifest.write_text(text + '\n[steps.first]\nsql = "first.sql"\ntable = "items"\n')
    error = _apply(manifest, f"duckdb:///{tmp_path / 'refused.duckdb'}")
    assert isinstance(error, SeedkitError) and 'duplicate key "A004"' in error.message
    assert error.location is not None and error.location.line == 6


def test_a_blank_line_is_skipped_as_the_generic_loader_skips_it(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = FAST_ROWS + "\n7,A007,x,1,1,1,true,2025-01-02,,,\n"
    fast, generic, _, fast_url, generic_url = _both(kind, request, tmp_path, monkeypatch, rows)
    assert fast is None and generic is None, (fast, generic)
    assert _rows(fast_url) == _rows(generic_url)
    assert [r[0] for r in _rows(fast_url)] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("rows", "kept"),
    [
        (FAST_ROWS, 7),  # vouched: one insert
        (FAST_ROWS + "7,A007,x,1,1,1,maybe,2025-01-02,,,\n", 0),  # a bad boolean
        (FAST_ROWS + '7,A007,"x" ,1,1,1,true,2025-01-02,,,\n', 0),  # text after a quote
    ],
    ids=["vouched", "bad-value", "bad-quoting"],
)
def test_duckdb_into_a_table_holding_rows_checks_before_it_inserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: str, kept: int
) -> None:
    # Rows already in the table cannot be told from the step's own, so the checks run
    # before the insert: a file they refuse goes generic with nothing written.
    folder = tmp_path / "seed"
    manifest = _seed(folder, rows)
    (folder / "first.sql").write_text("INSERT INTO items (id, code) VALUES (100, 'Z100');\n")
    text = manifest.read_text().replace(
        'mode = "insert"', 'mode = "insert"\ndepends_on = ["first"]'
    )
    manifest.write_text(text + '\n[steps.first]\nsql = "first.sql"\ntable = "items"\n')
    counter = _Generic(monkeypatch)
    url = f"duckdb:///{tmp_path / 'held.duckdb'}"
    error = _apply(manifest, url)
    assert counter.calls == (0 if kept else 1)
    if kept:
        assert error is None
        assert len(_rows(url)) == kept
    else:
        assert isinstance(error, SeedkitError) and error.location is not None
        assert error.location.line == 10  # the header, six rows on eight lines, the bad one
        assert _table_is_empty_or_missing(url)


def test_duckdb_rows_taken_before_a_check_failed_are_taken_back(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty table: the insert runs while the quoting is checked, and leaves out the
    # row with a value its filter refuses. The rows it took go again before the generic
    # loader stores them all: a float word DuckDB's cast would read another way.
    rows = FAST_ROWS + "7,A007,x,1,1,nan,true,2025-01-02,,,\n"  # NaN: seedkit's converter
    fast, generic, calls, fast_url, generic_url = _both(
        "duckdb", request, tmp_path, monkeypatch, rows
    )
    assert fast is None and generic is None, (fast, generic)
    assert calls == 1
    assert _rows(fast_url) == _rows(generic_url)
    assert len(_rows(fast_url)) == 7


@pytest.mark.parametrize("mode", ["upsert", "replace", "mirror"])
def test_modes_leave_what_the_generic_loader_leaves(
    kind: str,
    mode: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast_url, generic_url = _urls(kind, request, tmp_path)
    first = _seed(tmp_path / "first", FAST_ROWS)
    counter = _Generic(monkeypatch)
    for url in (fast_url, generic_url):
        assert _apply(first, url) is None
    # The second seed changes rows 1-2, drops 3-6 and adds 9, by the mode under test.
    second = _seed(
        tmp_path / "first",
        '1,A001,"Acme, changed",1,1,1,false,2025-01-02,,,new\n'
        "9,A009,nine,9,9,9,true,2025-01-09,,,\n"
        '2,A002,"",2,2,2,true,2025-01-02,,,""\n',
        mode,
    )
    counter.calls = 0
    assert _apply(second, fast_url) is None
    fast_modes = {
        "postgres": ("upsert", "replace", "mirror"),
        "sqlite": ("upsert", "replace"),
        "mysql": ("replace",),
        "duckdb": ("upsert", "replace", "mirror"),
    }
    assert counter.calls == (0 if mode in fast_modes[kind] else 1)
    counter.force()
    assert _apply(second, generic_url) is None
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    assert [r[0] for r in stored] == {
        "upsert": [1, 2, 3, 4, 5, 6, 9],
        "replace": [1, 2, 9],
        "mirror": [1, 2, 9],
    }[mode]


def test_postgres_copies_typed_rows_of_other_sources(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_url, generic_url = _urls("postgres", request, tmp_path)
    folder = tmp_path / "rows"
    folder.mkdir()
    (folder / "schema.sql").write_text(
        DDL.replace(
            "    note     TEXT\n", "    note     TEXT,\n    at_utc TIMESTAMPTZ,\n    raw BYTEA\n"
        )
    )
    (folder / "seed.toml").write_text(
        '[project]\nname = "rows"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        "[steps.items]\nrows = [\n"
        '  { id = 1, code = "R1", name = "a\\tb", qty = 5, price = "1.25", ratio = 0.5, '
        "active = true, day = 2025-01-02, seen_at = 2025-01-02T03:04:05, opens = 09:30:00, "
        'note = "", at_utc = "2025-01-02 03:04:05+02:00", raw = "\\\\x00ff" },\n'
        '  { id = 2, code = "R2", at_utc = "2025-01-02 03:04:05" },\n'
        "]\n"
    )
    counter = _Generic(monkeypatch)
    assert _apply(folder / "seed.toml", fast_url) is None
    assert counter.calls == 0
    counter.force()
    assert _apply(folder / "seed.toml", generic_url) is None
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    assert stored[0][-1] == b"\x00\xff" and stored[0][-3] == ""


def test_postgres_streams_zoned_timestamps_in_utc(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_url, generic_url = _urls("postgres", request, tmp_path)
    folder = tmp_path / "tz"
    ddl = "CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT, at_utc TIMESTAMPTZ);\n"
    (folder).mkdir()
    (folder / "schema.sql").write_text(ddl)
    (folder / "items.csv").write_text(
        "id,code,at_utc\n1,a,2025-01-02 03:04:05\n2,b,2025-01-02T03:04:05+02:00\n3,c,2025-01-02 03:04Z\n"
    )
    (folder / "seed.toml").write_text(
        MANIFEST.format(mode="insert").replace('name = "fast"', 'name = "tz"')
    )
    for url in (fast_url, generic_url):
        engine = sa.create_engine(url)
        with engine.connect() as conn:  # a session zone far from UTC must not matter
            db = sa.make_url(url).database
            conn.exec_driver_sql(f"ALTER DATABASE \"{db}\" SET TimeZone = 'America/Lima'")
            conn.commit()
        engine.dispose()
    counter = _Generic(monkeypatch)
    assert _apply(folder / "seed.toml", fast_url) is None
    assert counter.calls == 0
    counter.force()
    assert _apply(folder / "seed.toml", generic_url) is None
    assert _rows(fast_url) == _rows(generic_url)
    assert _rows(fast_url)[0][2].utcoffset() is not None


def _table_is_empty_or_missing(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("items"):
                return True
            return conn.exec_driver_sql("SELECT count(*) FROM items").scalar() == 0
    finally:
        engine.dispose()


def test_postgres_typed_copy_lets_a_source_read_earlier_tables(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source reading through its TableReader between batches (as generated rows do
    for foreign keys) must not meet a COPY holding the connection."""
    from seedkit.sources.rows import RowsSource

    url = request.getfixturevalue("pg_url")
    folder = tmp_path / "reader"
    folder.mkdir()
    (folder / "schema.sql").write_text(
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE kids (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents (id));\n"
    )
    (folder / "parents.csv").write_text("id\n10\n20\n")
    (folder / "seed.toml").write_text(
        '[project]\nname = "reader"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        '[steps.parents]\ncsv = "parents.csv"\n\n'
        "[steps.kids]\nrows = [{ id = 1, parent = 10 }, { id = 2, parent = 20 }]\n"
    )
    original = RowsSource.batches
    seen: list[list[Any]] = []

    def reading(self: RowsSource, table: Any, size: int = 10_000) -> Any:
        for batch in original(self, table, 1):
            assert self.reader is not None
            seen.append(self.reader.column_values("parents", "id"))
            yield batch

    monkeypatch.setattr(RowsSource, "batches", reading)
    counter = _Generic(monkeypatch)
    assert _apply(folder / "seed.toml", url) is None
    assert counter.calls == 0
    assert seen == [[10, 20]]  # read while the step ran, before its COPY
    assert _rows(url, "kids") == [(1, 10), (2, 20)]


def _tiny_sqlite_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rows per statement, 40-character reads and pieces of six staged rows: every
    row crosses a boundary, and the stage moves into the table many times."""
    from seedkit.adapters import sqlite_fast as fast_sqlite

    monkeypatch.setattr(fast_sqlite, "_MAX_PARAMS", 22)
    monkeypatch.setattr(fast_sqlite, "_READ_CHARS", 40)
    monkeypatch.setattr(fast_sqlite, "_PIECE_ROWS", 5)


def test_sqlite_reader_thread_batches_store_what_generic_stores(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_sqlite_batches(monkeypatch)
    more = "".join(
        f'{n},B{n:03},"n, {n}",{n},{n}.5,{n}e-2,on,2025-01-02,,,""\n' for n in range(9, 40)
    )
    again = '10,B010,"again",10,10.5,1,off,2025-01-03,,,x\n'  # a key from an earlier piece
    twice = '9,B009,"nine again",9,9.5,1,off,2025-01-03,,,y\n'  # in the same piece
    more = more.replace("\n", "\n" + twice, 1)
    fast, generic, calls, fast_url, generic_url = _both(
        "sqlite", request, tmp_path, monkeypatch, FAST_ROWS + more + again, mode="upsert"
    )
    assert fast is None and generic is None, (fast, generic)
    assert calls == 0
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    assert [r[0] for r in stored] == [
        1,
        2,
        3,
        4,
        5,
        6,
        *range(9, 40),
    ]  # an odd count: a last short batch
    assert stored[-1][2] == "n, 39" and stored[-1][-1] == ""
    assert [r for r in stored if r[0] == 10][0][2] == "again"
    assert [r for r in stored if r[0] == 9][0][2] == "nine again"


def test_sqlite_refused_row_in_a_later_batch_is_named_like_the_generic_loader(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_sqlite_batches(monkeypatch)
    more = "".join(f"{n},B{n:03},x,1,1,1,true,2025-01-02,,,\n" for n in range(9, 20))
    rows = FAST_ROWS + more + "20,B009,dup,1,1,1,true,2025-01-02,,,\n" + more.replace("B", "C")
    fast, generic, calls, fast_url, _ = _both("sqlite", request, tmp_path, monkeypatch, rows)
    assert isinstance(fast, SeedkitError) and isinstance(generic, SeedkitError)
    assert (fast.message, fast.location) == (generic.message, generic.location)
    assert fast.location is not None and fast.location.line == 21  # code B009 again
    assert calls == 1
    assert _table_is_empty_or_missing(fast_url)


def test_sqlite_bad_value_late_in_the_file_is_reported_at_its_line(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_sqlite_batches(monkeypatch)
    more = "".join(f"{n},B{n:03},x,1,1,1,true,2025-01-02,,,\n" for n in range(9, 30))
    rows = FAST_ROWS + more + "30,B030,x,1,1,1,maybe,2025-01-02,,,\n"
    fast, generic, calls, fast_url, _ = _both("sqlite", request, tmp_path, monkeypatch, rows)
    assert isinstance(fast, SeedkitError) and isinstance(generic, SeedkitError)
    assert (str(fast), fast.location) == (str(generic), generic.location)
    assert fast.location is not None and (fast.location.line, fast.location.column) == (
        31,
        17,
    )  # header, 6 rows on 8 lines, 21 rows
    assert calls == 1
    assert _table_is_empty_or_missing(fast_url)


def test_mysql_without_local_infile_on_the_server_loads_through_the_generic_loader(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_url, generic_url = _urls("mysql", request, tmp_path)
    manifest = _seed(tmp_path / "seed", FAST_ROWS)
    server = sa.create_engine(fast_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        before = conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar()
        conn.exec_driver_sql("SET GLOBAL local_infile = 0")
    try:
        counter = _Generic(monkeypatch)
        assert _apply(manifest, fast_url) is None
        assert counter.calls == 1  # LOAD DATA LOCAL refused: the step went generic
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f"SET GLOBAL local_infile = {int(before)}")
        server.dispose()
    counter.force()
    assert _apply(manifest, generic_url) is None
    assert _rows(fast_url) == _rows(generic_url) and len(_rows(fast_url)) == 6


def test_a_glob_of_files_loads_and_locates_as_the_generic_loader_does(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = FAST_ROWS.splitlines(keepends=True)
    # Rows 1-2 in one file (row 2 spans two lines), rows 3-6 in the next.
    parts = {"a.csv": "".join(rows[:3]), "b.csv": "".join(rows[3:])}

    def seed(folder: Path, second: str) -> Path:
        manifest = _seed(folder, "")
        (folder / "items.csv").unlink()
        (folder / "items").mkdir()
        (folder / "items" / "a.csv").write_text(HEADER + parts["a.csv"], newline="")
        (folder / "items" / "b.csv").write_text(HEADER + second, newline="")
        manifest.write_text(manifest.read_text().replace('"items.csv"', '"items/*.csv"'))
        return manifest

    fast_url, generic_url = _urls(kind, request, tmp_path)
    manifest = seed(tmp_path / "good", parts["b.csv"])
    counter = _Generic(monkeypatch)
    assert _apply(manifest, fast_url) is None
    assert counter.calls == 0, "the fast path handed the step to the generic loader"
    counter.force()
    assert _apply(manifest, generic_url) is None
    assert _rows(fast_url) == _rows(generic_url) and [r[0] for r in _rows(fast_url)] == [
        1, 2, 3, 4, 5, 6,
    ]  # fmt: skip

    monkeypatch.undo()
    bad = seed(tmp_path / "bad", parts["b.csv"] + "7,A007,x,12x,1,1,true,2025-01-02,,,\n")
    fast = _apply(bad, fast_url, fresh=True)
    _Generic(monkeypatch).force()
    generic = _apply(bad, generic_url, fresh=True)
    assert fast is not None and generic is not None
    assert (str(fast), fast.location) == (str(generic), generic.location)
    assert fast.location is not None and fast.location.file is not None
    # b.csv: the header, rows 3 and 4, row 5 over two lines, row 6, then row 7
    assert fast.location.file.endswith("b.csv") and (fast.location.line, fast.location.column) == (
        7,
        10,
    )


def test_postgres_upsert_leaves_rows_that_are_already_there_alone(
    pg_url: str, tmp_path: Path
) -> None:
    # Unchanged rows keep their row version (xmin): no dead tuple, no index entry, no
    # UPDATE trigger for a change that changes nothing. The edited row gets a new one.
    assert _apply(_seed(tmp_path / "first", FAST_ROWS), pg_url) is None
    edited = FAST_ROWS.replace('"Acme, Inc."', '"Acme, changed"')
    engine = sa.create_engine(pg_url)
    try:
        query = sa.text("SELECT id, xmin::text, name FROM items ORDER BY id")
        with engine.connect() as conn:
            before = {r[0]: r[1] for r in conn.execute(query)}
        assert _apply(_seed(tmp_path / "first", edited, mode="upsert"), pg_url) is None
        with engine.connect() as conn:
            after = conn.execute(query).fetchall()
    finally:
        engine.dispose()
    assert [r[0] for r in after if r[1] != before[r[0]]] == [1]
    assert after[0][2] == "Acme, changed"
