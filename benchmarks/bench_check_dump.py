"""Benchmark of `seedkit check` on pg_dump-shaped SQL: a COPY block and one INSERT per row.

The dump's table references itself (a tree), so the per-statement foreign key check
(parent rows inserted by a later statement) has work to do. Prints the seconds of each.

    .venv/bin/python benchmarks/bench_check_dump.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

SCHEMA = """\
CREATE TABLE public.nodes (
    id integer NOT NULL PRIMARY KEY,
    parent_id integer REFERENCES public.nodes (id),
    name character varying(40) NOT NULL,
    created timestamp with time zone DEFAULT now()
);
"""
MANIFEST = """\
[project]
name = "bench"
dialect = "postgres"
ddl = ["schema.sql"]

[steps.nodes]
sql = "data.sql"
"""


def write(root: Path, rows: int, inserts: bool) -> Path:
    """A seed whose data.sql holds `rows` rows, as pg_dump writes them."""
    (root / "schema.sql").write_text(SCHEMA)
    (root / "seed.toml").write_text(MANIFEST)
    with (root / "data.sql").open("w") as out:
        out.write(
            "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n"
        )
        if not inserts:
            out.write("COPY public.nodes (id, parent_id, name, created) FROM stdin;\n")
        for i in range(1, rows + 1):
            parent = "\\N" if i == 1 else str(i // 2)
            if inserts:
                parent = "NULL" if i == 1 else str(i // 2)
                out.write(
                    f"INSERT INTO public.nodes VALUES ({i}, {parent}, 'node {i}', "
                    "'2024-01-01 00:00:00+00');\n"
                )
            else:
                out.write(f"{i}\t{parent}\tnode {i}\t2024-01-01 00:00:00+00\n")
        if not inserts:
            out.write("\\.\n\n--\n-- done\n--\n")
    return root / "seed.toml"


def main() -> None:
    """Time `seedkit check` on each shape."""
    from seedkit.dryrun import run_check

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    for inserts in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = write(Path(tmp), rows, inserts)
            started = time.perf_counter()
            report = run_check(manifest)
            seconds = time.perf_counter() - started
            assert report.ok, [p.message for p in report.problems][:3]
            loaded = sum(s.rows for s in report.steps)
            assert loaded == rows, loaded
            shape = "one INSERT per row" if inserts else "COPY block"
            print(f"{shape:20} {rows:>9,} rows  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
