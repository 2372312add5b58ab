"""DuckDB runs of literal INSERTs as one INSERT of bound column strings
(seedkit.adapters.duckdb_runs): the same contents, value by value, as each statement run
alone, over ~38 column types and every kind of literal each accepts; the runs it does not
take; a failing row named at its own line; DuckDB's row-group setting put back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.adapters import batches, duckdb_runs
from seedkit.cli import app

#: Integers, decimals (one scale per statement group), booleans and quoted text.
INTS = ["0", "1", "-1", "7", "+5", "007", "-0", "127", "255", "32767", "65535", "2147483647"]
INTS += ["-2147483648", "2147483648", "4294967295", "9007199254740993", "16777217"]
INTS += ["123456789012345678", "-123456789012345678", "20240229"]
DECS = ["0.5", "1.5", "-1.5", "2.5", "0.1", "99.9", "-0.0", "123.4", "0.3", "1.0", "16777217.0"]
DECS3 = ["0.125", "1.005", "-2.675", "0.001", "123456.789"]
BOOLS = ["TRUE", "FALSE", "true", "false"]
NUMBERS_AS_TEXT = ["'0'", "'1'", "'-7'", "' 42 '", "'1.5'", "'0101'", "'-0'", "'1.23456789012'"]
TEXTS = NUMBERS_AS_TEXT + ["'1e3'", "'1_000'", "'0x1F'", "'99999999999999999999999'"]
TEXTS += ["'true'", "'f'", "'abc'", "''", "'it''s'", "'''quoted'''", "'a\\b'", "'\\x41'"]
TEXTS += ["'é 日本 ☃ 🎉'", "'e\u0301'", "'line\nbreak'", "'tab\there'", "'  x  '", "'null'"]
TEXTS += ["'NULL'", "'a; b -- c /* d */'", "'100% %s ?'", "'$$ $1 :name'", "'[1,2]'"]
TEXTS += ["'{\"a\": [1, 2]}'", "'\"s\"'", "'infinity'", "'nan'", "'2024-02-29'"]
WHEN = ["'2024-02-29'", "'2024-02-29 12:34:56.123456'", "'2024-02-29 12:34:56+02'", "'infinity'"]
CLOCK = ["'12:34:56'", "'12:34:56+02'", "'2024-02-29 12:34:56.123456'", "'00:00:00'"]
INTEGERS = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"]
UNSIGNED = ["UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"]
EXACT = ["DECIMAL(2,2)", "DECIMAL(3,0)", "DECIMAL(4,1)", "DECIMAL(9,3)", "DECIMAL(18,2)"]
EXACT += ["DECIMAL(38,0)", "DECIMAL(38,10)"]


def fits(column: str, literals: list[str]) -> list[str]:
    """The literals a column of this type takes, each alone (asked of DuckDB)."""
    conn = duckdb.connect()
    conn.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
    taken = []
    for literal in literals:
        conn.execute(f"CREATE OR REPLACE TABLE probe (v {column})")
        try:
            conn.execute(f"INSERT INTO probe VALUES ({literal})")
        except duckdb.Error:
            continue
        taken.append(literal)
    conn.close()
    return taken


#: Each column type with the literals written into it, by kind.
TYPES: dict[str, dict[str, list[str]]] = {
    **{
        t: {"int": INTS, "dec": DECS, "dec3": DECS3, "bool": BOOLS, "text": TEXTS} for t in INTEGERS
    },
    **{
        t: {"int": INTS, "dec": DECS, "dec3": DECS3, "bool": BOOLS, "text": TEXTS} for t in UNSIGNED
    },
    **{t: {"int": INTS, "dec": DECS, "dec3": DECS3, "bool": BOOLS, "text": TEXTS} for t in EXACT},
    "FLOAT": {"int": INTS, "dec": DECS, "dec3": DECS3, "text": TEXTS},
    "DOUBLE": {"int": INTS, "dec": DECS, "dec3": DECS3, "text": TEXTS},
    "BOOLEAN": {"int": INTS, "dec": DECS, "bool": BOOLS, "text": TEXTS},
    "VARCHAR": {"int": INTS, "dec": DECS, "dec3": DECS3, "bool": BOOLS, "text": TEXTS},
    "VARCHAR(10)": {"int": INTS, "text": TEXTS},
    "BLOB": {"text": TEXTS},
    "DATE": {"text": WHEN},
    "TIME": {"text": CLOCK},
    "TIMETZ": {"text": CLOCK},
    "TIME_NS": {"text": CLOCK},
    "TIMESTAMP": {"text": WHEN},
    "TIMESTAMP_S": {"text": WHEN},
    "TIMESTAMP_MS": {"text": WHEN},
    "TIMESTAMP_NS": {"text": WHEN},
    "TIMESTAMPTZ": {"text": WHEN},
    "INTERVAL": {"text": ["'1 day 2 hours'", "'3 months'", "'P1D'", "'12:34:56'", "'-7'"]},
    "UUID": {
        "text": ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{A0EEBC999C0B4EF8BB6D6BB9BD380A11}'"]
    },
    "JSON": {"int": INTS, "dec": DECS, "bool": BOOLS, "text": TEXTS},
    "mood": {"text": ["'happy'", "'sad'"]},
    "BIT": {"int": INTS, "bool": BOOLS, "text": ["'0'", "'1'", "'0101'"]},
    "BIGNUM": {"int": INTS, "text": TEXTS},
}
#: Where the run goes as written (seedkit.adapters.duckdb_runs): integers into a BIT
#: column, decimals into a JSON one.
AS_WRITTEN = {("BIT", "int"), ("JSON", "dec")}


def cases() -> list[tuple[str, str, str, list[str]]]:
    """(table, column type, kind, literals taken): one table each."""
    out = []
    for column, kinds in TYPES.items():
        for kind, literals in kinds.items():
            taken = fits(column, literals)
            assert taken, (column, kind)
            out.append((f"t{len(out)}", column, kind, taken))
    return out


def write_seed(folder: Path, ddl: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(ddl)
    (folder / "data.sql").write_text("-- data\n" + "\n".join(lines) + "\n")
    manifest = folder / "seed.toml"
    manifest.write_text(
        '[project]\nname = "duckdb-runs"\nddl = ["schema.sql"]\n\n[steps.data]\nsql = "data.sql"\n'
    )
    return manifest


def apply(manifest: Path, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    return result.exit_code, result.stderr


def contents(url: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows in the order written (rowid), every value as DuckDB spells it."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in tables:
            columns = [r[0] for r in conn.exec_driver_sql(f'DESCRIBE "{table}"').fetchall()]
            values = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
            sql = f'SELECT rowid, {values} FROM "{table}" ORDER BY rowid'
            out[table] = [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]
    engine.dispose()
    return out


def bound_heads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The head prefix of each run taken as bound strings, as the apply goes."""
    taken: list[str] = []
    real = duckdb_runs.bind

    def spying(tuples: list[str], target: duckdb_runs.Target) -> duckdb_runs.Bound | None:
        bound = real(tuples, target)
        if bound is not None:
            taken.append(target.prefix)
        return bound

    monkeypatch.setattr(duckdb_runs, "bind", spying)
    return taken


