"""schema_from_ddl and kind_of: tables, keys and types read from DDL text with sqlglot."""

from __future__ import annotations

import pytest
from sqlglot import exp

from seedkit.schema import Column, ForeignKey, Schema, Table, TypeKind
from seedkit.schema.ddl import kind_of, schema_from_ddl

K = TypeKind

POSTGRES_DDL = """
-- the market schema, as a developer writes it
CREATE SCHEMA IF NOT EXISTS market;
SET search_path = public;
CREATE TYPE mood AS ENUM ('calm', 'panic');
CREATE DOMAIN price AS numeric(10, 2) NOT NULL CHECK (VALUE >= 0);

CREATE TABLE exchanges (
    id serial PRIMARY KEY,
    mic varchar(8) NOT NULL UNIQUE,
    name text NOT NULL,
    opened timestamptz DEFAULT now(),
    meta jsonb
);

CREATE TABLE "Sectors" (
    "Id" bigint GENERATED ALWAYS AS IDENTITY,
    "Label" char(3),
    CONSTRAINT sectors_pk PRIMARY KEY ("Id")
);

CREATE TABLE tickers (
    ticker_id bigserial,
    ticker_sym varchar(10) NOT NULL,
    exchange_id integer NOT NULL REFERENCES exchanges (id),
    sector_id bigint,
    weight numeric(12,4),
    last_price price,
    state mood,
    uid uuid,
    logo bytea,
    active boolean DEFAULT true,
    listed date,
    opens time,
    seen timestamp,
    score double precision,
    tags text[],
    PRIMARY KEY (ticker_id),
    UNIQUE (exchange_id, ticker_sym)
);

ALTER TABLE tickers ADD CONSTRAINT tickers_sector_fk FOREIGN KEY (sector_id) REFERENCES "Sectors";

CREATE TABLE market.holidays (
    exchange_id int REFERENCES exchanges,
    day date NOT NULL,
    name varchar(80),
    PRIMARY KEY (exchange_id, day)
);

CREATE TABLE employees (
    id int PRIMARY KEY,
    manager_id int,
    FOREIGN KEY (manager_id) REFERENCES employees (id)
);

CREATE UNIQUE INDEX employees_mgr ON employees (manager_id);
CREATE INDEX tickers_sym ON tickers (ticker_sym);
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;
COMMENT ON TABLE tickers IS 'one row per listed symbol; see docs';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated := now();  -- not a statement end
    RETURN NEW;
END;
$$;
CREATE TABLE scratch (x int);
DROP TABLE scratch;
"""


@pytest.fixture(scope="module")
def pg() -> Schema:
    return schema_from_ddl(POSTGRES_DDL, "postgres")


def test_postgres_tables_found(pg: Schema) -> None:
    assert sorted(t.qualified_name for t in pg) == [
        "Sectors",
        "employees",
        "exchanges",
        "market.holidays",
        "tickers",
    ]


def test_postgres_serial_jsonb_timestamptz(pg: Schema) -> None:
    assert pg.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "SERIAL", K.INTEGER, False, None, True, True),
            Column("mic", "VARCHAR(8)", K.TEXT, False, 8),
            Column("name", "TEXT", K.TEXT, False),
            Column("opened", "TIMESTAMPTZ", K.TIMESTAMPTZ, has_default=True),
            Column("meta", "JSONB", K.JSON),
        ),
        primary_key=("id",),
        unique=(("mic",),),
    )


def test_postgres_quoted_names_keep_case_and_identity(pg: Schema) -> None:
    assert pg.get("Sectors") == Table(
        name="Sectors",
        columns=(
            Column("Id", "BIGINT", K.INTEGER, False, None, True, True),
            Column("Label", "CHAR(3)", K.TEXT, length=3),
        ),
        primary_key=("Id",),
    )


