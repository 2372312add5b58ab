"""What reading SQL steps for the tables they read costs `seedkit plan`.

Writes a seed with a big SQL step (a `pg_dump --inserts`-style file: one
`INSERT INTO events … VALUES …` per row, N rows) and a small one that reads it
(`INSERT INTO venue_stats … SELECT … FROM events`), then times `seedkit plan` (a whole
process) with this checkout and, with `--before PATH`, with another checkout (say the
commit before SQL steps were read), alternating, and prints the median of each.

    python benchmarks/plan_sql.py [--rows 1000000] [--reps 3] [--before /path/to/checkout]

Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

MANIFEST = """[project]
name = "plansql"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.events]
sql = "events.sql"

[steps.venue_stats]
sql = "stats.sql"
"""
DDL = """CREATE TABLE events (id bigint PRIMARY KEY, venue integer NOT NULL, name text, seats integer);
CREATE TABLE venue_stats (venue integer PRIMARY KEY, events integer NOT NULL, seats integer);
"""
STATS = """INSERT INTO venue_stats (venue, events, seats)
SELECT venue, count(*), sum(seats) FROM events GROUP BY venue;
"""


def write_seed(folder: Path, rows: int) -> None:
    """The seed: DDL, the big dump-like SQL file, and the step that reads it."""
    (folder / "seed.toml").write_text(MANIFEST)
    (folder / "schema.sql").write_text(DDL)
    (folder / "stats.sql").write_text(STATS)
    with (folder / "events.sql").open("w") as out:
        for i in range(rows):
            out.write(
                f"INSERT INTO public.events (id, venue, name, seats) VALUES "
                f"({i}, {i % 97}, 'event {i}; it''s on', {i % 500});\n"
            )


def plan_seconds(checkout: Path, folder: Path) -> float:
    """One `seedkit plan` process with `checkout` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "seedkit", "plan", "-m", str(folder / "seed.toml")],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_seed(folder, args.rows)
        size = (folder / "events.sql").stat().st_size / 1e6
        runs: dict[str, list[float]] = {"this checkout": []}
        if args.before:
            runs["before"] = []
        for _ in range(args.reps):
            runs["this checkout"].append(plan_seconds(HERE, folder))
            if args.before:
                runs["before"].append(plan_seconds(args.before, folder))
        print(f"seedkit plan, a {size:.1f} MB SQL step of {args.rows:,} INSERT statements:")
        for name, times in runs.items():
            print(f"  {name:14} {statistics.median(times):.2f} s (median of {len(times)})")


if __name__ == "__main__":
    main()
