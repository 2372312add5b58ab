"""The SQL an adapter writes for rows: quoted names, the driver's markers, insert, upsert.

A mixin of seedkit.adapters.base.Adapter; each database's adapter overrides what its
SQL spells differently (MySQL's ON DUPLICATE KEY UPDATE, DuckDB's quoting).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.schema import Table


class RowSql:
    """Identifier quoting and the INSERT, upsert, temporary-table and DELETE statements."""

    def quote_table(self, conn: sa.Connection, name: str) -> str:
        """`schema.table` quoted by the database's own rules."""
        prep = conn.dialect.identifier_preparer
        return ".".join(prep.quote(part) for part in name.split("."))

    def quote(self, conn: sa.Connection, name: str) -> str:
        """One identifier quoted by the database's own rules."""
        return conn.dialect.identifier_preparer.quote(name)

    def placeholders(self, conn: sa.Connection, count: int) -> str:
        """`?, ?, …` or `%s, %s, …`: the driver's own parameter markers."""
        style = conn.dialect.paramstyle
        if style == "qmark":
            marks = ["?"] * count
        elif style in ("format", "pyformat"):
            marks = ["%s"] * count
        elif style == "numeric":
            marks = [f":{i + 1}" for i in range(count)]
        elif style == "numeric_dollar":
            marks = [f"${i + 1}" for i in range(count)]
        else:
            raise NotImplementedError(f"paramstyle {style}")
        return ", ".join(marks)

    def insert_sql(self, conn: sa.Connection, table: str, columns: Sequence[str]) -> str:
        """`INSERT INTO t (a, b) VALUES (?, ?)` with quoted names and driver markers."""
        cols = ", ".join(self.quote(conn, c) for c in columns)
        sql = f"INSERT INTO {self.quote_table(conn, table)} ({cols}) VALUES "
        sql = self._escape_percent(conn, sql)
        return sql + f"({self.placeholders(conn, len(columns))})"

    def upsert_sql(
        self, conn: sa.Connection, table: str, columns: Sequence[str], key: Sequence[str]
    ) -> str:
        """An insert that updates the non-key columns when the key already exists."""
        base = self.insert_sql(conn, table, columns)
        keys = ", ".join(self.quote(conn, k) for k in key)
        rest = [c for c in columns if c not in key]
        if not rest:
            return base + self._escape_percent(conn, f" ON CONFLICT ({keys}) DO NOTHING")
        sets = ", ".join(f"{self.quote(conn, c)} = excluded.{self.quote(conn, c)}" for c in rest)
        return base + self._escape_percent(conn, f" ON CONFLICT ({keys}) DO UPDATE SET {sets}")

    def temp_table_sql(self, conn: sa.Connection, name: str, select: str) -> str:
        """Create a session-local table `name` shaped by `select` (mirror's key table)."""
        return f"CREATE TEMPORARY TABLE {self.quote(conn, name)} AS {select}"

    def drop_temp_table_sql(self, conn: sa.Connection, name: str) -> str:
        """Drop a table made by `temp_table_sql`, without ending the transaction."""
        return f"DROP TABLE {self.quote(conn, name)}"

    def delete_all_sql(self, conn: sa.Connection, table: str) -> str:
        """`DELETE FROM t`: replace mode empties the table inside the same transaction."""
        return f"DELETE FROM {self.quote_table(conn, table)}"

    @staticmethod
    def _escape_percent(conn: sa.Connection, sql: str) -> str:
        if conn.dialect.paramstyle in ("format", "pyformat"):
            return sql.replace("%", "%%")
        return sql

    def table_for_insert(self, table: Table | None, name: str) -> str:
        """The table name to write to: the schema's spelling when known."""
        return table.qualified_name if table is not None else name