def test_postgres_types_domain_enum_and_keys(pg: Schema) -> None:
    t = pg.get("tickers")
    assert t is not None
    got = {
        c.name: (c.type, c.kind, c.nullable, c.length, c.autoincrement, c.has_default)
        for c in t.columns
    }
    assert got == {
        "ticker_id": ("BIGSERIAL", K.INTEGER, False, None, True, True),
        "ticker_sym": ("VARCHAR(10)", K.TEXT, False, 10, False, False),
        "exchange_id": ("INT", K.INTEGER, False, None, False, False),
        "sector_id": ("BIGINT", K.INTEGER, True, None, False, False),
        "weight": ("DECIMAL(12, 4)", K.DECIMAL, True, None, False, False),
        "last_price": ("price", K.DECIMAL, False, None, False, False),  # the domain's NOT NULL
        "state": ("mood", K.TEXT, True, None, False, False),
        "uid": ("UUID", K.UUID, True, None, False, False),
        "logo": ("BYTEA", K.BINARY, True, None, False, False),
        "active": ("BOOLEAN", K.BOOLEAN, True, None, False, True),
        "listed": ("DATE", K.DATE, True, None, False, False),
        "opens": ("TIME", K.TIME, True, None, False, False),
        "seen": ("TIMESTAMP", K.TIMESTAMP, True, None, False, False),
        "score": ("DOUBLE PRECISION", K.FLOAT, True, None, False, False),
        "tags": ("TEXT[]", K.OTHER, True, None, False, False),
    }
    assert t.primary_key == ("ticker_id",)
    assert t.unique == (("exchange_id", "ticker_sym"),)
    assert t.foreign_keys == (
        ForeignKey(("exchange_id",), "exchanges", ("id",)),
        # ALTER TABLE ADD CONSTRAINT, referencing a table without a column list: its PK
        ForeignKey(("sector_id",), "Sectors", ("Id",), "tickers_sector_fk"),
    )


def test_fk_to_quoted_table_resolves(pg: Schema) -> None:
    # "Sectors" is quoted in the FK, so the reference keeps its case
    t = pg.get("tickers")
    assert t is not None
    fk = t.foreign_keys[1]
    assert pg.get(fk.ref_table) is pg.get("Sectors")


def test_postgres_schema_qualified_and_fk_without_columns(pg: Schema) -> None:
    assert pg.get("market.holidays") == Table(
        name="holidays",
        schema="market",
        columns=(
            Column("exchange_id", "INT", K.INTEGER, False),
            Column("day", "DATE", K.DATE, False),
            Column("name", "VARCHAR(80)", K.TEXT, length=80),
        ),
        primary_key=("exchange_id", "day"),
        foreign_keys=(ForeignKey(("exchange_id",), "exchanges", ("id",)),),
    )
    assert pg.get("holidays") is pg.get("market.holidays")


def test_self_reference_and_unique_index(pg: Schema) -> None:
    t = pg.get("employees")
    assert t is not None
    assert t.foreign_keys == (ForeignKey(("manager_id",), "employees", ("id",)),)
    assert t.unique == (("manager_id",),)  # CREATE UNIQUE INDEX; the plain index is not one


MYSQL_DDL = """
SET NAMES utf8mb4;
CREATE TABLE `Exchanges` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `Code` varchar(8) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tickers (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  exchange_id int unsigned NOT NULL,
  active tinyint(1) NOT NULL DEFAULT 1,
  flag bool,
  lots tinyint,
  listed datetime,
  changed timestamp NULL,
  kind enum('stock','etf'),
  doc json,
  raw blob,
  price decimal(12,4),
  KEY idx_exchange (exchange_id),
  CONSTRAINT `fk_exchange` FOREIGN KEY (`exchange_id`) REFERENCES `Exchanges` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB;
"""


def test_mysql_ddl() -> None:
    s = schema_from_ddl(MYSQL_DDL, "mysql")
    assert s.get("Exchanges") == Table(
        name="Exchanges",
        columns=(
            Column("id", "INT UNSIGNED", K.INTEGER, False, None, True, True),
            Column("Code", "VARCHAR(8)", K.TEXT, False, 8),
        ),
        primary_key=("id",),
        unique=(("Code",),),  # written `code`: matched to the column case-insensitively
    )
    t = s.get("tickers")
    assert t is not None
    got = {c.name: (c.type, c.kind, c.nullable, c.autoincrement, c.has_default) for c in t.columns}
    assert got == {
        "id": ("BIGINT", K.INTEGER, False, True, True),
        "exchange_id": ("INT UNSIGNED", K.INTEGER, False, False, False),
        "active": ("TINYINT(1)", K.BOOLEAN, False, False, True),
        "flag": ("BOOLEAN", K.BOOLEAN, True, False, False),
        "lots": ("TINYINT", K.INTEGER, True, False, False),
        "listed": ("DATETIME", K.TIMESTAMP, True, False, False),
        "changed": ("TIMESTAMP", K.TIMESTAMP, True, False, False),  # MySQL's holds no zone
        "kind": ("ENUM('stock', 'etf')", K.TEXT, True, False, False),
        "doc": ("JSON", K.JSON, True, False, False),
        "raw": ("BLOB", K.BINARY, True, False, False),
        "price": ("DECIMAL(12, 4)", K.DECIMAL, True, False, False),
    }
    assert t.primary_key == ("id",)
    assert t.unique == ()
    assert t.foreign_keys == (ForeignKey(("exchange_id",), "Exchanges", ("id",), "fk_exchange"),)


