-- The tables this seed fills. seedkit runs this file first, once per database.
-- Written for PostgreSQL (see `dialect` in seed.toml); seedkit transpiles it with
-- sqlglot for SQLite, MySQL/MariaDB and DuckDB targets.

CREATE TABLE colors (
    color_id INTEGER PRIMARY KEY,
    name     VARCHAR(40) NOT NULL UNIQUE,
    hex      VARCHAR(7)  NOT NULL
);

-- shades reference colors: seedkit infers that the `shades` step runs after `colors`.
CREATE TABLE shades (
    shade_id INTEGER PRIMARY KEY,
    color_id INTEGER     NOT NULL REFERENCES colors (color_id),
    name     VARCHAR(40) NOT NULL,
    note     TEXT
);
