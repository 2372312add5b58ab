"""DuckDB upsert and mirror: the set-based loader against the row-by-row generic loader.

    python benchmarks/duckdb_upsert.py [--rows 20000] [--no-generic]

Writes the benchmark's CSV (generate.py), loads it into a DuckDB file with `insert`,
then times, in this process, an `upsert` and a `mirror` of the same file over the loaded
table (every key already there, every row unchanged but touched), once with the loader
seedkit picks (`seedkit.adapters.duckdb_upsert`) and once with the generic executemany
loader forced (the path DuckDB upserts took before). Not part of CI.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_seed  # noqa: E402


def timed(manifest: Path, url: str, generic: bool) -> float:
    """Seconds of one `api.apply(..., force=True)`, the generic loader forced or not."""
    from seedkit import api
    from seedkit.adapters.generic import GenericLoader
    from seedkit.plugins import PluginHost

    original = PluginHost.loader_for
    if generic:
        PluginHost.loader_for = lambda *_: GenericLoader()  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        api.apply(manifest, url=url, force=True)
        return time.perf_counter() - started
    finally:
        PluginHost.loader_for = original  # type: ignore[method-assign]


def main() -> None:
    """Command line: rows, and whether to time the generic loader too."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--no-generic", action="store_true", help="skip the slow generic run")
    args = parser.parse_args()
    from seedkit import api

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "seed"
        insert = write_seed(folder, args.rows)
        base = Path(scratch) / "base.duckdb"
        started = time.perf_counter()
        api.apply(insert, url=f"duckdb:///{base}")
        print(f"insert   {args.rows:>9,} rows  {time.perf_counter() - started:7.2f} s")
        for mode in ("upsert", "mirror"):
            manifest = write_seed(folder, args.rows, mode)
            for generic in (False, True) if not args.no_generic else (False,):
                path = Path(scratch) / f"{mode}-{generic}.duckdb"
                shutil.copy(base, path)
                seconds = timed(manifest, f"duckdb:///{path}", generic)
                label = "generic" if generic else "set-based"
                print(f"{mode:<8} {args.rows:>9,} rows  {seconds:7.2f} s  ({label})")


if __name__ == "__main__":
    main()
