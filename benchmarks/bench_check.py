"""Benchmark of `seedkit check` (the DuckDB dry run) against DuckDB's own COPY.

1. A seed holding one CSV of ROWS rows (default 1,000,000): `seedkit check` of the whole
   seed (DDL, a parent table, the big CSV with its foreign key and varchar lengths
   checked) against DuckDB's own `COPY … FROM` of the same file into the same table,
   in this one process. Target: at most 2x.
2. A SQL file of 5,000 literal INSERT statements: `seedkit check` of it. Target: < 3 s.

    .venv/bin/python benchmarks/bench_check.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

SCHEMA = """\
CREATE TABLE venues (venue_id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE trades (
    trade_id   BIGINT PRIMARY KEY,
    venue_id   INTEGER NOT NULL REFERENCES venues (venue_id),
    symbol     VARCHAR(12) NOT NULL,
    price      NUMERIC(12, 4) NOT NULL CHECK (price > 0),
    quantity   INTEGER NOT NULL,
    traded_at  TIMESTAMP NOT NULL,
    is_buy     BOOLEAN NOT NULL,
    note       TEXT
);
CREATE TABLE quotes (quote_id INTEGER PRIMARY KEY, symbol VARCHAR(12) NOT NULL, bid NUMERIC(12, 4));
"""
MANIFEST = """\
[project]
name = "bench"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.venues]
csv = "venues.csv"

[steps.{step}]
{source}
"""


def write_csv(path: Path, rows: int) -> None:
    """A trades CSV of `rows` rows, written in chunks."""
    with path.open("w", encoding="utf-8") as out:
        out.write("trade_id,venue_id,symbol,price,quantity,traded_at,is_buy,note\n")
        chunk = []
        for i in range(1, rows + 1):
            chunk.append(
                f"{i},{i % 5 + 1},SYM{i % 997},{(i % 5000) / 10 + 1:.4f},{i % 300 + 1},"
                f"2024-01-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:{i % 60:02d},"
                f"{'true' if i % 2 else 'false'},{'' if i % 3 else 'block trade'}\n"
            )
            if len(chunk) == 100_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))


def seed(root: Path, step: str, source: str) -> Path:
    """A seed folder with the schema, the venues and one more step."""
    (root / "schema.sql").write_text(SCHEMA)
    (root / "venues.csv").write_text(
        "venue_id,name\n" + "".join(f"{i},Venue {i}\n" for i in range(1, 6))
    )
    (root / "seed.toml").write_text(MANIFEST.format(step=step, source=source))
    return root / "seed.toml"


def duckdb_copy(path: Path) -> float:
    """Seconds for DuckDB's own COPY of the CSV into the same table, in this process."""
    import duckdb

    db = duckdb.connect(":memory:")
    db.execute(SCHEMA.split(";")[1].replace("REFERENCES venues (venue_id)", ""))
    began = time.perf_counter()
    db.execute(f"COPY trades FROM '{path}' (HEADER)")
    seconds = time.perf_counter() - began
    assert db.execute("SELECT count(*) FROM trades").fetchone()[0] > 0  # type: ignore[index]
    db.close()
    return seconds


def check_seconds(manifest: Path) -> tuple[float, int]:
    """Seconds for `seedkit check` of the seed (in process), and the rows it loaded."""
    from seedkit import api

    began = time.perf_counter()
    report = api.check(manifest)
    seconds = time.perf_counter() - began
    assert report.ok, [p.message for p in report.problems]
    return seconds, max(s.rows for s in report.steps)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        big = root / "trades.csv"
        write_csv(big, rows)
        manifest = seed(root, "trades", 'csv = "trades.csv"')
        copy = min(duckdb_copy(big) for _ in range(2))
        check, loaded = min(check_seconds(manifest) for _ in range(2))
        assert loaded == rows, loaded
        print(f"CSV of {rows:,} rows")
        print(f"  DuckDB COPY FROM:  {copy:8.3f} s")
        print(f"  seedkit check:     {check:8.3f} s")
        print(f"  ratio:             {check / copy:8.2f}x   (target: at most 2x)")

        sql_root = root / "sql"
        sql_root.mkdir()
        statements = "".join(
            f"INSERT INTO quotes (quote_id, symbol, bid) VALUES ({i}, 'SYM{i % 997}', {i % 900 + 0.25});\n"
            for i in range(1, 5001)
        )
        (sql_root / "quotes.sql").write_text(statements)
        manifest = seed(sql_root, "quotes", 'sql = "quotes.sql"')
        seconds, loaded = check_seconds(manifest)
        assert loaded == 5000, loaded
        print("SQL file of 5,000 literal INSERT statements")
        print(f"  seedkit check:     {seconds:8.3f} s   (target: under 3 s)")


if __name__ == "__main__":
    main()