SQLITE_DDL = """
PRAGMA foreign_keys = ON;
CREATE TABLE exchanges (id INTEGER PRIMARY KEY AUTOINCREMENT, Code VARCHAR(20) NOT NULL UNIQUE);
CREATE TABLE tickers (
  Sym TEXT,
  exchange_id INT REFERENCES exchanges,
  price NUMERIC,
  listed DATETIME,
  logo BLOB,
  weight REAL,
  misc,
  big UNSIGNED BIG INT,
  PRIMARY KEY (sym)
) WITHOUT ROWID;
CREATE TABLE rows_alias (n integer, PRIMARY KEY (n));
CREATE TABLE not_alias (n INT PRIMARY KEY);
CREATE TRIGGER t AFTER INSERT ON tickers BEGIN SELECT 1; END;
"""


def test_sqlite_ddl() -> None:
    s = schema_from_ddl(SQLITE_DDL, "sqlite")
    assert s.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "INTEGER", K.INTEGER, False, None, True, True),
            Column("Code", "VARCHAR(20)", K.TEXT, False, 20),
        ),
        primary_key=("id",),
        unique=(("Code",),),
    )
    t = s.get("tickers")
    assert t is not None
    assert [(c.name, c.type, c.kind, c.nullable) for c in t.columns] == [
        ("Sym", "TEXT", K.TEXT, False),
        ("exchange_id", "INT", K.INTEGER, True),
        ("price", "NUMERIC", K.DECIMAL, True),
        ("listed", "DATETIME", K.TIMESTAMP, True),
        ("logo", "BLOB", K.BINARY, True),
        ("weight", "REAL", K.FLOAT, True),
        ("misc", "", K.OTHER, True),
        ("big", "BIGINT", K.INTEGER, True),  # sqlglot cannot parse UNSIGNED BIG INT as written
    ]
    assert t.primary_key == ("Sym",)
    assert t.foreign_keys == (ForeignKey(("exchange_id",), "exchanges", ("id",)),)
    alias = s.get("rows_alias")
    assert alias is not None and alias.columns[0].autoincrement  # INTEGER PK is the rowid
    plain = s.get("not_alias")
    assert plain is not None and not plain.columns[0].autoincrement  # INT PK is not


def test_extends_a_given_schema_and_alters_it() -> None:
    base = schema_from_ddl("CREATE TABLE a (id int PRIMARY KEY, note text);", "postgres")
    s = schema_from_ddl(
        """
        ALTER TABLE a ADD COLUMN b_id int NOT NULL;
        ALTER TABLE a ALTER COLUMN note SET NOT NULL;
        CREATE TABLE b (id int PRIMARY KEY);
        ALTER TABLE ONLY a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b;
        ALTER TABLE a ADD UNIQUE (note);
        """,
        "postgres",
        schema=base,
    )
    assert s is base
    a = s.get("a")
    assert a is not None
    assert [(c.name, c.nullable) for c in a.columns] == [
        ("id", False),
        ("note", False),
        ("b_id", False),
    ]
    assert a.unique == (("note",),)
    assert a.foreign_keys == (ForeignKey(("b_id",), "b", ("id",), "a_b"),)


def test_pg_dump_style_identity_and_sequence_default() -> None:
    s = schema_from_ddl(
        """
        CREATE TABLE public.t (id integer NOT NULL, n bigint NOT NULL, x text);
        ALTER TABLE public.t OWNER TO app;
        ALTER TABLE public.t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
            SEQUENCE NAME public.t_id_seq START WITH 1 INCREMENT BY 1 CACHE 1);
        ALTER TABLE ONLY public.t ALTER COLUMN n SET DEFAULT nextval('public.t_n_seq'::regclass);
        ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
        """,
        "postgres",
    )
    t = s.get("t")
    assert t is not None and t.schema == "public" and t.primary_key == ("id",)
    assert [(c.name, c.autoincrement, c.has_default) for c in t.columns] == [
        ("id", True, True),
        ("n", True, True),
        ("x", False, False),
    ]


def test_drop_table_and_if_not_exists() -> None:
    s = schema_from_ddl(
        """
        CREATE TABLE a (x int);
        CREATE TABLE IF NOT EXISTS a (y int);
        CREATE TABLE b (x int);
        DROP TABLE IF EXISTS b, nothing CASCADE;
        """,
        "postgres",
    )
    assert [t.name for t in s] == ["a"]
    a = s.get("a")
    assert a is not None and [c.name for c in a.columns] == ["x"]


def test_unparseable_statements_are_skipped() -> None:
    sql = "CREATE TABLE a (id int PRIMARY KEY);\nSELECT (;\nCREATE TABLE b (a_id int REFERENCES a);"
    s = schema_from_ddl(sql, "postgres")
    b = s.get("b")
    assert b is not None and b.foreign_keys == (ForeignKey(("a_id",), "a", ("id",)),)


