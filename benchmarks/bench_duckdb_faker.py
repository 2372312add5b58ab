"""Apply 10,000 generated faker rows to a DuckDB file against `seedkit check` of that seed.

    python benchmarks/bench_duckdb_faker.py [--runs 5] [--count 10000]

The seed is the faker plugin's shop example (12 customers from CSV, `--count` generated
orders; needs `pip install -e plugins/seedkit-faker`). Each run is a whole process:
`seedkit apply` to a new DuckDB file, and `seedkit check` of the same seed (the dry run
in an in-memory DuckDB). Prints each median and the ratio apply / check; the target
(issue 12) is at most 1.5x. Stands alone: no farm-bench, not part of CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "plugins" / "seedkit-faker" / "examples" / "shop"


def _seed(folder: Path, count: int) -> Path:
    """The shop example in `folder`, with `count` orders."""
    for name in ("schema.sql", "customers.csv", "seed.toml"):
        shutil.copy(SHOP / name, folder / name)
    manifest = folder / "seed.toml"
    text = manifest.read_text(encoding="utf-8").replace("count = 10000", f"count = {count}")
    manifest.write_text(text, encoding="utf-8")
    return manifest


def _timed(args: list[str]) -> float:
    """Seconds of one seedkit process; its failure stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "seedkit", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(
            f"seedkit {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return seconds


def main() -> None:
    """Time both commands `--runs` times, alternating, and print the medians and ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seedkit-bench-") as tmp:
        folder = Path(tmp)
        manifest = _seed(folder, options.count)
        applies, checks = [], []
        for run in range(options.runs):
            database = folder / f"shop{run}.duckdb"
            applies.append(_timed(["apply", "-m", str(manifest), "--url", f"duckdb:///{database}"]))
            checks.append(_timed(["check", "-m", str(manifest)]))
            database.unlink()
    apply_s, check_s = statistics.median(applies), statistics.median(checks)
    print(f"faker rows: {options.count}, runs: {options.runs}, load: {os.getloadavg()[0]:.2f}")
    print(
        f"apply to a DuckDB file: median {apply_s:.2f} s  ({', '.join(f'{s:.2f}' for s in applies)})"
    )
    print(
        f"check (dry run):        median {check_s:.2f} s  ({', '.join(f'{s:.2f}' for s in checks)})"
    )
    print(f"ratio apply / check: {apply_s / check_s:.2f}x (target: at most 1.5x)")


if __name__ == "__main__":
    main()
