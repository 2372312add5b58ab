"""DuckDB: runs of literal INSERTs as bound column strings, against DuckDB executing the file.

    python benchmarks/duckdb_values.py [--rows 100000] [--rows-per-insert 100] [--profile]

Writes bench_sql.py's files (a pg_dump `--rows-per-insert` style file of `--rows` rows,
and its DuckDB spelling), then times, in this process, each on a fresh DuckDB file:

- `duckdb execute`: DuckDB's Python client runs the DDL, BEGIN, the whole transpiled
  file in one `execute`, COMMIT (what bench_sql.py compares seedkit with);
- `seedkit bound`: `api.apply` of the PostgreSQL file, runs of literal INSERTs going as
  one INSERT of bound column strings each (seedkit.adapters.duckdb_runs);
- `seedkit merged`: the same with that path off (`bind` says no to every run), so runs
  go as merged multi-row INSERTs (seedkit.adapters.merge), as before it.

`--profile` prints where the bound apply's Python time goes (cProfile, the apply's thread;
DuckDB writes on a thread of its own). Not part of CI.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sql import write_files  # noqa: E402


def native(folder: Path, path: Path) -> float:
    """Seconds of DuckDB executing the transpiled DDL and file in one transaction."""
    import duckdb

    started = time.perf_counter()
    conn = duckdb.connect(str(path))
    conn.execute((folder / "schema.duckdb.sql").read_text())
    conn.execute("BEGIN")
    conn.execute((folder / "items.duckdb.sql").read_text())
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def seedkit(folder: Path, path: Path, bound: bool, profile: bool = False) -> float:
    """Seconds of one `api.apply` of the PostgreSQL file, runs bound or merged."""
    from seedkit import api
    from seedkit.adapters import duckdb_runs

    original = duckdb_runs.bind
    if not bound:
        duckdb_runs.bind = lambda *_: None  # type: ignore[assignment]
    profiler = cProfile.Profile() if profile else None
    try:
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        api.apply(folder / "seed.toml", url=f"duckdb:///{path}")
        took = time.perf_counter() - started
    finally:
        if profiler is not None:
            profiler.disable()
        duckdb_runs.bind = original
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return took


def main() -> None:
    """Parse options, write the files, time the three ways, print seconds and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rows-per-insert", type=int, default=100, dest="per_insert")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "seedkit-bench-sql"
    )
    args = parser.parse_args()
    folder = args.data / f"{args.rows}x{args.per_insert}"
    write_files(folder, args.rows, args.per_insert)
    with tempfile.TemporaryDirectory(prefix="seedkit-duckdb-values-") as tmp:
        scratch = Path(tmp)
        theirs = native(folder, scratch / "native.duckdb")
        print(f"duckdb execute   {theirs:8.2f} s", flush=True)
        merged = seedkit(folder, scratch / "merged.duckdb", bound=False)
        print(f"seedkit merged   {merged:8.2f} s  {merged / theirs:.2f}x", flush=True)
        mine = seedkit(folder, scratch / "bound.duckdb", bound=True, profile=args.profile)
        print(f"seedkit bound    {mine:8.2f} s  {mine / theirs:.2f}x", flush=True)


if __name__ == "__main__":
    main()
