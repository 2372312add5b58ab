"""DuckDB's own peak memory for the benchmark load, at two sizes: why seedkit's grows too.

seedkit applies a seed in one transaction, and DuckDB runs inside seedkit's process, so
the process's peak memory includes what DuckDB holds for that transaction. This script
measures DuckDB alone (no seedkit), each run a whole process (`duckdb` from Python),
one transaction per run, on the CSV of `generate.py`:

- `as is`: the benchmark's table (a BIGINT primary key and a unique index on a text
  column), `COPY … FROM` in one transaction, no memory limit;
- `no text index`: the same without the unique index on `code`;
- `as is, limit`: as `as is` with `SET memory_limit` (default 900MB): DuckDB
  cannot spill a transaction's index, so the load fails with DuckDB's out-of-memory error;
- `no text index, limit`: as `no text index` with the same limit, which DuckDB keeps
  by writing the table's data out as it goes.

    python benchmarks/duckdb_memory.py --sizes 1000000 10000000 [--limit 900MB]

Data comes from `$TMPDIR/seedkit-bench/<rows>/` (written by generate.py when missing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import timed  # noqa: E402
from generate import write_seed  # noqa: E402

CODE = """
import duckdb, sys
ddl, csv, path, limit = sys.argv[1:5]
db = duckdb.connect(path)
if limit:
    db.execute(f"SET memory_limit = '{limit}'")
db.execute("BEGIN")
db.execute(ddl)
db.execute(f"COPY items FROM '{csv}' (HEADER, ALLOW_QUOTED_NULLS false)")
db.execute("COMMIT")
db.close()
"""


def run(folder: Path, scratch: Path, text_index: bool, limit: str) -> tuple[float, int, bool]:
    """One load as a whole process: wall seconds, peak RSS in KiB, and whether it succeeded."""
    ddl = (folder / "schema.sql").read_text()
    if not text_index:
        ddl = ddl.split("CREATE UNIQUE INDEX")[0]
    path = scratch / "memory.duckdb"
    for leftover in scratch.glob("memory.duckdb*"):
        leftover.unlink()
    argv = [sys.executable, "-c", CODE, ddl, str(folder / "items.csv"), str(path), limit]
    seconds, peak = timed(argv, check=False)
    return seconds, peak, peak >= 0


def main() -> None:
    """Measure each variant at each size and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--limit", default="900MB")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "seedkit-bench")
    args = parser.parse_args()
    variants = [
        ("as is", True, ""),
        ("no text index", False, ""),
        (f"as is, limit {args.limit}", True, args.limit),
        (f"no text index, limit {args.limit}", False, args.limit),
    ]
    print(f"{'variant':34} {'rows':>12} {'seconds':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for rows in args.sizes:
            folder = args.data / str(rows)
            write_seed(folder, rows)
            for label, text_index, limit in variants:
                seconds, peak, ok = run(folder, Path(scratch), text_index, limit)
                shown = f"{seconds:8.2f} {peak / 1024:9.1f}" if ok else f"{'failed':>8} {'':>9}"
                print(f"{label:34} {rows:>12,} {shown}", flush=True)


if __name__ == "__main__":
    main()
