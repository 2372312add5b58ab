"""What seedkit knows of the target's tables: columns with their types, keys, foreign keys.

The model is read from the manifest's DDL with sqlglot (`seedkit.schema.ddl`) or
reflected from a live database (`Adapter.reflect_schema`, seedkit.adapters.reflect). Row sources convert their
text by these types, and the graph infers edges from these foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class TypeKind(StrEnum):
    """The family of a column's type, which decides how CSV text is converted."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    TIMESTAMPTZ = "timestamptz"
    JSON = "json"
    TEXT = "text"
    BINARY = "binary"
    UUID = "uuid"
    OTHER = "other"


@dataclass(frozen=True)
class Column:
    """One column: its name, declared type text, type family and constraints."""

    name: str
    type: str
    kind: TypeKind
    nullable: bool = True
    length: int | None = None
    autoincrement: bool = False
    has_default: bool = False


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: these columns reference those columns of another table."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class Table:
    """A table: name (with its schema when qualified), columns and constraints."""

    name: str
    schema: str | None = None
    columns: tuple[Column, ...] = ()
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def qualified_name(self) -> str:
        """`schema.name`, or `name` when the table has no schema."""
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column(self, name: str) -> Column | None:
        """The column called `name` (case-insensitive), or None."""
        wanted = name.lower()
        for col in self.columns:
            if col.name.lower() == wanted:
                return col
        return None


def table_key(name: str) -> str:
    """The lookup key of a table name: lower case, without quotes."""
    return ".".join(part.strip('"`[]').lower() for part in name.split("."))


@dataclass
class Schema:
    """The tables known for a seed, looked up by qualified or bare name."""

    tables: dict[str, Table] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        """Add or replace a table."""
        self.tables[table_key(table.qualified_name)] = table

    def get(self, name: str) -> Table | None:
        """The table called `name`: exact qualified match first, then a unique bare-name match."""
        key = table_key(name)
        if key in self.tables:
            return self.tables[key]
        bare = key.rsplit(".", 1)[-1]
        matches = [t for k, t in self.tables.items() if k.rsplit(".", 1)[-1] == bare]
        if len(matches) == 1 and "." not in key:
            return matches[0]
        return None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())

    def __len__(self) -> int:
        return len(self.tables)
