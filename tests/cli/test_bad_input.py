"""Each kind of bad input: one message naming the place, the right exit code, and an
unchanged target (the SQLite file byte for byte; on PostgreSQL, no table left behind)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from example import copy_example, table_names
from typer.testing import CliRunner

from seedkit.cli import app


@dataclass
class Seed:
    """A copy of the example seed in a temporary folder, with helpers to break it."""

    manifest: Path
    data: Path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.manifest.parent / relative if relative == "seed.toml" else self.data / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def line_of(self, relative: str, needle: str) -> int:
        path = self.manifest.parent / relative if relative == "seed.toml" else self.data / relative
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {relative}")

    def column_of(self, relative: str, needle: str) -> int:
        path = self.data / relative
        for line in path.read_text(encoding="utf-8").splitlines():
            if needle in line:
                return line.index(needle) + 1
        raise AssertionError(needle)


@pytest.fixture
def seed(tmp_path: Path) -> Seed:
    manifest = copy_example(tmp_path)
    return Seed(manifest, tmp_path / "data" / "market")


@pytest.fixture
def sqlite_target(tmp_path: Path) -> tuple[str, Callable[[], str]]:
    """A SQLite database holding one table of its own, and a fingerprint of its bytes."""
    path = tmp_path / "target.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE keep (x TEXT)")
        conn.execute("INSERT INTO keep VALUES ('mine')")
    conn.close()

    def fingerprint() -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    return f"sqlite:///{path}", fingerprint


def apply(seed: Seed, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["apply", "-m", str(seed.manifest), "--url", url])
    return result.exit_code, result.stderr


def expect(
    seed: Seed,
    target: tuple[str, Callable[[], str]],
    code: int,
    where: str,
    *words: str,
) -> str:
    url, fingerprint = target
    before = fingerprint()
    exit_code, err = apply(seed, url)
    assert exit_code == code, err
    assert err.startswith(f"error: {where}"), err
    for word in words:
        assert word in err, err
    assert "Traceback" not in err
    assert fingerprint() == before
    return err


def test_malformed_toml(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit("seed.toml", "[steps.sectors]", "[steps.sectors")
    line = seed.line_of("seed.toml", "[steps.sectors")
    expect(seed, sqlite_target, 2, f"{seed.manifest}:{line}:15", "invalid TOML")


def test_unknown_key(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit("seed.toml", 'depends_on = ["tickers"]', 'depnds_on = ["tickers"]')
    line = seed.line_of("seed.toml", "depnds_on")
    expect(
        seed,
        sqlite_target,
        2,
        f"{seed.manifest}:{line}:1 [steps.rules.depnds_on]",
        "unknown key `steps.rules.depnds_on`",
        "did you mean `depends_on`?",
    )


def test_unknown_key_in_inline_table(
    seed: Seed, sqlite_target: tuple[str, Callable[[], str]]
) -> None:
    seed.edit("seed.toml", 'delimiter = ";"', 'delimter = ";"')
    line = seed.line_of("seed.toml", "delimter")
    expect(
        seed,
        sqlite_target,
        2,
        f"{seed.manifest}:{line}:",
        "unknown key `steps.tickers.csv.delimter`",
        "did you mean `delimiter`?",
    )


def test_missing_file(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit("seed.toml", "exchanges.csv", "exchange.csv")
    line = seed.line_of("seed.toml", "exchange.csv")
    expect(
        seed,
        sqlite_target,
        2,
        f"{seed.manifest}:{line}:1 [steps.exchanges.csv]",
        "file not found: ../../data/market/exchange.csv",
    )


def test_unknown_dependency(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit("seed.toml", 'depends_on = ["tickers"]', 'depends_on = ["tickerz"]')
    line = seed.line_of("seed.toml", "tickerz")
    expect(
        seed,
        sqlite_target,
        2,
        f"{seed.manifest}:{line}:1 [steps.rules.depends_on]",
        "step `rules` depends on `tickerz`, which is not a step",
        "did you mean `tickers`?",
    )


def test_cycle_names_its_path(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit(
        "seed.toml",
        'csv = "../../data/market/exchanges.csv"',
        'csv = "../../data/market/exchanges.csv"\ndepends_on = ["rules"]',
    )
    line = seed.line_of("seed.toml", 'depends_on = ["rules"]')
    expect(
        seed,
        sqlite_target,
        2,
        f"{seed.manifest}:{line}:1 [steps.exchanges.depends_on]",
        "dependency cycle: exchanges -> rules -> tickers -> exchanges",
        "remove `rules` from the `depends_on` of `exchanges`",
    )


def test_csv_header_names_unknown_column(
    seed: Seed, sqlite_target: tuple[str, Callable[[], str]]
) -> None:
    seed.edit("tickers.csv", ";isin;", ";isn;")
    column = seed.column_of("tickers.csv", "isn;")
    expect(
        seed,
        sqlite_target,
        1,
        f"{seed.data / 'tickers.csv'}:1:{column}",
        "header names column `isn`, which table tickers does not have",
    )


def test_ragged_row(seed: Seed, sqlite_target: tuple[str, Callable[[], str]]) -> None:
    seed.edit("tickers.csv", "1980-12-12;true;", "1980-12-12;true;;extra")
    line = seed.line_of("tickers.csv", "extra")
    expect(seed, sqlite_target, 1, f"{seed.data / 'tickers.csv'}:{line}", "11 fields")


def test_value_that_does_not_convert(
    seed: Seed, sqlite_target: tuple[str, Callable[[], str]]
) -> None:
    seed.edit("tickers.csv", "Microsoft Corporation;1;", "Microsoft Corporation;one;")
    line = seed.line_of("tickers.csv", ";one;")
    column = seed.column_of("tickers.csv", "one;0.0100")
    expect(
        seed,
        sqlite_target,
        1,
        f"{seed.data / 'tickers.csv'}:{line}:{column}",
        "column `lot_size`",
        "'one'",
    )


def test_foreign_key_violation_names_the_row(
    seed: Seed, sqlite_target: tuple[str, Callable[[], str]]
) -> None:
    seed.edit("tickers.csv", "7203;3;30;", "7203;99;30;")
    line = seed.line_of("tickers.csv", "7203;99")
    expect(
        seed,
        sqlite_target,
        1,
        f"{seed.data / 'tickers.csv'}:{line}",
        "FOREIGN KEY constraint failed",
    )


def test_failing_sql_statement_names_its_first_line(
    seed: Seed, sqlite_target: tuple[str, Callable[[], str]]
) -> None:
    seed.edit("sectors.sql", "VALUES (40, '0040',", "VALUES (40, '0040', 'extra',")
    # The second statement starts on the line before its VALUES line.
    second = seed.line_of("sectors.sql", "'extra'") - 1
    assert second == 7
    expect(seed, sqlite_target, 1, f"{seed.data / 'sectors.sql'}:{second}:1", "5 values")


def test_unreachable_database_masks_the_password(seed: Seed) -> None:
    exit_code, err = apply(seed, "postgresql+psycopg://seeder:s3cr3t-pw@127.0.0.1:9/market")
    assert exit_code == 2, err
    assert "cannot connect to postgresql+psycopg://seeder:***@127.0.0.1:9/market" in err
    assert "s3cr3t-pw" not in err


def test_missing_driver_names_the_extra(seed: Seed) -> None:
    exit_code, err = apply(seed, "mysql+mysqldb://root:pw@127.0.0.1/market")
    assert exit_code == 2, err
    assert "driver" in err and "not installed" in err
    assert "pip install 'seedkit[mysql]'" in err
    assert ":pw@" not in err


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        ("tickers.csv", "1980-12-12;true;", "1980-12-12;true;;extra", ["11 fields"]),
        ("tickers.csv", "Microsoft Corporation;1;", "Microsoft Corporation;one;", ["lot_size"]),
        ("tickers.csv", "7203;3;30;", "7203;99;30;", ["tickers_exchange_fk"]),
        ("sectors.sql", "VALUES (40, '0040',", "VALUES (40, '0040', 'x',", ["INSERT"]),
    ],
)
def test_failed_apply_leaves_no_table_on_postgres(
    seed: Seed, pg_url: str, file: str, old: str, new: str, words: list[str]
) -> None:
    seed.edit(file, old, new)
    exit_code, err = apply(seed, pg_url)
    assert exit_code == 1, err
    assert err.startswith(f"error: {seed.data / file}:"), err
    for word in words:
        assert word in err, err
    assert table_names(pg_url) == set()


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "mysql"])
def test_duplicate_key_within_one_file_names_the_second_row(
    seed: Seed, kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'dup.db'}"
        if kind == "sqlite"
        else request.getfixturevalue("pg_url" if kind == "postgres" else "mysql_url")
    )
    seed.edit("tickers.csv", "7203;3;30;", "AAPL;3;30;")
    line = seed.line_of("tickers.csv", "AAPL;3;30;")
    exit_code, err = apply(seed, url)
    assert exit_code == 1, err
    assert err.startswith(f"error: {seed.data / 'tickers.csv'}:{line}:"), err
    assert "Traceback" not in err and "unexpected" not in err
    if kind == "postgres":
        assert table_names(url) == set()


@pytest.mark.parametrize("file", ["schema.sql", "sectors.sql"])
def test_a_syntax_error_at_the_end_of_a_sql_file_changes_no_database(
    seed: Seed, url: str, file: str
) -> None:
    # SQL files are split as they are read. DDL is split at plan time; on MySQL, whose
    # steps commit one by one, every SQL file is split once before anything runs, so no
    # step before the broken file is left applied.
    path = seed.data / file
    path.write_text(path.read_text() + "\nCREATE TABLE z (note TEXT DEFAULT 'oops);\n")
    line = seed.line_of(file, "DEFAULT 'oops")
    column = seed.column_of(file, "'oops")
    exit_code, err = apply(seed, url)
    assert exit_code in (1, 2), err
    assert err.startswith(f"error: {path}:{line}:{column}"), err
    assert "Traceback" not in err
    assert table_names(url) - {"seedkit_history"} == set()
