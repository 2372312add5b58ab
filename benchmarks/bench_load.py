"""Load speed: `seedkit apply` against each database's own bulk tool, on the same file.

For each size and database, the same generated CSV (benchmarks/generate.py) goes into
a fresh database by `seedkit apply` (the whole process: start-up, DDL, load, commit)
and by the database's own tool, alternating, `--reps` times each; the table gives the
median wall time, rows per second, the median peak memory (RSS) of the process, and
seedkit's ratio to the tool. The tools:

- PostgreSQL: `psql -1` running the DDL and `\\copy … (FORMAT csv, HEADER)`.
- DuckDB: Python `duckdb`: the DDL, then `COPY … FROM … (HEADER, ALLOW_QUOTED_NULLS false)`.
- SQLite: the `sqlite3` shell: `.import --csv` into a TEMP staging table, then a typed
  `INSERT … SELECT` (`.import` alone cannot write NULLs or booleans).
- MariaDB: the `mariadb` client with `--local-infile`: `LOAD DATA LOCAL INFILE`, with a
  SET clause for NULLs and booleans.

It also times a PostgreSQL `upsert` of the same rows into the full table, `seedkit
--help` and `seedkit validate` of the example, and with `--big N` runs seedkit once at
N rows per database to compare peak memory with the largest size.

    python benchmarks/bench_load.py --sizes 100000 1000000 --reps 3 --big 10000000
    python benchmarks/bench_load.py --sizes 1000000 --variants inline pair --databases postgres
    python benchmarks/bench_load.py --sizes 1000000 --variants --versus --databases sqlite duckdb

Variants (`--variants`, all by default): `items`, the table with a separate `CREATE UNIQUE
INDEX`; `inline`, the same keys written inline (`id BIGINT PRIMARY KEY`, `code … UNIQUE`);
`pair`, a parent and a child table of N rows each, the child's inline foreign key naming
a parent drawn at random.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import COLUMNS, PAIR_COLUMNS, write_inline, write_pair, write_seed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDKIT = str(Path(sys.executable).parent / "seedkit")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MY = "mysql+pymysql://root@127.0.0.1:3306/"
DATABASES = ("postgres", "duckdb", "sqlite", "mariadb")
#: What each variant loads: its manifest, its DDL file, and each table with its columns.
VARIANTS = {
    "items": ("seed.toml", "schema.sql", {"items": COLUMNS}),
    "inline": ("seed-inline.toml", "schema-inline.sql", {"items": COLUMNS}),
    "pair": ("seed-pair.toml", "schema-pair.sql", PAIR_COLUMNS),
}
#: One database name per run of this script, on each server.
BENCH_DB = f"seedkit_bench_{os.getpid()}"


@dataclass
class Runs:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of each run of one
    command. CPU time moves less than wall time when other jobs share the machine."""

    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time."""
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        """Median CPU time (user + system, the process and its children); NaN if not measured."""
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def peak_mib(self) -> float:
        """Median peak RSS in MiB."""
        return statistics.median(self.peak_kib) / 1024


#: One run of a command: wall seconds, peak RSS KiB, CPU seconds (user + system).
Measured = tuple[float, int, float]


def measure(argv: list[str], cwd: Path | None = None, check: bool = True) -> Measured:
    """Run `argv` under /usr/bin/time; return (wall seconds, peak RSS KiB, CPU seconds).
    Fails loudly, or with `check=False` gives a peak of -1 for a command that failed."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        started = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-o", out.name, "-f", "%M %U %S", *argv],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0 and not check:
            return wall, -1, float("nan")
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr}")
        peak, user, system = out.read().split()[-3:]
        return wall, int(peak), float(user) + float(system)


def timed(argv: list[str], cwd: Path | None = None, check: bool = True) -> tuple[float, int]:
    """`measure` without the CPU time: (wall seconds, peak RSS KiB)."""
    wall, peak, _ = measure(argv, cwd, check)
    return wall, peak


