"""Generate the benchmark seed: a seeded CSV of N rows, its DDL and its seed.toml.

The CSV has 10 columns and every trap seedkit must get right: quoted fields holding
the delimiter, a doubled quote and a newline; unquoted empty fields (NULL) next to
quoted empty ones (an empty string); a primary key and a unique index. The same
random seed gives the same bytes, so runs compare like with like.

    python benchmarks/generate.py 1000000 /tmp/bench     # writes items.csv, schema.sql, seed.toml
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

#: Portable DDL: valid as written on PostgreSQL, DuckDB, SQLite and MariaDB.
DDL = """CREATE TABLE items (
    id       BIGINT PRIMARY KEY,
    code     VARCHAR(16) NOT NULL,
    name     VARCHAR(200) NOT NULL,
    qty      INTEGER,
    price    NUMERIC(12, 4) NOT NULL,
    ratio    DOUBLE PRECISION,
    active   BOOLEAN NOT NULL,
    day      DATE,
    seen_at  TIMESTAMP,
    note     TEXT
);
CREATE UNIQUE INDEX items_code ON items (code);
"""

#: The same table with its keys inline, as seed DDL is usually written (issue 14).
DDL_INLINE = DDL.replace(
    "code     VARCHAR(16) NOT NULL,", "code     VARCHAR(16) NOT NULL UNIQUE,"
).replace("CREATE UNIQUE INDEX items_code ON items (code);\n", "")

#: A parent/child pair of tables: every child row names a parent.
DDL_PAIR = """CREATE TABLE parents (
    id       BIGINT PRIMARY KEY,
    symbol   VARCHAR(24) NOT NULL UNIQUE,
    name     VARCHAR(200) NOT NULL
);
CREATE TABLE children (
    id        BIGINT PRIMARY KEY,
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    qty       INTEGER,
    price     NUMERIC(12, 4) NOT NULL
);
"""

PAIR_COLUMNS = {
    "parents": ["id", "symbol", "name"],
    "children": ["id", "parent_id", "qty", "price"],
}

MANIFEST_PAIR = """[project]
name = "bench-pair"
dialect = "postgres"
ddl = ["schema-pair.sql"]

[steps.parents]
csv = "parents.csv"

[steps.children]
csv = "children.csv"
"""

COLUMNS = ["id", "code", "name", "qty", "price", "ratio", "active", "day", "seen_at", "note"]

MANIFEST = """[project]
name = "bench{suffix}"
dialect = "postgres"
{ddl}
[steps.items]
csv = "items.csv"
mode = "{mode}"
"""

_WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def write_csv(path: Path, rows: int, seed: int = 42) -> None:
    """Write `rows` records (plus a header) to `path`, deterministically from `seed`."""
    rnd = random.Random(seed)
    words = _WORDS
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        lines: list[str] = []
        for i in range(1, rows + 1):
            r = rnd.random()
            name = f"{words[i % 12]} {words[(i * 7) % 12]} {i}"
            if r < 0.10:
                name = f'"{name}, Ltd"'  # quoted delimiter
            elif r < 0.13:
                name = f'"{name}\nsecond line"'  # quoted newline
            elif r < 0.15:
                name = f'"{name} ""quoted"""'  # doubled quote
            qty = "" if r > 0.9 else str(rnd.randrange(0, 100_000))
            price = f"{rnd.randrange(0, 10_000_000) / 10_000:.4f}"
            ratio = "" if r > 0.95 else repr(round(rnd.random(), 6))
            active = "true" if rnd.random() < 0.7 else "false"
            day = f"20{rnd.randrange(10, 30)}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
            seen = f"{day} {rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}"
            s = rnd.random()
            note = "" if s < 0.2 else '""' if s < 0.3 else f"note {words[i % 12]}"
            code = f"C{(i * 2654435761) % (1 << 40):010x}"
            lines.append(f"{i},{code},{name},{qty},{price},{ratio},{active},{day},{seen},{note}\n")
            if len(lines) >= 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


def write_seed(folder: Path, rows: int, mode: str = "insert", seed: int = 42) -> Path:
    """Write items.csv, schema.sql and seed.toml into `folder`; return the manifest path."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "items.csv"
    stamp = folder / ".rows"
    if not csv_path.exists() or not stamp.exists() or stamp.read_text() != f"{rows} {seed}":
        write_csv(csv_path, rows, seed)
        stamp.write_text(f"{rows} {seed}")
    (folder / "schema.sql").write_text(DDL)
    manifest = folder / ("seed.toml" if mode == "insert" else f"seed-{mode}.toml")
    # upsert and mirror run against the loaded table: no DDL, the schema is reflected.
    ddl = 'ddl = ["schema.sql"]\n' if mode == "insert" else ""
    key = "" if mode == "insert" else 'key = ["id"]\n'
    suffix = "" if mode == "insert" else f"-{mode}"
    manifest.write_text(MANIFEST.format(mode=mode, ddl=ddl, suffix=suffix) + key)
    return manifest


def write_inline(folder: Path, rows: int, seed: int = 42) -> Path:
    """Write the inline-key variant beside `write_seed`'s files (same CSV): schema-inline.sql
    and seed-inline.toml; return the manifest path."""
    write_seed(folder, rows, seed=seed)
    (folder / "schema-inline.sql").write_text(DDL_INLINE)
    manifest = folder / "seed-inline.toml"
    text = MANIFEST.format(mode="insert", ddl='ddl = ["schema-inline.sql"]\n', suffix="-inline")
    manifest.write_text(text)
    return manifest


def write_pair(folder: Path, rows: int, seed: int = 7) -> Path:
    """Write parents.csv and children.csv (`rows` each; every child names a parent drawn
    at random), schema-pair.sql and seed-pair.toml into `folder`; return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".pair"
    if not stamp.exists() or stamp.read_text() != f"{rows} {seed}":
        rnd = random.Random(seed)
        with (folder / "parents.csv").open("w", encoding="utf-8", newline="") as out:
            out.write("id,symbol,name\n")
            for start in range(1, rows + 1, 10_000):
                out.write(
                    "".join(
                        f"{i},S{(i * 2654435761) % (1 << 40):011x},{_WORDS[i % 12]} {i}\n"
                        for i in range(start, min(start + 10_000, rows + 1))
                    )
                )
        with (folder / "children.csv").open("w", encoding="utf-8", newline="") as out:
            out.write("id,parent_id,qty,price\n")
            for start in range(1, rows + 1, 10_000):
                out.write(
                    "".join(
                        f"{i},{rnd.randrange(1, rows + 1)},"
                        f"{'' if i % 10 == 0 else rnd.randrange(100_000)},"
                        f"{rnd.randrange(0, 10_000_000) / 10_000:.4f}\n"
                        for i in range(start, min(start + 10_000, rows + 1))
                    )
                )
        stamp.write_text(f"{rows} {seed}")
    (folder / "schema-pair.sql").write_text(DDL_PAIR)
    manifest = folder / "seed-pair.toml"
    manifest.write_text(MANIFEST_PAIR)
    return manifest


def main() -> None:
    """Command line: rows and folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(write_seed(args.folder, args.rows, seed=args.seed))


if __name__ == "__main__":
    main()
