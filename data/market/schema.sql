-- Market reference data. Written for PostgreSQL; seedkit transpiles it for
-- SQLite, MariaDB/MySQL and DuckDB targets.

CREATE TABLE exchanges (
    exchange_id INTEGER PRIMARY KEY,
    mic         VARCHAR(4)   NOT NULL UNIQUE,
    name        VARCHAR(100) NOT NULL,
    city        VARCHAR(100),
    opens_at    TIME,
    closes_at   TIME,
    timezone    VARCHAR(40)
);

CREATE TABLE sectors (
    sector_id   INTEGER PRIMARY KEY,
    code        VARCHAR(10)  NOT NULL UNIQUE,  -- keeps its leading zeros: '0010'
    name        VARCHAR(100) NOT NULL,
    description TEXT
);

-- tickers depend on exchanges and sectors through their foreign keys;
-- seed.toml does not repeat that: seedkit infers the edges.
CREATE TABLE tickers (
    ticker_sym  VARCHAR(12)  PRIMARY KEY,
    exchange_id INTEGER      NOT NULL,
    sector_id   INTEGER,
    isin        VARCHAR(12),
    name        VARCHAR(200) NOT NULL,
    lot_size    INTEGER      NOT NULL,
    tick_size   NUMERIC(12, 4) NOT NULL,
    listed_on   DATE,
    is_active   BOOLEAN      NOT NULL,
    notes       TEXT,
    CONSTRAINT tickers_exchange_fk FOREIGN KEY (exchange_id) REFERENCES exchanges (exchange_id),
    CONSTRAINT tickers_sector_fk FOREIGN KEY (sector_id) REFERENCES sectors (sector_id)
);

CREATE TABLE rules (
    rule_id      INTEGER     PRIMARY KEY,
    ticker_sym   VARCHAR(12) NOT NULL,
    kind         VARCHAR(20) NOT NULL,
    max_qty      NUMERIC(18, 4),
    effective_at TIMESTAMP   NOT NULL,
    CONSTRAINT rules_ticker_fk FOREIGN KEY (ticker_sym) REFERENCES tickers (ticker_sym)
);