def sql(engine_url: str, statement: str) -> None:
    """Run one administrative statement (create/drop database) in autocommit."""
    import sqlalchemy as sa

    engine = sa.create_engine(engine_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def fresh_database(name: str, scratch: Path, database: str = BENCH_DB) -> str:
    """Drop and create the run's database (or file in `scratch`); return seedkit's URL for it."""
    if name == "postgres":
        # A fresh schema rather than a fresh database: DROP DATABASE waits for every
        # other session of the server to answer, and the server may be shared.
        import sqlalchemy as sa

        engine = sa.create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            found = conn.exec_driver_sql(
                f"SELECT 1 FROM pg_database WHERE datname = '{database}'"
            ).first()
            if found is None:
                conn.exec_driver_sql(f"CREATE DATABASE {database}")
        engine.dispose()
        sql(PG + database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        sql(PG + database, "CHECKPOINT")
        return PG + database
    if name == "mariadb":
        sql(MY, f"DROP DATABASE IF EXISTS {database}")
        sql(MY, f"CREATE DATABASE {database}")
        return MY + database
    suffix = "db" if name == "sqlite" else "duckdb"
    path = scratch / f"bench.{suffix}"
    for leftover in scratch.glob("bench.*"):
        leftover.unlink()
    return f"{name}:///{path}"


class Bench:
    """One database's pair of commands, with a fresh empty database before each run."""

    def __init__(self, name: str, folder: Path, scratch: Path, variant: str = "items") -> None:
        self.name, self.folder, self.scratch = name, folder, scratch
        self.manifest, self.ddl, self.tables = VARIANTS[variant]

    def fresh(self) -> str:
        """Drop and create the run's database; return seedkit's URL for it."""
        return fresh_database(self.name, self.scratch)

    def seedkit(self, manifest: str = "", fresh: bool = True) -> Measured:
        """`seedkit apply` of the manifest as a whole process."""
        url = self.fresh() if fresh else self.url
        self.url = url
        argv = [
            SEEDKIT,
            "apply",
            "-m",
            str(self.folder / (manifest or self.manifest)),
            "--url",
            url,
        ]
        return measure([*argv, "--no-transpile"], cwd=self.scratch)

    def native(self) -> Measured:
        """The database's own bulk tool on the same files and DDL."""
        url = self.fresh()
        ddl = (self.folder / self.ddl).read_text()
        csvs = {table: self.folder / f"{table}.csv" for table in self.tables}
        if self.name == "postgres":
            script = self.scratch / "load.psql"
            copies = "".join(
                f"\\copy {table} ({', '.join(cols)}) from '{csvs[table]}' "
                "with (format csv, header true)\n"
                for table, cols in self.tables.items()
            )
            script.write_text(f"{ddl}\n{copies}")
            argv = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB]
            return measure([*argv, "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(script)])
        if self.name == "duckdb":
            path = url.split("///", 1)[1]
            copies = "".join(
                f"c.execute(\"COPY {table} FROM '{csvs[table]}' "
                '(HEADER, ALLOW_QUOTED_NULLS false)"); '
                for table in self.tables
            )
            code = (
                f"import duckdb; c = duckdb.connect({path!r}); c.execute({ddl!r}); {copies}"
                "c.close()"
            )
            return measure([sys.executable, "-c", code])
        if self.name == "sqlite":
            path = url.split("///", 1)[1]
            script = self.scratch / "load.sqlite"
            loads = "".join(
                _sqlite_load(table, cols, csvs[table]) for table, cols in self.tables.items()
            )
            # Foreign keys on, as seedkit turns them on (the parent/child pair).
            script.write_text(f".bail on\nPRAGMA foreign_keys = ON;\n{ddl}\n{loads}")
            return measure(["sh", "-c", f"sqlite3 {path} < {script}"])
        statement = ddl + "".join(
            _mariadb_load(table, cols, csvs[table]) for table, cols in self.tables.items()
        )
        argv = ["mariadb", "-h", "127.0.0.1", "-u", "root", "--local-infile=1", BENCH_DB]
        return measure([*argv, "-e", statement])


def _sqlite_load(table: str, columns: list[str], csv: Path) -> str:
    """The sqlite3 shell's load of one CSV: `.import` into a TEMP table of text, then a
    typed INSERT … SELECT (`.import` alone cannot write NULLs or booleans)."""
    stage = ", ".join(f"{c} TEXT" for c in columns)
    if table == "items":
        select = (
            "CAST(id AS INTEGER), code, name, "
            "CAST(NULLIF(qty, '') AS INTEGER), CAST(price AS NUMERIC), "
            "CAST(NULLIF(ratio, '') AS REAL), "
            "CASE lower(active) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END, "
            "NULLIF(day, ''), NULLIF(seen_at, ''), NULLIF(note, '')"
        )
    else:
        typed = {"id": "INTEGER", "parent_id": "INTEGER", "qty": "INTEGER", "price": "NUMERIC"}
        select = ", ".join(
            f"CAST(NULLIF({c}, '') AS {typed[c]})" if c in typed else c for c in columns
        )
    return (
        f"CREATE TEMP TABLE stage_{table} ({stage});\n"
        f".import --csv --skip 1 {csv} stage_{table}\n"
        f"INSERT INTO {table} SELECT {select} FROM stage_{table};\n"
    )


def _mariadb_load(table: str, columns: list[str], csv: Path) -> str:
    """`LOAD DATA LOCAL INFILE` of one CSV, with a SET clause for NULLs and booleans."""
    variables = ", ".join(f"@{c}" for c in columns)
    sets = ", ".join(
        f"{c} = NULLIF(@{c}, '')" if c != "active" else "active = (@active = 'true')"
        for c in columns
    )
    return (
        f"\nLOAD DATA LOCAL INFILE '{csv}' INTO TABLE {table} "
        "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' "
        f"ESCAPED BY '' LINES TERMINATED BY '\\n' IGNORE 1 LINES ({variables}) SET {sets};"
    )


def alternate(
    reps: int, first: Callable[[], Measured], second: Callable[[], Measured]
) -> tuple[Runs, Runs]:
    """Run the two commands `reps` times each, alternating which goes first."""
    a, b = Runs(), Runs()
    for rep in range(reps):
        order = [(first, a), (second, b)] if rep % 2 == 0 else [(second, b), (first, a)]
        for command, runs in order:
            add(runs, command())
    return a, b


def add(runs: Runs, measured: Measured) -> None:
    """Record one run."""
    wall, peak, cpu = measured
    runs.seconds.append(wall)
    runs.peak_kib.append(peak)
    runs.cpu.append(cpu)


def paired(runs: Runs, base: Runs, cpu: bool = False) -> float:
    """The median of the ratios of runs made back to back (wall, or CPU time)."""
    mine, theirs = (runs.cpu, base.cpu) if cpu else (runs.seconds, base.seconds)
    return statistics.median(m / b for m, b in zip(mine, theirs, strict=True))


def row(label: str, rows: int, runs: Runs, base: Runs | None) -> str:
    """One line of the results table: the ratio of the medians, then the median of the
    ratios of runs made back to back (less moved by the machine slowing down for a while)."""
    ratio = ""
    if base:
        ratio = f"{runs.median / base.median:5.2f}x {paired(runs, base):6.2f}x"
    return (
        f"{label:<34} {rows:>10,} {runs.median:8.2f} {runs.cpu_median:6.2f} "
        f"{rows / runs.median:>12,.0f} {runs.peak_mib:8.1f} {ratio}"
    )


def compile_bytecode() -> None:
    """Write the bytecode of seedkit and its example plugins, as `pip install` does.

    An editable install in a checkout, run where PYTHONDONTWRITEBYTECODE is set (as on
    our CI machines), would otherwise compile every seedkit module from source on every
    run, a cost an installed seedkit does not pay.
    """
    import compileall

    for folder in (ROOT / "seedkit", *sorted((ROOT / "plugins").glob("*/seedkit_*"))):
        compileall.compile_dir(str(folder), quiet=1)


def main() -> None:
    """Parse options, run everything, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=list(DATABASES), choices=DATABASES)
    parser.add_argument("--big", type=int, default=0, help="also run seedkit once at N rows")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "seedkit-bench")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument(
        "--versus",
        action="store_true",
        help="also run seedkit on the inline DDL and on the items DDL alternately, and print "
        "inline's ratio to items (wall and CPU, of the medians and paired)",
    )
    parser.add_argument(
        "--variants",
        nargs="*",
        default=list(VARIANTS),
        choices=list(VARIANTS),
        help="items: a separate CREATE UNIQUE INDEX; inline: the same keys inline in "
        "CREATE TABLE; pair: a parent and a child table of N rows each, an inline foreign key",
    )
    args = parser.parse_args()
    compile_bytecode()
    header = (
        f"{'command':<34} {'rows':>10} {'median s':>8} {'cpu s':>6} {'rows/s':>12} {'peak MiB':>8} "
        "ratio  paired"
    )
    print(header, "\n" + "-" * len(header), flush=True)
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="seedkit-bench-") as tmp:
        scratch = Path(tmp)
        for size in args.sizes:
            folder = args.data / str(size)
            write_seed(folder, size)
            write_seed(folder, size, mode="upsert")
            write_inline(folder, size)
            write_pair(folder, size)
            for variant, name in [(v, n) for v in args.variants for n in args.databases]:
                bench = Bench(name, folder, scratch, variant)
                mine, theirs = alternate(args.reps, bench.seedkit, bench.native)
                tool = {
                    "postgres": "psql \\copy",
                    "duckdb": "duckdb COPY",
                    "sqlite": "sqlite3 .import",
                    "mariadb": "LOAD DATA LOCAL",
                }[name]
                label = name if variant == "items" else f"{name} {variant}"
                rows = size * len(bench.tables)
                print(row(f"{label}: {tool}", rows, theirs, None))
                print(row(f"{label}: seedkit apply", rows, mine, theirs), flush=True)
                if variant == "items":
                    peaks[name] = mine.peak_mib
                if name == "postgres" and variant == "items":
                    upsert = Runs()
                    for _ in range(args.reps):
                        bench.seedkit()  # a full table, then the same rows again by key
                        add(upsert, bench.seedkit("seed-upsert.toml", fresh=False))
                    print(row("postgres: seedkit apply (upsert)", size, upsert, mine), flush=True)
            for name in args.databases if args.versus else ():
                # Issue 14: the inline keys no slower than the separate index, back to back.
                inline = Bench(name, folder, scratch, "inline")
                mine, base = alternate(
                    args.reps, inline.seedkit, Bench(name, folder, scratch).seedkit
                )
                print(row(f"{name} items: seedkit apply", size, base, None))
                cpu = f"cpu {mine.cpu_median / base.cpu_median:5.2f}x {paired(mine, base, True):6.2f}x"
                print(row(f"{name} inline: seedkit apply", size, mine, base), cpu, flush=True)
        if args.big:
            folder = args.data / str(args.big)
            write_seed(folder, args.big)
            for name in args.databases:
                wall, peak, cpu = Bench(name, folder, scratch).seedkit()
                runs = Runs([wall], [peak], [cpu])
                line = row(f"{name}: seedkit apply", args.big, runs, None)
                print(
                    f"{line}  peak {peak / 1024 / peaks[name]:.2f}x of {max(args.sizes):,}",
                    flush=True,
                )
        if not args.no_startup:
            manifest = str(ROOT / "manifests" / "market" / "seed.toml")
            for label, argv in (
                ("seedkit --help", [SEEDKIT, "--help"]),
                ("seedkit validate (example)", [SEEDKIT, "validate", "-m", manifest]),
            ):
                runs = Runs()
                for _ in range(max(args.reps, 5)):
                    add(runs, measure(argv))
                print(f"{label:<34} {'':>10} {runs.median:8.3f}")
    for name in args.databases:
        if name == "postgres":
            try:  # give up after a while if another session keeps DROP DATABASE waiting
                import sqlalchemy as sa

                engine = sa.create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.exec_driver_sql("SET statement_timeout = '20s'")
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                engine.dispose()
            except Exception as exc:  # noqa: BLE001
                print(f"note: database {BENCH_DB} left behind ({exc})", file=sys.stderr)
        if name == "mariadb":
            sql(MY, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    if shutil.which("sqlite3") is None:
        print("note: the sqlite3 shell is missing (apt-get install sqlite3)", file=sys.stderr)
    os.environ.pop("SEEDKIT_URL", None)


if __name__ == "__main__":
    main()