def one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "batcher_for", lambda *args: None)


def test_bound_runs_write_what_statements_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    all_cases = cases()
    assert len(TYPES) >= 38
    ddl = ["CREATE TYPE mood AS ENUM ('happy', 'sad');"]
    lines = []
    for table, column, _kind, literals in all_cases:
        # A text key: integers would keep a table with a BIT column from being bound.
        ddl.append(f"CREATE TABLE {table} (id VARCHAR, v {column});")
        rows = [f"('{i}', {lit})" for i, lit in enumerate(literals)]
        rows.append(f"('{len(literals)}', NULL)")
        for start in range(0, len(rows), 3):  # statements of one and two tuples
            lines.append(f"INSERT INTO {table} VALUES {rows[start]};")
            if rows[start + 1 : start + 3]:
                lines.append(
                    f"INSERT INTO {table} VALUES {', '.join(rows[start + 1 : start + 3])};"
                )
    manifest = write_seed(tmp_path / "seed", "\n".join(ddl) + "\n", lines)
    taken = bound_heads(monkeypatch)
    url = f"duckdb:///{tmp_path / 'bound.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    expected = {f"INSERT INTO {t}" for t, c, k, _ in all_cases if (c, k) not in AS_WRITTEN}
    assert set(taken) == expected
    tables = [t for t, *_ in all_cases]
    bound = contents(url, tables)

    one_by_one(monkeypatch)
    url = f"duckdb:///{tmp_path / 'one.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    single = contents(url, tables)
    for table, column, kind, literals in all_cases:
        assert len(single[table]) == len(literals) + 1
        assert bound[table] == single[table], (column, kind)


