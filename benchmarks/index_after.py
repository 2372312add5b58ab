"""What building the unique index after the load would save: DuckDB's COPY and psql's
`\\copy` of the benchmark's CSV, in one transaction, with the DDL's `CREATE UNIQUE INDEX`
run before the load (as the tools do with the DDL as written) and after it.

    python benchmarks/index_after.py [--rows 1000000] [--reps 2]

Not part of CI. PostgreSQL at 127.0.0.1:5432 (user postgres), `psql` on the PATH.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import COLUMNS, write_seed  # noqa: E402

PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]


def split_ddl(folder: Path) -> tuple[str, str]:
    """The benchmark's DDL as (CREATE TABLE …, CREATE UNIQUE INDEX …)."""
    table, index = (folder / "schema.sql").read_text().split("CREATE UNIQUE INDEX")
    return table, "CREATE UNIQUE INDEX" + index


def duckdb_seconds(folder: Path, after: bool, scratch: Path) -> float:
    """One whole Python process: connect, DDL, COPY, commit; the index before or after."""
    table, index = split_ddl(folder)
    path = scratch / f"index-{after}.duckdb"
    path.unlink(missing_ok=True)
    csv = folder / "items.csv"
    steps = [table, *([] if after else [index])]
    steps.append(f"COPY items FROM '{csv}' (HEADER, ALLOW_QUOTED_NULLS false)")
    steps += [index] if after else []
    code = (
        f"import duckdb; c = duckdb.connect({str(path)!r}); c.execute('BEGIN'); "
        f"[c.execute(s) for s in {steps!r}]; c.execute('COMMIT'); c.close()"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def psql_seconds(folder: Path, after: bool, scratch: Path) -> float:
    """`psql -1` of the DDL and `\\copy`; the index before or after."""
    table, index = split_ddl(folder)
    copy = (
        f"\\copy items ({', '.join(COLUMNS)}) from '{folder / 'items.csv'}' "
        "with (format csv, header true)"
    )
    body = [table, copy, index] if after else [table, index, copy]
    script = scratch / f"index-{after}.psql"
    script.write_text("\n".join(body) + "\n")
    subprocess.run([*PSQL, "-d", "postgres", "-c", "DROP DATABASE IF EXISTS seedkit_index"])
    subprocess.run([*PSQL, "-d", "postgres", "-c", "CREATE DATABASE seedkit_index"], check=True)
    started = time.perf_counter()
    subprocess.run([*PSQL, "-d", "seedkit_index", "-1", "-f", str(script)], check=True)
    return time.perf_counter() - started


def main() -> None:
    """Time both orders on both databases and print the best of `--reps`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "seedkit-bench")
    args = parser.parse_args()
    folder = args.data / str(args.rows)
    write_seed(folder, args.rows)
    with tempfile.TemporaryDirectory(prefix="seedkit-index-") as tmp:
        for name, run in (("duckdb COPY", duckdb_seconds), ("psql \\copy", psql_seconds)):
            for after in (False, True):
                best = min(run(folder, after, Path(tmp)) for _ in range(args.reps))
                order = "index after the load" if after else "index first"
                print(f"{name:<12} {order:<21} {best:6.2f} s", flush=True)
    subprocess.run([*PSQL, "-d", "postgres", "-c", "DROP DATABASE IF EXISTS seedkit_index"])


if __name__ == "__main__":
    main()
