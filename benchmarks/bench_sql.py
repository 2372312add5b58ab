"""SQL speed: `seedkit apply` of a file of INSERT statements against each database's own client.

Writes a pg_dump `--inserts` style file (N rows of 7 columns: quoted text holding `''`, `;`,
`--` and `%`, NULLs, decimals, timestamps, booleans), either one row per statement or
`--rows-per-insert` rows per statement, with its DDL and `seed.toml` (`dialect =
"postgres"`). For each database, seedkit applies it to a fresh database (the whole process:
start-up, DDL, statements, commit) and the database's own client runs the same statements,
alternating, `--reps` times each; the table gives the median wall time, statements and rows
per second, the median peak memory (RSS) of the process, and seedkit's ratio to the client
(of the medians, and the median of the back-to-back ratios, `paired`). The clients:

- PostgreSQL: `psql -1 -f schema.sql -f items.sql` (one transaction).
- MariaDB: seedkit transpiles the PostgreSQL file; the `mariadb` client runs the transpiled
  file with autocommit off, then COMMIT.
- SQLite: seedkit transpiles; the `sqlite3` shell runs the transpiled file inside BEGIN/COMMIT.
- DuckDB: seedkit transpiles; Python `duckdb` executes the transpiled file in one call inside
  BEGIN/COMMIT.

The transpiled files are written by this script in the target's spelling and checked, on
their first statements, against what seedkit's transpiler makes of the PostgreSQL file. After
each run the table's row count is checked (not timed). It also times `seedkit check` of the
file, and with `--big N` runs seedkit once at N rows per database to compare peak memory
with the largest size.

    python benchmarks/bench_sql.py --sizes 50000 --reps 3
    python benchmarks/bench_sql.py --sizes 100000 --big 1000000 --databases postgres sqlite
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import MY, PG, Runs, compile_bytecode, fresh_database, sql, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDKIT = str(Path(sys.executable).parent / "seedkit")
DATABASES = ("postgres", "mariadb", "sqlite", "duckdb")
BENCH_DB = f"seedkit_bench_sql_{__import__('os').getpid()}"

DDL = """CREATE TABLE items (
    id       BIGINT PRIMARY KEY,
    name     VARCHAR(200) NOT NULL,
    note     TEXT,
    price    NUMERIC(12, 2),
    qty      INTEGER,
    seen_at  TIMESTAMP,
    active   BOOLEAN NOT NULL
);
"""

MANIFEST = """[project]
name = "bench-sql"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.items]
sql = "items.sql"
"""

HEADER = """--
-- PostgreSQL database dump
--

--
-- Data for Name: items; Type: TABLE DATA; Schema: public; Owner: -
--

"""

_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
_TRAPS = ["it''s", "a; b", "x -- y", "100%", "%s", "semi;colon -- and ''quote''", "50% off; --"]


def _tuples(rows: int, seed: int) -> list[list[str]]:
    """Each row's literals as PostgreSQL writes them, and as MySQL/SQLite/DuckDB do."""
    rnd = random.Random(seed)
    out = []
    for i in range(1, rows + 1):
        r = rnd.random()
        name = f"{_WORDS[i % 8]} {_WORDS[(i * 7) % 8]} {i}"
        if r < 0.3:
            name = f"{name} {_TRAPS[i % len(_TRAPS)]}"
        note = "NULL" if r > 0.8 else f"'note {_TRAPS[(i * 3) % len(_TRAPS)]}'"
        price = "NULL" if r > 0.95 else f"{rnd.randrange(0, 10_000_000) / 100:.2f}"
        qty = "NULL" if 0.5 < r < 0.6 else str(rnd.randrange(-1000, 100_000))
        day = f"20{rnd.randrange(10, 30)}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
        seen = f"'{day} {rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}'"
        seen = "NULL" if 0.6 < r < 0.65 else seen
        active = "true" if rnd.random() < 0.7 else "false"
        out.append([str(i), f"'{name}'", note, price, qty, seen, active])
    return out