MIXED_DDL = """CREATE TABLE items (
    id     BIGINT PRIMARY KEY,
    "Name" VARCHAR NOT NULL,
    note   TEXT,
    price  DECIMAL(12, 2),
    qty    INTEGER DEFAULT 42,
    seen   TIMESTAMP,
    active BOOLEAN,
    nothing INTEGER,
    made   VARCHAR DEFAULT 'd'
);
CREATE TABLE other (k INTEGER, v TEXT);
"""


def mixed_lines() -> list[str]:
    """Runs of the benchmark's shape, with a column list in another order and quoted
    names, an all-NULL column, a column left to its default, runs not taken (mixed kinds,
    an exponent, `.5`) and statements between runs."""
    lines = []
    for i in range(1, 301):
        note = "NULL" if i % 5 == 0 else f"'n {i}; it''s -- x'"
        price = "NULL" if i % 7 == 0 else f"{i * 3 % 1000}.{i % 100:02d}"
        qty = "NULL" if i % 11 == 0 else str(-i)
        seen = "NULL" if i % 3 == 0 else f"'2024-01-{i % 28 + 1:02d} 01:02:03'"
        active = ["TRUE", "false", "NULL"][i % 3]
        row = f"({i}, 'item {i}', {note}, {price}, {qty}, {seen}, {active}, NULL)"
        if i % 50 == 7:
            lines.append(f"INSERT INTO other VALUES ({i}, 'o');")
        if i % 60 == 13:
            lines.append(f"UPDATE other SET v = 'u' WHERE k < {i};")
        if 100 < i <= 120:
            lines.append(
                f'INSERT INTO "items" (ACTIVE, "name", id, price) VALUES ({active}, '
                f"'q{i}', {i}, {price});"
            )
        elif 120 < i <= 130:  # mixed kinds in price: as written
            lines.append(
                f"INSERT INTO items (id, \"Name\", price) VALUES ({i}, 'm{i}', {i if i % 2 else price});"
            )
        elif 130 < i <= 135:  # an exponent, then `.5`: as written
            lines.append(f"INSERT INTO items (id, \"Name\", price) VALUES ({i}, 'e', 1e{i % 3});")
            lines.append(f"INSERT INTO items (id, \"Name\", price) VALUES ({i + 1000}, 'p', .5);")
        else:
            lines.append(
                f'INSERT INTO items (id, "Name", note, price, qty, seen, active, nothing) VALUES {row};'
            )
    return lines


def test_bound_runs_of_many_columns_write_what_statements_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_seed(tmp_path / "seed", MIXED_DDL, mixed_lines())
    taken = bound_heads(monkeypatch)
    url = f"duckdb:///{tmp_path / 'bound.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    assert len(taken) >= 4
    assert 'INSERT INTO "items" (ACTIVE, "name", id, price)' in taken
    bound = contents(url, ["items", "other"])
    one_by_one(monkeypatch)
    url = f"duckdb:///{tmp_path / 'one.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    single = contents(url, ["items", "other"])
    assert len(single["items"]) == 305
    assert bound == single


def target(*types: str) -> duckdb_runs.Target:
    conn = duckdb.connect()
    columns = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    conn.execute(f"CREATE TABLE t ({columns})")
    found = duckdb_runs.describe(conn.execute, "INSERT INTO t VALUES")
    conn.close()
    assert found is not None
    return found


