"""Peak memory of `seedkit snapshot` on a large table: rows must stream, not pile up.

Makes a PostgreSQL database with one table of N rows (filled server-side with
generate_series: text with quotes and newlines, NULLs, empty strings, decimals, dates,
timestamps, booleans, JSON and bytea), runs `seedkit snapshot` on it under
`/usr/bin/time -v`, prints the peak resident memory, the rows written and the time,
then drops the database.

    python benchmarks/snapshot_memory.py 1000000 \
        --server postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

FILL = """
CREATE TABLE big (
    id      BIGINT PRIMARY KEY,
    code    VARCHAR(16) NOT NULL,
    note    TEXT,
    price   NUMERIC(12, 4),
    day     DATE,
    seen_at TIMESTAMP,
    active  BOOLEAN,
    doc     JSONB,
    blob    BYTEA
);
INSERT INTO big
SELECT i,
       'C' || lpad(i::text, 9, '0'),
       CASE mod(i, 4) WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'say "hi", then
leave' ELSE repeat('x', 40) END,
       mod(i, 100000) / 10000.0,
       DATE '2000-01-01' + mod(i, 9000),
       TIMESTAMP '2020-01-01' + i * INTERVAL '1 second',
       mod(i, 2) = 0,
       jsonb_build_object('i', i, 'tags', jsonb_build_array('a', 'b')),
       decode(md5(i::text), 'hex')
FROM generate_series(1, {rows}) AS i;
"""


def main() -> int:
    """Run the measurement and print it."""
    import sqlalchemy as sa

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    server = sa.make_url(args.server)
    name = f"seedkit_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(FILL.replace("{rows}", str(args.rows)))
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "snap"
            seedkit = Path(sys.executable).with_name("seedkit")
            command = ["/usr/bin/time", "-v", str(seedkit), "snapshot", "--url", url]
            command += ["--tables", "big", "--out", str(out)]
            began = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - began
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                return 1
            peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            assert peak is not None
            lines = sum(1 for _ in (out / "data" / "big.csv").open("rb"))
            size = (out / "data" / "big.csv").stat().st_size
            print(f"rows: {args.rows}, CSV: {lines} physical lines, {size / 1e6:.0f} MB")
            print(f"peak RSS: {int(peak.group(1)) / 1024:.0f} MB, time: {seconds:.1f}s")
            return 0 if int(peak.group(1)) < 300 * 1024 else 1
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