def write_files(folder: Path, rows: int, per_insert: int, seed: int = 42) -> None:
    """Write schema.sql, items.sql (PostgreSQL), the transpiled items.<db>.sql and seed.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".rows"
    key = f"{rows} {per_insert} {seed} 1"
    (folder / "seed.toml").write_text(MANIFEST)
    (folder / "schema.sql").write_text(DDL)
    if stamp.exists() and stamp.read_text() == key:
        return
    from seedkit.transpile import transpile

    for name in ("mysql", "sqlite", "duckdb"):
        ddl = ";\n".join(transpile(DDL, "postgres", name)) + ";\n"
        (folder / f"schema.{name}.sql").write_text(ddl)
    files = {
        "postgres": (folder / "items.sql").open("w", encoding="utf-8"),
        **{n: (folder / f"items.{n}.sql").open("w", encoding="utf-8") for n in DATABASES[1:]},
    }
    files["postgres"].write(HEADER)
    chunk = 10_000
    for start in range(0, rows, chunk):
        batch = _tuples(min(chunk, rows - start), seed + start)
        for row, number in zip(batch, range(start + 1, rows + 1), strict=False):
            row[0] = str(number)
        pg: list[str] = []
        other: list[str] = []
        for at in range(0, len(batch), per_insert):
            group = batch[at : at + per_insert]
            values = ["(" + ", ".join(row) + ")" for row in group]
            ported = ["(" + ", ".join(row[:-1] + [row[-1].upper()]) + ")" for row in group]
            if per_insert == 1:
                pg.append(f"INSERT INTO items VALUES {values[0]};\n")
            else:
                pg.append("INSERT INTO items VALUES\n\t" + ",\n\t".join(values) + ";\n")
            other.append(f"INSERT INTO items VALUES {', '.join(ported)};\n")
        files["postgres"].write("".join(pg))
        for name in DATABASES[1:]:
            files[name].write("".join(other))
    for out in files.values():
        out.close()
    _check_spelling(folder)
    stamp.write_text(key)


def _check_spelling(folder: Path) -> None:
    """The transpiled files hold what seedkit's transpiler makes of the PostgreSQL file."""
    from seedkit.sqltext.split import split_sql
    from seedkit.transpile_shapes import transpile_each

    lines, ends = [], 0
    with (folder / "items.sql").open() as f:
        for text in f:  # the first 50 statements: each ends a line with `);`
            lines.append(text)
            ends += text.endswith(");\n")
            if ends == 50:
                break
    statements = split_sql("".join(lines), "postgres")
    for name in DATABASES[1:]:
        with (folder / f"items.{name}.sql").open() as f:
            mine = [line.rstrip(";\n") for _, line in zip(range(len(statements)), f, strict=False)]
        write = "mysql" if name == "mariadb" else name
        theirs = [transpile_each(s.text, "postgres", write)[0] for s in statements]
        if mine != theirs:
            bad = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
            raise SystemExit(
                f"items.{name}.sql differs from seedkit's transpiler:\n{mine[bad]}\n{theirs[bad]}"
            )


class Bench:
    """One database: seedkit and its client on the same folder, each on a fresh database."""

    def __init__(self, name: str, folder: Path, scratch: Path, rows: int) -> None:
        self.name, self.folder, self.scratch, self.rows = name, folder, scratch, rows
        self.url = ""

    def fresh(self) -> str:
        """A fresh empty database; seedkit's URL for it."""
        self.url = fresh_database(self.name, self.scratch, BENCH_DB)
        return self.url

    def count(self) -> None:
        """The table holds every row (checked after the run, not timed)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.url)
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT count(*) FROM items").scalar()
        engine.dispose()
        if found != self.rows:
            raise SystemExit(f"{self.name}: {found} rows after the run, expected {self.rows}")

    def seedkit(self) -> tuple[float, int]:
        """`seedkit apply` as a whole process."""
        url = self.fresh()
        argv = [SEEDKIT, "apply", "-m", str(self.folder / "seed.toml"), "--url", url]
        got = timed(argv, cwd=self.scratch)
        self.count()
        return got

    def native(self) -> tuple[float, int]:
        """The database's own client on the same statements, in one transaction."""
        url = self.fresh()
        folder = self.folder
        if self.name == "postgres":
            argv = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-q", "-1"]
            argv += ["-v", "ON_ERROR_STOP=1", "-f", str(folder / "schema.sql")]
            got = timed([*argv, "-f", str(folder / "items.sql")])
        elif self.name == "mariadb":
            script = self.scratch / "load.mariadb"
            script.write_text(
                f"source {folder / 'schema.mysql.sql'}\nSET autocommit = 0;\n"
                f"source {folder / 'items.mariadb.sql'}\nCOMMIT;\n"
            )
            client = f"mariadb -h 127.0.0.1 -u root {BENCH_DB} < {script}"
            got = timed(["sh", "-c", client])
        elif self.name == "sqlite":
            script = self.scratch / "load.sqlite"
            script.write_text(
                f".bail on\n.read {folder / 'schema.sqlite.sql'}\nBEGIN;\n"
                f".read {folder / 'items.sqlite.sql'}\nCOMMIT;\n"
            )
            got = timed(["sh", "-c", f"sqlite3 {url.split('///', 1)[1]} < {script}"])
        else:
            path = url.split("///", 1)[1]
            code = (
                f"import duckdb; c = duckdb.connect({path!r}); "
                f"c.execute(open({str(folder / 'schema.duckdb.sql')!r}).read()); "
                "c.execute('BEGIN'); "
                f"c.execute(open({str(folder / 'items.duckdb.sql')!r}).read()); "
                "c.execute('COMMIT'); c.close()"
            )
            got = timed([sys.executable, "-c", code])
        self.count()
        return got


