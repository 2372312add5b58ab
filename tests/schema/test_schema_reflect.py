"""reflect_schema against real databases: SQLite and DuckDB always, servers when given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seedkit.adapters import open_adapter
from seedkit.schema import Column, ForeignKey, Schema, Table, TypeKind

K = TypeKind


def _reflect(url: str, statements: list[str], tables: list[str] | None = None) -> Schema:
    target = open_adapter(url)
    try:
        with target.connect() as conn:
            with conn.begin():
                for statement in statements:
                    conn.exec_driver_sql(statement)
            return target.reflect_schema(conn, tables)
    finally:
        target.dispose()


def _summary(table: Table | None) -> dict[str, tuple[TypeKind, bool, bool]]:
    assert table is not None
    return {c.name: (c.kind, c.nullable, c.autoincrement) for c in table.columns}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'reflect.db'}"


def test_sqlite(sqlite_url: str) -> None:
    s = _reflect(
        sqlite_url,
        [
            "CREATE TABLE exchanges (id INTEGER PRIMARY KEY AUTOINCREMENT, mic VARCHAR(8) NOT NULL"
            " UNIQUE)",
            "CREATE TABLE tickers (sym TEXT PRIMARY KEY, exchange_id INT REFERENCES exchanges,"
            " price NUMERIC, listed DATETIME, logo BLOB, weight REAL, active BOOLEAN, doc JSON,"
            " day DATE, opens TIME, label STRING, misc, mgr TEXT REFERENCES tickers (sym))",
            "CREATE UNIQUE INDEX tickers_day ON tickers (exchange_id, day)",
        ],
    )
    assert s.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "INTEGER", K.INTEGER, False, None, True, True),
            Column("mic", "VARCHAR(8)", K.TEXT, False, 8),
        ),
        primary_key=("id",),
        unique=(("mic",),),
    )
    t = s.get("tickers")
    assert t is not None
    assert [(c.name, c.type, c.kind) for c in t.columns] == [
        ("sym", "TEXT", K.TEXT),
        ("exchange_id", "INTEGER", K.INTEGER),
        ("price", "NUMERIC", K.DECIMAL),
        ("listed", "DATETIME", K.TIMESTAMP),
        ("logo", "BLOB", K.BINARY),
        ("weight", "REAL", K.FLOAT),
        ("active", "BOOLEAN", K.BOOLEAN),
        ("doc", "JSON", K.JSON),
        ("day", "DATE", K.DATE),
        ("opens", "TIME", K.TIME),
        ("label", "STRING", K.TEXT),  # a name SQLAlchemy does not know: read as declared
        ("misc", "", K.OTHER),
        ("mgr", "TEXT", K.TEXT),
    ]
    assert t.primary_key == ("sym",)
    assert t.columns[0].nullable is False
    assert t.unique == (("exchange_id", "day"),)
    assert set(t.foreign_keys) == {
        ForeignKey(("exchange_id",), "exchanges", ("id",)),
        ForeignKey(("mgr",), "tickers", ("sym",)),
    }


def test_sqlite_selected_tables(sqlite_url: str) -> None:
    s = _reflect(sqlite_url, ["CREATE TABLE a (x int)", "CREATE TABLE b (x int)"], ["B", "zz"])
    assert [t.name for t in s] == ["b"]


def test_duckdb() -> None:
    s = _reflect(
        "duckdb:///:memory:",
        [
            "CREATE SEQUENCE ex_id",
            "CREATE SCHEMA market",
            "CREATE TABLE exchanges (id INTEGER PRIMARY KEY DEFAULT nextval('ex_id'),"
            " mic VARCHAR(8) NOT NULL UNIQUE, opened TIMESTAMPTZ, meta JSON)",
            "CREATE TABLE tickers (id BIGINT PRIMARY KEY, exchange_id INTEGER REFERENCES exchanges,"
            " price DECIMAL(12,4), logo BLOB, uid UUID, active BOOLEAN, listed DATE, opens TIME,"
            " seen TIMESTAMP, weight DOUBLE, tags VARCHAR[], parent BIGINT REFERENCES tickers (id))",
            "CREATE UNIQUE INDEX tickers_listed ON tickers (exchange_id, listed)",
            "CREATE TABLE market.holidays (exchange_id INTEGER, day DATE, PRIMARY KEY (exchange_id,"
            " day))",
            "CREATE VIEW v AS SELECT * FROM exchanges",
        ],
        ["exchanges", "tickers", "market.holidays"],
    )
    assert sorted(t.qualified_name for t in s) == ["exchanges", "market.holidays", "tickers"]
    assert s.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "INTEGER", K.INTEGER, False, None, True, True),
            Column("mic", "VARCHAR", K.TEXT, False),
            Column("opened", "TIMESTAMP WITH TIME ZONE", K.TIMESTAMPTZ),
            Column("meta", "JSON", K.JSON),
        ),
        primary_key=("id",),
        unique=(("mic",),),
    )
    assert _summary(s.get("tickers")) == {
        "id": (K.INTEGER, False, False),
        "exchange_id": (K.INTEGER, True, False),
        "price": (K.DECIMAL, True, False),
        "logo": (K.BINARY, True, False),
        "uid": (K.UUID, True, False),
        "active": (K.BOOLEAN, True, False),
        "listed": (K.DATE, True, False),
        "opens": (K.TIME, True, False),
        "seen": (K.TIMESTAMP, True, False),
        "weight": (K.FLOAT, True, False),
        "tags": (K.OTHER, True, False),
        "parent": (K.INTEGER, True, False),
    }
    t = s.get("tickers")
    assert t is not None and t.unique == (("exchange_id", "listed"),)
    assert set(t.foreign_keys) == {
        ForeignKey(("exchange_id",), "exchanges", ("id",), "tickers_exchange_id_id_fkey"),
        ForeignKey(("parent",), "tickers", ("id",), "tickers_parent_id_fkey"),
    }
    h = s.get("market.holidays")
    assert h is not None and h.schema == "market" and h.primary_key == ("exchange_id", "day")
    assert [c.nullable for c in h.columns] == [False, False]


def test_duckdb_default_is_the_main_schema() -> None:
    s = _reflect(
        "duckdb:///:memory:",
        ["CREATE SCHEMA other", "CREATE TABLE a (x INT)", "CREATE TABLE other.b (x INT)"],
    )
    assert [t.qualified_name for t in s] == ["a"]


def test_postgres(pg_url: str) -> None:
    s = _reflect(
        pg_url,
        [
            "CREATE SCHEMA market",
            "CREATE TYPE mood AS ENUM ('calm', 'panic')",
            "CREATE DOMAIN price AS numeric(10, 2)",
            "CREATE TABLE exchanges (id serial PRIMARY KEY, mic varchar(8) NOT NULL UNIQUE,"
            " opened timestamptz DEFAULT now(), meta jsonb)",
            'CREATE TABLE "Tickers" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'
            " exchange_id int NOT NULL REFERENCES exchanges, weight numeric(12,4), last price,"
            " state mood, uid uuid, logo bytea, active boolean, listed date, opens time,"
            " seen timestamp, score double precision, tags text[], doc json,"
            ' parent bigint REFERENCES "Tickers" (id))',
            'CREATE UNIQUE INDEX tickers_listed ON "Tickers" (exchange_id, listed)',
            "CREATE TABLE market.holidays (exchange_id int REFERENCES exchanges, day date,"
            " PRIMARY KEY (exchange_id, day))",
        ],
        ["exchanges", "Tickers", "market.holidays", "public.exchanges"],
    )
    assert sorted(t.qualified_name for t in s) == ["Tickers", "exchanges", "market.holidays"]
    assert s.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "INTEGER", K.INTEGER, False, None, True, True),
            Column("mic", "VARCHAR(8)", K.TEXT, False, 8),
            Column("opened", "TIMESTAMP WITH TIME ZONE", K.TIMESTAMPTZ, has_default=True),
            Column("meta", "JSONB", K.JSON),
        ),
        primary_key=("id",),
        unique=(("mic",),),
    )
    assert _summary(s.get("Tickers")) == {
        "id": (K.INTEGER, False, True),
        "exchange_id": (K.INTEGER, False, False),
        "weight": (K.DECIMAL, True, False),
        "last": (K.DECIMAL, True, False),  # domain: its base type
        "state": (K.TEXT, True, False),  # enum
        "uid": (K.UUID, True, False),
        "logo": (K.BINARY, True, False),
        "active": (K.BOOLEAN, True, False),
        "listed": (K.DATE, True, False),
        "opens": (K.TIME, True, False),
        "seen": (K.TIMESTAMP, True, False),
        "score": (K.FLOAT, True, False),
        "tags": (K.OTHER, True, False),
        "doc": (K.JSON, True, False),
        "parent": (K.INTEGER, True, False),
    }
    t = s.get("Tickers")
    assert t is not None and t.unique == (("exchange_id", "listed"),)
    assert set(t.foreign_keys) == {
        ForeignKey(("exchange_id",), "exchanges", ("id",), "Tickers_exchange_id_fkey"),
        ForeignKey(("parent",), "Tickers", ("id",), "Tickers_parent_fkey"),
    }
    h = s.get("market.holidays")
    assert h is not None and h.schema == "market"
    assert h.foreign_keys == (
        ForeignKey(("exchange_id",), "exchanges", ("id",), "holidays_exchange_id_fkey"),
    )


def test_postgres_all_tables_of_default_schema(pg_url: str) -> None:
    s = _reflect(
        pg_url, ["CREATE SCHEMA other", "CREATE TABLE a (x int)", "CREATE TABLE other.b (x int)"]
    )
    assert [t.qualified_name for t in s] == ["a"]


def test_mysql(mysql_url: str) -> None:
    s = _reflect(
        mysql_url,
        [
            "CREATE TABLE exchanges (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,"
            " mic varchar(8) NOT NULL, UNIQUE KEY uq_mic (mic)) ENGINE=InnoDB",
            "CREATE TABLE tickers (id bigint NOT NULL AUTO_INCREMENT, exchange_id int unsigned"
            " NOT NULL, active tinyint(1) NOT NULL DEFAULT 1, flag bool, lots tinyint,"
            " listed datetime, changed timestamp NULL, kind enum('stock','etf'), doc json,"
            " raw blob, price decimal(12,4), weight double, opens time, day date,"
            " PRIMARY KEY (id), UNIQUE KEY uq_day (exchange_id, day),"
            " CONSTRAINT fk_exchange FOREIGN KEY (exchange_id) REFERENCES exchanges (id))"
            " ENGINE=InnoDB",
        ],
    )
    assert s.get("exchanges") == Table(
        name="exchanges",
        columns=(
            Column("id", "INTEGER(10) UNSIGNED", K.INTEGER, False, None, True, True),
            Column("mic", "VARCHAR(8)", K.TEXT, False, 8),
        ),
        primary_key=("id",),
        unique=(("mic",),),
    )
    assert _summary(s.get("tickers")) == {
        "id": (K.INTEGER, False, True),
        "exchange_id": (K.INTEGER, False, False),
        "active": (K.BOOLEAN, False, False),
        "flag": (K.BOOLEAN, True, False),
        "lots": (K.INTEGER, True, False),
        "listed": (K.TIMESTAMP, True, False),
        "changed": (K.TIMESTAMP, True, False),
        "kind": (K.TEXT, True, False),
        "doc": (K.JSON, True, False),
        "raw": (K.BINARY, True, False),
        "price": (K.DECIMAL, True, False),
        "weight": (K.FLOAT, True, False),
        "opens": (K.TIME, True, False),
        "day": (K.DATE, True, False),
    }
    t = s.get("tickers")
    assert t is not None and t.unique == (("exchange_id", "day"),)
    assert t.foreign_keys == (ForeignKey(("exchange_id",), "exchanges", ("id",), "fk_exchange"),)