def test_what_is_bound() -> None:
    two = target("INTEGER", "VARCHAR")
    bound = duckdb_runs.bind(["(1, 'a''b'), (2, NULL)", "(NULL, 'c')"], two)
    assert bound is not None
    assert bound.params == ["1\x002\x00NULL", "a'b\x00\x01\x00c"]
    assert bound.rows == 3
    assert bound.sql == (
        "INSERT INTO t SELECT TRY_CAST(c1 AS BIGINT), nullif(c2, chr(1)) FROM "
        "(SELECT unnest(string_split($1, chr(0))) AS c1, unnest(string_split($2, chr(0))) AS c2)"
    )
    nulls = duckdb_runs.bind(["(1.50, NULL)", "(-2.25, NULL)"], two)
    assert nulls is not None and nulls.params == ["1.50\x00-2.25"]
    assert nulls.sql.startswith("INSERT INTO t SELECT TRY_CAST(c1 AS DECIMAL(18,2)), NULL FROM")
    for tuples in [
        ["(1, 'a')", "('2', 'b')"],  # text among integers
        ["(1, 'a')", "(2.5, 'b')"],  # a decimal among integers
        ["(1.5, 'a')", "(2.25, 'b')"],  # two scales
        ["(1e3, 'a')"],  # an exponent
        ["(.5, 'a')"],
        ["(5., 'a')"],
        ["(1234567890123456789, 'a')"],  # 19 digits
        ["(1.123456789012345678, 'a')"],  # 19 digits
        ["(1, TRUE)", "(2, 'x')"],  # a boolean among text
        ["(1, 'a\x00b')"],  # NUL
        ["(1, 'a\x01b')"],  # the NULL mark
        ["(1, 'a', 3)"],  # three values into two columns
        ["(1)"],
        ["(1, 'a'), (2)"],
        ["(1, 'a'), (2, 'b', 'c')"],
        ["(NULL, NULL)"],  # nothing to bind
        ["(1, nul)"],
    ]:
        assert duckdb_runs.bind(tuples, two) is None, tuples
    bits = target("INTEGER", "BIT")
    assert duckdb_runs.bind(["(1, '0101')"], bits) is None
    assert duckdb_runs.bind(["('1', '0101')"], bits) is not None
    json = target("DECIMAL(9,2)", "JSON")
    assert duckdb_runs.bind(["(1.50, '{}')"], json) is None
    assert duckdb_runs.bind(["(1, '{}')"], json) is not None


