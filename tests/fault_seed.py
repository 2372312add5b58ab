"""The fault seed of `seedkit check`'s tests: one fault of each kind, and where each is."""

from __future__ import annotations

from pathlib import Path

SCHEMA = """\
CREATE TABLE regions (
    region_id INTEGER PRIMARY KEY,
    code      VARCHAR(3) NOT NULL UNIQUE,
    name      TEXT NOT NULL
);
CREATE TABLE shops (
    shop_id   INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions (region_id),
    name      VARCHAR(20) NOT NULL,
    opened    DATE,
    rating    NUMERIC(3, 1) CHECK (rating >= 0)
);
CREATE TABLE staff (
    staff_id INTEGER PRIMARY KEY,
    shop_id  INTEGER NOT NULL REFERENCES shops (shop_id),
    name     TEXT NOT NULL
);
CREATE TABLE owners (owner_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE shop_owners (
    shop_id  INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,
    PRIMARY KEY (shop_id, owner_id)
);
ALTER TABLE shop_owners ADD CONSTRAINT so_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (owner_id);
CREATE TABLE tags (tag_id INTEGER PRIMARY KEY, label TEXT NOT NULL);
"""

REGIONS_OK = """\
-- regions, as literal inserts
INSERT INTO regions (region_id, code, name) VALUES (1, 'NOR', 'North');
INSERT INTO regions (region_id, code, name) VALUES (2, 'SOU', 'South'), (3, 'EST', 'East');
INSERT INTO regions (region_id, code, name) VALUES
    (4, 'WST', 'West'),
    (5, 'CEN', 'Centre');
INSERT INTO regions VALUES (6, 'ISL', 'Islands');
"""
REGIONS_BAD = REGIONS_OK.replace("(5, 'CEN', 'Centre')", "(1, 'DUP', 'Duplicate')").replace(
    "INSERT INTO regions VALUES (6", "INSERT INTO regions VALUSE (6"
)

SHOPS_OK = """\
shop_id,region_id,name,opened,rating
1,1,Corner Shop,2024-01-01,4.5
2,2,Harbour Store,2023-06-30,3.0
3,3,Market Hall,,
4,4,Hill Top,2022-02-02,5.0
5,6,Island Deli,2021-12-31,0.0
"""
SHOPS_BAD = (
    SHOPS_OK.replace("2,2,Harbour", "2,99,Harbour")  # foreign key broken
    .replace("3,3,Market Hall,,", "3,3,Market Hall,2024-13-45,")  # bad type
    .replace("Hill Top", "Hill Top Superstore and Garden")  # overlong varchar(20)
    .replace("5,6,Island Deli,2021-12-31,0.0", "5,6,Island Deli,2021-12-31,-1.0")  # CHECK
)

STAFF_OK = """\
staff_id,shop_id,name
1,1,Ann
2,1,"Bob"
3,4,Cy
"""
STAFF_BAD = STAFF_OK.replace("3,4,Cy", "3,4,")  # NOT NULL: an unquoted empty field is NULL

OWNERS = "owner_id,name\n7,Olga\n8,Piet\n"
SHOP_OWNERS = "shop_id,owner_id\n1,7\n4,8\n"
TAGS_OK = "tag_id,label\n1,new\n"
TAGS_BAD = "tag_id,label,colour\n1,new,red\n"  # unknown column

MANIFEST = """\
[project]
name = "faults"
dialect = "postgres"
ddl = ["schema.sql"]
infer_dependencies = false

[steps.regions]
sql = "regions.sql"

[steps.shops]
csv = "shops.csv"
depends_on = ["regions"]

[steps.staff]
csv = "staff.csv"
depends_on = ["shops"]

[steps.owners]
csv = "owners.csv"
{owners_depends}

[steps.shop_owners]
csv = "shop_owners.csv"
{shop_owners_depends}

[steps.tags]
csv = "tags.csv"
"""


def write_seed(root: Path, faulty: bool) -> Path:
    """The fault seed in `root`, with or without its faults."""
    files = {
        "schema.sql": SCHEMA,
        "regions.sql": REGIONS_BAD if faulty else REGIONS_OK,
        "shops.csv": SHOPS_BAD if faulty else SHOPS_OK,
        "staff.csv": STAFF_BAD if faulty else STAFF_OK,
        "owners.csv": OWNERS,
        "shop_owners.csv": SHOP_OWNERS,
        "tags.csv": TAGS_BAD if faulty else TAGS_OK,
        "seed.toml": MANIFEST.format(
            # the fault "parent loaded after child": owners run after shop_owners
            owners_depends='depends_on = ["shop_owners"]' if faulty else "",
            shop_owners_depends='depends_on = ["shops"]'
            if faulty
            else 'depends_on = ["shops", "owners"]',
        ),
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root / "seed.toml"


def where(root: Path, file: str, marker: str, field: int | None = None) -> tuple[str, int, int]:
    """(file, line, column) of `marker` in `file`; with `field`, the column of that CSV field."""
    for number, line in enumerate((root / file).read_text().splitlines(), start=1):
        if marker in line:
            if field is None:
                return file, number, line.index(marker) + 1
            return file, number, sum(len(f) + 1 for f in line.split(",")[:field]) + 1
    raise AssertionError(f"{marker!r} not in {file}")


def expected(root: Path) -> set[tuple[str, str, int, int]]:
    """Each injected fault: (kind, file, line, column)."""
    return {
        ("foreign_key", *where(root, "shops.csv", "2,99,Harbour", field=1)),
        ("type", *where(root, "shops.csv", "2024-13-45", field=3)),
        ("length", *where(root, "shops.csv", "Hill Top Superstore", field=2)),
        ("check", *where(root, "shops.csv", "-1.0", field=4)),
        ("not_null", *where(root, "staff.csv", "3,4,", field=2)),
        ("foreign_key", *where(root, "shop_owners.csv", "1,7", field=1)),
        ("foreign_key", *where(root, "shop_owners.csv", "4,8", field=1)),
        ("unique", *where(root, "regions.sql", "(1, 'DUP'")),
        ("sql", *where(root, "regions.sql", "VALUSE")),
        ("unknown_column", *where(root, "tags.csv", "colour")),
    }
