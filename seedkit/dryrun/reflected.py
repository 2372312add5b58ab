"""A seed without DDL: the dry run's tables come from a database read with `--url`.

`seedkit check --url URL` reflects the target's tables (read only, nothing is written)
and creates them in the dry run's DuckDB with their columns' types, NOT NULL, primary
keys and unique keys; foreign keys and lengths are checked by seedkit's own queries as
for DDL. Without `--url`, a seed without DDL gives the dry run no table to load into:
that is said once, as one problem, and what needs those tables is "not checked".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seedkit.errors import Location
from seedkit.schema import Column, TypeKind
from seedkit.typerules import rule_for

if TYPE_CHECKING:
    from seedkit.dryrun.session import Session
    from seedkit.schema import Schema, Table

#: Why a table is missing in a seed without DDL checked without `--url`.
NO_DDL = "the seed has no DDL, and check was given no --url to read the tables from"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type(session: Session, column: Column) -> str:
    if column.kind in (TypeKind.DECIMAL, TypeKind.INTEGER) and session.type_ok(column.type):
        return column.type
    return rule_for(column).dry_type


def create_reflected(session: Session, schema: Schema) -> None:
    """Create each reflected table in the dry run's DuckDB."""
    for table in schema:
        _create(session, table)


def _create(session: Session, table: Table) -> None:
    name = ".".join(_q(p) for p in table.qualified_name.split("."))
    if table.schema:
        session.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(table.schema)}")
    parts = []
    for column in table.columns:
        text = f"{_q(column.name)} {_type(session, column)}"
        if column.autoincrement:
            session.policy.sequences += 1
            seq = f"seedkit_seq_{session.policy.sequences}"
            session.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq}")
            text += f" DEFAULT nextval('{seq}')"
        elif not column.nullable and not column.has_default:
            # A default the database fills in is not known here: its NOT NULL is not checked.
            text += " NOT NULL"
        parts.append(text)
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(_q(c) for c in table.primary_key)})")
    for unique in table.unique:
        parts.append(f"UNIQUE ({', '.join(_q(c) for c in unique)})")
    session.execute(f"CREATE TABLE {name} ({', '.join(parts)})")


def mark_no_ddl(session: Session) -> None:
    """Without DDL and without `--url`, every step's table is missing unless a SQL step
    creates it."""
    for step in session.plan.ordered():
        if step.table_name:
            session.causes.lost.setdefault(
                step.table_name.split(".")[-1].strip('"`').lower(), NO_DDL
            )


def say_no_ddl(session: Session) -> None:
    """Once, as one problem, when something was not checked for want of tables."""
    if not any(NO_DDL in item.reason for item in session.causes.items()):
        return
    session.step = None
    session.problem(
        "manifest",
        "this seed has no DDL, so the dry run knows none of its tables: what loads into them "
        "is not checked",
        Location(key="project.ddl"),
        "pass --url URL to read the tables from a database (read only), or add "
        '`ddl = ["schema.sql"]` to [project]',
    )