def alternate(
    reps: int, first: Callable[[], tuple[float, int]], second: Callable[[], tuple[float, int]]
) -> tuple[Runs, Runs]:
    """Run the two commands `reps` times each, alternating which goes first."""
    a, b = Runs(), Runs()
    for rep in range(reps):
        order = [(first, a), (second, b)] if rep % 2 == 0 else [(second, b), (first, a)]
        for command, runs in order:
            wall, peak = command()
            runs.seconds.append(wall)
            runs.peak_kib.append(peak)
    return a, b


def line(label: str, rows: int, statements: int, runs: Runs, base: Runs | None) -> str:
    """One line of the results table."""
    ratio = ""
    if base:
        paired = statistics.median(m / b for m, b in zip(runs.seconds, base.seconds, strict=True))
        ratio = f"{runs.median / base.median:6.2f}x {paired:6.2f}x"
    return (
        f"{label:<30} {statements:>10,} {runs.median:8.2f} {statements / runs.median:>10,.0f} "
        f"{rows / runs.median:>10,.0f} {runs.peak_mib:8.1f} {ratio}"
    )


def main() -> None:
    """Parse options, run everything, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000], help="rows")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=list(DATABASES), choices=DATABASES)
    parser.add_argument(
        "--rows-per-insert",
        type=int,
        nargs="+",
        default=[1, 100],
        dest="per_insert",
        help="rows per INSERT statement: one file per value (1: single-row statements)",
    )
    parser.add_argument("--no-check", action="store_true", help="skip `seedkit check`")
    parser.add_argument(
        "--seedkit-only", action="store_true", help="skip the clients (for --big memory runs)"
    )
    parser.add_argument("--big", type=int, default=0, help="also run seedkit once at N rows")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "seedkit-bench-sql"
    )
    args = parser.parse_args()
    compile_bytecode()
    header = (
        f"{'command':<30} {'statements':>10} {'median s':>8} {'stmts/s':>10} {'rows/s':>10} "
        f"{'peak MiB':>8}  ratio  paired"
    )
    print(header, "\n" + "-" * len(header), flush=True)
    peaks: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="seedkit-bench-sql-") as tmp:
        scratch = Path(tmp)
        for per in args.per_insert:
            for size in args.sizes:
                folder = args.data / f"{size}x{per}"
                write_files(folder, size, per)
                statements = -(-size // per)
                kind = "1 row" if per == 1 else f"{per} rows"
                print(f"-- {size:,} rows, {kind} per INSERT", flush=True)
                for name in args.databases:
                    bench = Bench(name, folder, scratch, size)
                    if args.seedkit_only:
                        mine = Runs()
                        for _ in range(args.reps):
                            wall, peak = bench.seedkit()
                            mine.seconds.append(wall)
                            mine.peak_kib.append(peak)
                        print(line(f"{name}: seedkit apply", size, statements, mine, None))
                        peaks[(name, per)] = mine.peak_mib
                        continue
                    mine, theirs = alternate(args.reps, bench.seedkit, bench.native)
                    tool = {
                        "postgres": "psql -1 -f",
                        "mariadb": "mariadb, autocommit off",
                        "sqlite": "sqlite3 BEGIN/COMMIT",
                        "duckdb": "duckdb execute",
                    }[name]
                    print(line(f"{name}: {tool}", size, statements, theirs, None))
                    print(
                        line(f"{name}: seedkit apply", size, statements, mine, theirs), flush=True
                    )
                    peaks[(name, per)] = mine.peak_mib
                if not args.no_check:
                    check = Runs()
                    for _ in range(args.reps):
                        argv = [SEEDKIT, "check", "-m", str(folder / "seed.toml")]
                        wall, peak = timed(argv, cwd=scratch)
                        check.seconds.append(wall)
                        check.peak_kib.append(peak)
                    print(line("seedkit check", size, statements, check, None), flush=True)
            if args.big:
                folder = args.data / f"{args.big}x{per}"
                write_files(folder, args.big, per)
                statements = -(-args.big // per)
                for name in args.databases:
                    wall, peak = Bench(name, folder, scratch, args.big).seedkit()
                    text = line(
                        f"{name}: seedkit apply", args.big, statements, Runs([wall], [peak]), None
                    )
                    print(
                        f"{text}  peak {peak / 1024 / peaks[(name, per)]:.2f}x of {max(args.sizes):,}",
                        flush=True,
                    )
    for name in args.databases:
        try:
            if name == "postgres":
                import sqlalchemy as sa

                engine = sa.create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.exec_driver_sql("SET statement_timeout = '20s'")
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                engine.dispose()
            if name == "mariadb":
                sql(MY, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        except Exception as exc:  # noqa: BLE001
            print(f"note: database {BENCH_DB} left behind ({exc})", file=sys.stderr)


if __name__ == "__main__":
    main()
