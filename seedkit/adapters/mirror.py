"""Mirror's delete of rows the source lacks, when other rows still reference them.

A mirror step deletes the table's rows whose key its source does not have. If a row of
another table (or of the same one) still references such a row through a foreign key,
the database refuses the delete with a message of its own ("update or delete on table
… violates foreign key constraint …"). seedkit says instead which table still references
which keys, at the step, and what to do. The databases with savepoints run the delete in
one and look only when it fails (a foreign key with ON DELETE CASCADE or SET NULL lets it
through); DuckDB, which has no savepoint and no cascades, looks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seedkit.errors import ApplyError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter
    from seedkit.plan.steps import LoadStep

SAMPLES = 5


class ReferencedRowsError(ApplyError):
    """Mirror would delete rows that rows of another table still reference."""


def delete_unkept(
    conn: sa.Connection,
    target: Adapter,
    load: LoadStep,
    table: str,
    keys: str,
    key: list[str],
    sql: str,
) -> Any:
    """Run mirror's DELETE `sql` (rows of `table` whose `key` is not in the table `keys`);
    a row still referenced gives a ReferencedRowsError naming the referencing table."""
    where = load.source.context.locate()
    if not target.SUPPORTS_SAVEPOINTS:
        _refuse_referenced(conn, target, load, table, keys, key)
        return target.execute(conn, sql, location=where)
    savepoint = conn.begin_nested()
    try:
        result = target.execute(conn, sql, location=where)
    except ApplyError:
        savepoint.rollback()
        _refuse_referenced(conn, target, load, table, keys, key)
        raise
    savepoint.commit()
    return result


def _refuse_referenced(
    conn: sa.Connection, target: Adapter, load: LoadStep, table: str, keys: str, key: list[str]
) -> None:
    """Raise ReferencedRowsError when a row the delete would remove is still referenced."""
    q = target.quote
    parent = target.quote_table(conn, table)
    kept = target.quote_table(conn, keys)
    for child_name, fk in load.referenced_by:
        if not target.table_exists(conn, child_name):
            continue
        child = target.quote_table(conn, child_name)
        joins = " AND ".join(
            f"c.{q(conn, c)} = p.{q(conn, r)}"
            for c, r in zip(fk.columns, fk.ref_columns, strict=True)
        )
        gone = " AND ".join(f"k.{q(conn, k)} = p.{q(conn, k)}" for k in key)
        sql = (
            f"SELECT DISTINCT {', '.join('c.' + q(conn, c) for c in fk.columns)} FROM {child} c "
            f"WHERE EXISTS (SELECT 1 FROM {parent} p WHERE {joins} "
            f"AND NOT EXISTS (SELECT 1 FROM {kept} k WHERE {gone}))"
        )
        if _same_table(child_name, table):  # a row kept may reference a row deleted
            stays = " AND ".join(f"s.{q(conn, k)} = c.{q(conn, k)}" for k in key)
            sql += f" AND EXISTS (SELECT 1 FROM {kept} s WHERE {stays})"
        found = target.execute(conn, sql + f" LIMIT {SAMPLES + 1}").fetchall()
        if not found:
            continue
        shown = ", ".join(str(r[0]) if len(r) == 1 else str(tuple(r)) for r in found[:SAMPLES])
        more = ", …" if len(found) > SAMPLES else ""
        raise ReferencedRowsError(
            f"mode `mirror` would delete rows of {load.table_name} that rows of {child_name} "
            f"still reference ({', '.join(fk.columns)} = {shown}{more})",
            location=load.source.context.locate(),
            hint=f"keep those rows in this step's source; or delete the rows of {child_name} "
            'that reference them before seeding; or give this step mode = "upsert", which '
            "deletes nothing",
        )


def _same_table(a: str, b: str) -> bool:
    from seedkit.schema import table_key

    return table_key(a).rsplit(".", 1)[-1] == table_key(b).rsplit(".", 1)[-1]