@pytest.mark.parametrize(
    "column",
    [
        "INTEGER[]",
        "INTEGER[2]",
        "STRUCT(a INTEGER)",
        "MAP(VARCHAR, INTEGER)",
        "UNION(a INTEGER, b VARCHAR)",
    ],
)
def test_nested_columns_are_not_bound(column: str) -> None:
    conn = duckdb.connect()
    conn.execute(f"CREATE TABLE t (id INTEGER, v {column}, w VARCHAR)")
    assert duckdb_runs.describe(conn.execute, "INSERT INTO t VALUES") is None
    assert duckdb_runs.describe(conn.execute, "INSERT INTO t (id, v) VALUES") is None
    assert duckdb_runs.describe(conn.execute, "INSERT INTO t (id, w) VALUES") is not None
    assert duckdb_runs.describe(conn.execute, "INSERT INTO t (id, nope) VALUES") is None
    conn.close()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("({new}, 'x', 'not a number')", "Could not convert string 'not a number' to INT32"),
        ("({new}, NULL, '1')", 'NOT NULL constraint failed: items."name"'),
        ("({before}, 'again', '2')", "Duplicate key"),  # the key of the statement before
    ],
)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_failing_row_of_a_bound_run_is_named_at_its_line(
    broken: str, message: str, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ddl = "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, n INTEGER);\n"
    lines = [f"INSERT INTO items VALUES ({i}, 'it''s {i}', '{i}');" for i in range(1, 301)]
    at = {"first": 1, "middle": 150, "last": 300}[where]
    lines.insert(at, f"INSERT INTO items VALUES {broken.format(new=1000, before=at)};")
    manifest = write_seed(tmp_path / "seed", ddl, lines)
    taken = bound_heads(monkeypatch)
    url = f"duckdb:///{tmp_path / 'db.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 1, err
    assert taken  # the run went bound, and failed
    line = at + 2  # after the comment line, 1-based
    assert err.startswith(f"error: {tmp_path / 'seed' / 'data.sql'}:{line}:1"), err
    assert message.lower() in err.lower(), err
    assert "Traceback" not in err
    engine = sa.create_engine(url)
    try:
        assert set(sa.inspect(engine).get_table_names()) == set()  # as before the apply
    finally:
        engine.dispose()


def test_a_run_into_a_missing_table_is_named_at_its_line(tmp_path: Path) -> None:
    lines = ["INSERT INTO items VALUES (1, 'a');"] * 3 + ["INSERT INTO nowhere VALUES (1, 'a');"]
    manifest = write_seed(tmp_path / "seed", "CREATE TABLE items (id INTEGER, v TEXT);\n", lines)
    code, err = apply(manifest, f"duckdb:///{tmp_path / 'db.duckdb'}")
    assert code == 1, err
    assert err.startswith(f"error: {tmp_path / 'seed' / 'data.sql'}:5:1"), err
    assert "nowhere" in err


@pytest.mark.parametrize("fails", [False, True])
def test_the_row_group_setting_is_put_back(
    fails: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's write_buffer_row_group_count is 1 while bound runs are written, and what it
    was when the step ends, even when the step fails (its transaction aborted)."""
    seen: list[tuple[str, str]] = []

    def setting(batcher: duckdb_runs.DuckdbDirect) -> str:
        other = batcher.driver.duplicate()  # answers in an aborted transaction too
        try:
            found = other.execute(
                "SELECT value FROM duckdb_settings() WHERE name = 'write_buffer_row_group_count'"
            ).fetchone()
        finally:
            other.close()
        return str(found[0])

    real_submit, real_close = duckdb_runs.DuckdbDirect.add_run, duckdb_runs.DuckdbDirect.close

    def add_run(self, run, head, ported):  # type: ignore[no-untyped-def]
        taken = real_submit(self, run, head, ported)
        seen.append(("run", setting(self)))
        return taken

    def close(self) -> None:  # type: ignore[no-untyped-def]
        real_close(self)
        seen.append(("closed", setting(self)))

    monkeypatch.setattr(duckdb_runs.DuckdbDirect, "add_run", add_run)
    monkeypatch.setattr(duckdb_runs.DuckdbDirect, "close", close)
    lines = [f"INSERT INTO items VALUES ({i}, 'v{i}');" for i in range(1, 51)]
    lines += ["UPDATE items SET v = 'u' WHERE id = 1;"]
    lines += [f"INSERT INTO items VALUES ({i}, 'w{i}');" for i in range(51, 101)]
    if fails:
        lines.append("INSERT INTO items VALUES (7, 'again');")
    manifest = write_seed(
        tmp_path / "seed", "CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT);\n", lines
    )
    code, err = apply(manifest, f"duckdb:///{tmp_path / 'db.duckdb'}")
    assert code == (1 if fails else 0), err
    runs = [value for what, value in seen if what == "run"]
    closed = [value for what, value in seen if what == "closed"]
    assert runs[:2] == ["1", "1"]
    assert closed and set(closed) == {"5"}


def test_no_bound_runs_while_insertion_order_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"INSERT INTO items VALUES ({i}, 'v{i}');" for i in range(1, 21)]
    lines += ["SET preserve_insertion_order = false;"]
    lines += [f"INSERT INTO other VALUES ({i}, 'w{i}');" for i in range(1, 21)]
    ddl = "CREATE TABLE items (id INTEGER, v TEXT);\nCREATE TABLE other (id INTEGER, v TEXT);\n"
    manifest = write_seed(tmp_path / "seed", ddl, lines)
    taken = bound_heads(monkeypatch)
    url = f"duckdb:///{tmp_path / 'db.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    assert taken == ["INSERT INTO items"]
    got = contents(url, ["items", "other"])
    assert [row[1:] for row in got["other"]] == [(str(i), f"w{i}") for i in range(1, 21)]


def test_heads_read() -> None:
    assert duckdb_runs.head_parts("INSERT INTO t VALUES") == ("INSERT INTO t", "t", None)
    assert duckdb_runs.head_parts('insert into "s"."t x" ("a""b", c) values') == (
        'insert into "s"."t x" ("a""b", c)',
        '"s"."t x"',
        ['a"b', "c"],
    )
    assert duckdb_runs.head_parts("INSERT INTO db.s.t (a)\n  VALUES") == (
        "INSERT INTO db.s.t (a)",
        "db.s.t",
        ["a"],
    )
    for head in [
        "INSERT OR REPLACE INTO t VALUES",
        "INSERT INTO t SELECT",
        "INSERT INTO t() VALUES",
    ]:
        assert duckdb_runs.head_parts(head) is None, head


def test_a_schema_qualified_run_is_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ddl = 'CREATE SCHEMA s;\nCREATE TABLE s."T x" (id INTEGER, "v q" TEXT);\n'
    lines = [f"INSERT INTO s.\"T x\" (\"v q\", id) VALUES ('{i}''', {i});" for i in range(5)]
    manifest = write_seed(tmp_path / "seed", ddl, lines)
    taken = bound_heads(monkeypatch)
    url = f"duckdb:///{tmp_path / 'db.duckdb'}"
    code, err = apply(manifest, url)
    assert code == 0, err
    assert taken == ['INSERT INTO s."T x" ("v q", id)']
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql('SELECT id, "v q" FROM s."T x" ORDER BY rowid').fetchall()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(i, f"{i}'") for i in range(5)]