def test_unknown_fk_target_keeps_empty_columns() -> None:
    s = schema_from_ddl("CREATE TABLE a (x int REFERENCES elsewhere);", "postgres")
    a = s.get("a")
    assert a is not None and a.foreign_keys == (ForeignKey(("x",), "elsewhere", ()),)


def test_unquoted_names_fold_to_lower_case_in_postgres_only() -> None:
    assert [t.name for t in schema_from_ddl("CREATE TABLE Foo (Bar int);", "postgres")] == ["foo"]
    assert [t.name for t in schema_from_ddl("CREATE TABLE Foo (Bar int);", "mysql")] == ["Foo"]
    pg = schema_from_ddl("CREATE TABLE Foo (Bar int);", "postgresql").get("foo")
    assert pg is not None and pg.columns[0].name == "bar"


def test_empty_and_non_ddl_text() -> None:
    assert len(schema_from_ddl("", "postgres")) == 0
    assert len(schema_from_ddl("-- nothing\nSELECT 1; INSERT INTO a VALUES (1);", None)) == 0


@pytest.mark.parametrize(
    ("text", "dialect", "kind"),
    [
        ("INT", "sqlite", K.INTEGER),
        ("VARCHAR(20)", "sqlite", K.TEXT),
        ("DATETIME", "sqlite", K.TIMESTAMP),
        ("BLOB", "sqlite", K.BINARY),
        ("NUMERIC", "sqlite", K.DECIMAL),
        ("MEDIUMINT UNSIGNED", "sqlite", K.INTEGER),
        ("NVARCHAR2(10)", "sqlite", K.TEXT),
        ("FLOATING POINT", "sqlite", K.INTEGER),  # SQLite's rule: the name holds "INT"
        ("DOUBLE TROUBLE", "sqlite", K.FLOAT),
        ("whatever", "sqlite", K.OTHER),
        ("serial", "postgres", K.INTEGER),
        ("smallserial", "postgres", K.INTEGER),
        ("numeric(12,4)", "postgres", K.DECIMAL),
        ("real", "postgres", K.FLOAT),
        ("double precision", "postgres", K.FLOAT),
        ("boolean", "postgres", K.BOOLEAN),
        ("date", "postgres", K.DATE),
        ("time with time zone", "postgres", K.TIME),
        ("timestamp", "postgres", K.TIMESTAMP),
        ("timestamp without time zone", "postgres", K.TIMESTAMP),
        ("timestamp(3) with time zone", "postgres", K.TIMESTAMPTZ),
        ("timestamptz", "postgres", K.TIMESTAMPTZ),
        ("jsonb", "postgres", K.JSON),
        ("citext", "postgres", K.TEXT),
        ("character varying(5)", "postgres", K.TEXT),
        ("bytea", "postgres", K.BINARY),
        ("uuid", "postgres", K.UUID),
        ("int[]", "postgres", K.OTHER),
        ("interval", "postgres", K.OTHER),
        ("geometry", "postgres", K.OTHER),
        ("my_type", "postgres", K.OTHER),
        ("tinyint(1)", "mysql", K.BOOLEAN),
        ("bool", "mysql", K.BOOLEAN),
        ("tinyint", "mysql", K.INTEGER),
        ("tinyint(4)", "mysql", K.INTEGER),
        ("datetime", "mysql", K.TIMESTAMP),
        ("timestamp", "mysql", K.TIMESTAMP),
        ("varbinary(16)", "mysql", K.BINARY),
        ("enum('a','b')", "mysql", K.TEXT),
        ("clob", None, K.TEXT),
        ("string", None, K.TEXT),
        ("HUGEINT", "duckdb", K.INTEGER),
        ("TIMESTAMP WITH TIME ZONE", "duckdb", K.TIMESTAMPTZ),
    ],
)
def test_kind_of_text(text: str, dialect: str | None, kind: TypeKind) -> None:
    assert kind_of(text, dialect) is kind


def test_kind_of_datatype() -> None:
    assert kind_of(exp.DataType.build("DECIMAL(10, 2)"), None) is K.DECIMAL
    assert kind_of(exp.DataType.build("TINYINT(1)", dialect="mysql"), "mysql") is K.BOOLEAN


def test_unterminated_quote_still_reads_the_rest() -> None:
    s = schema_from_ddl("CREATE TABLE a (x int);\nSELECT 'oops", "postgres")
    assert [t.name for t in s] == ["a"]


def test_sqlglot_fallback_warnings_are_hushed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO"):
        schema_from_ddl("GRANT SELECT ON a TO b; CREATE DOMAIN d AS int;", "postgres")
    assert [r for r in caplog.records if r.name.startswith("sqlglot")] == []
