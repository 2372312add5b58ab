"""`seedkit snapshot`: turn tables of a live database into a seed that recreates them.

It reflects the named tables (and, with `with_parents`, every table their foreign
keys reach), then writes into the output folder:

- `schema.sql`: one CREATE TABLE per table, parents first, in the source database's
  dialect, built from the reflected columns, primary keys, UNIQUE constraints and
  foreign keys (defaults, checks, indexes and identity/serial properties are not
  carried; a foreign key to a table outside the snapshot is left out and named in a
  comment);
- `data/TABLE.csv`: every row, ordered by primary key, written so seedkit's CSV
  reader gives back the same values: NULL is an unquoted empty field, text is always
  quoted (so an empty string is `""`), decimals keep their digits, dates and times
  are ISO 8601, booleans `true`/`false`, JSON as JSON text, binary as base64;
- `seed.toml`: `[project] dialect` set to the source's, `ddl = ["schema.sql"]`, and
  one CSV step per table, so `seedkit apply --url …` recreates the same contents on
  any database seedkit supports (the DDL is transpiled there).

Rows stream from a server-side cursor in batches, so memory stays flat however large
the table is.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location, ManifestError, TargetError
from seedkit.schema import Column, Schema, Table, TypeKind, table_key

if TYPE_CHECKING:
    import sqlalchemy as sa

    from seedkit.adapters.base import Adapter

BATCH_ROWS = 5_000
#: Kinds written quoted always: their text may be empty or hold any character.
_QUOTED_KINDS = {TypeKind.TEXT, TypeKind.JSON, TypeKind.UUID, TypeKind.OTHER, TypeKind.BINARY}


@dataclass(frozen=True)
class TableSnapshot:
    """One table written: its name, the step and CSV file made for it, and its row count."""

    table: str
    step: str
    file: str
    rows: int
    binary_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnapshotResult:
    """What a snapshot wrote: the folder, its manifest, and each table in load order."""

    out: Path
    manifest: Path
    ddl: Path
    source: str
    dialect: str | None
    tables: tuple[TableSnapshot, ...]
    dropped_foreign_keys: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Rows written over every table."""
        return sum(t.rows for t in self.tables)


def snapshot(
    url: str,
    tables: Iterable[str],
    out: str | Path,
    *,
    with_parents: bool = False,
    name: str | None = None,
    force: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> SnapshotResult:
    """Write a seed (seed.toml, schema.sql, data/*.csv) of `tables` read from `url`."""
    from seedkit.adapters import open_adapter

    wanted = [t.strip() for t in tables if t.strip()]
    if not wanted:
        raise ManifestError("no tables to snapshot", hint="pass --tables a,b,…")
    out = Path(out)
    manifest_path = out / "seed.toml"
    if manifest_path.exists() and not force:
        raise ManifestError(
            "seed.toml already exists in the output folder",
            location=Location.in_file(manifest_path),
            hint="choose another --out folder, or pass --force to overwrite it",
        )
    target = open_adapter(url)
    try:
        with target.connect() as conn:
            schema = _reflect(target, conn, wanted, with_parents)
            ordered = _load_order(schema)
            data_dir = out / "data"
            data_dir.mkdir(parents=True, exist_ok=True)
            ddl, dropped = _ddl(conn, ordered, schema)
            ddl_path = out / "schema.sql"
            ddl_path.write_text(ddl, encoding="utf-8")
            written = []
            steps = _step_names(ordered)
            for table in ordered:
                step = steps[table.qualified_name]
                file = f"data/{step}.csv"
                rows = _write_csv(conn, target, table, out / file, batch_rows)
                binary = tuple(c.name for c in table.columns if c.kind is TypeKind.BINARY)
                written.append(TableSnapshot(table.qualified_name, step, file, rows, binary))
        project = name or _project_name(out)
        dialect = target.sqlglot_name
        manifest_path.write_text(
            manifest_text(project, dialect, written, target.display_url), encoding="utf-8"
        )
        return SnapshotResult(
            out=out,
            manifest=manifest_path,
            ddl=ddl_path,
            source=target.display_url,
            dialect=dialect,
            tables=tuple(written),
            dropped_foreign_keys=tuple(dropped),
        )
    finally:
        target.dispose()


def _reflect(target: Adapter, conn: sa.Connection, wanted: list[str], with_parents: bool) -> Schema:
    """The named tables, and with `with_parents` every table their foreign keys reach."""
    reflect_schema = target.reflect_schema
    schema = reflect_schema(conn, wanted)
    missing = [name for name in wanted if schema.get(name) is None]
    if missing:
        known = sorted(t.qualified_name for t in reflect_schema(conn))
        raise TargetError(
            f"no table {', '.join(missing)} in the source database",
            hint="tables there: " + (", ".join(known) if known else "none"),
        )
    todo = list(schema) if with_parents else []
    while todo:
        table = todo.pop()
        for fk in table.foreign_keys:
            if schema.get(fk.ref_table) is None:
                found = reflect_schema(conn, [fk.ref_table])
                for parent in found:
                    schema.add(parent)
                    todo.append(parent)
    return schema


def _load_order(schema: Schema) -> list[Table]:
    """Tables with parents before children (by foreign key); a cycle keeps name order."""
    from seedkit.graph import DAG, CycleError

    tables = {table_key(t.qualified_name): t for t in schema}
    dag = DAG(sorted(tables))
    for key, table in tables.items():
        for fk in table.foreign_keys:
            parent = schema.get(fk.ref_table)
            if parent is not None:
                dag.add_edge(key, table_key(parent.qualified_name), "inferred")
    try:
        levels = dag.levels()
    except CycleError:
        levels = [sorted(tables)]
    return [tables[k] for level in levels for k in level]


def _step_names(tables: list[Table]) -> dict[str, str]:
    names: dict[str, str] = {}
    for table in tables:
        base = table.qualified_name.replace(".", "_")
        name, n = base, 1
        while name in names.values():
            n += 1
            name = f"{base}_{n}"
        names[table.qualified_name] = name
    return names


def _project_name(out: Path) -> str:
    from seedkit.scaffold import project_name

    return project_name(out)


def _ddl(conn: sa.Connection, tables: list[Table], schema: Schema) -> tuple[str, list[str]]:
    """CREATE TABLE statements in the source's dialect, and the foreign keys left out."""
    prep = conn.dialect.identifier_preparer

    def q(name: str) -> str:
        return prep.quote(name)

    def qt(name: str) -> str:
        return ".".join(q(part) for part in name.split("."))

    def cols(names: Iterable[str]) -> str:
        return ", ".join(q(n) for n in names)

    out = [
        f"-- Written by `seedkit snapshot` from a {conn.dialect.name} database.",
        "-- Columns, primary keys, UNIQUE constraints and foreign keys only: defaults, checks,",
        "-- indexes and identity/serial properties are not carried over.",
        "",
    ]
    dropped: list[str] = []
    for table in tables:
        lines = []
        for column in table.columns:
            line = f"    {q(column.name)} {column.type or 'TEXT'}"
            if not column.nullable:
                line += " NOT NULL"
            lines.append(line)
        if table.primary_key:
            lines.append(f"    PRIMARY KEY ({cols(table.primary_key)})")
        for unique in table.unique:
            lines.append(f"    UNIQUE ({cols(unique)})")
        notes = []
        for fk in table.foreign_keys:
            if schema.get(fk.ref_table) is None:
                text = f"{table.qualified_name} ({', '.join(fk.columns)}) -> {fk.ref_table}"
                dropped.append(text)
                notes.append(f"-- left out, {fk.ref_table} is not in the snapshot: {text}")
                continue
            named = f"CONSTRAINT {q(fk.name)} " if fk.name else ""
            lines.append(
                f"    {named}FOREIGN KEY ({cols(fk.columns)}) "
                f"REFERENCES {qt(fk.ref_table)} ({cols(fk.ref_columns)})"
            )
        out.extend(notes)
        out.append(f"CREATE TABLE {qt(table.qualified_name)} (\n" + ",\n".join(lines) + "\n);\n")
    return "\n".join(out), dropped


def _csv_field(text: str, quote: bool) -> str:
    if quote or text == "" or any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _formatter(kind: TypeKind) -> Callable[[Any], str]:
    """A function from a driver's value to the CSV text seedkit reads back as that value."""
    if kind is TypeKind.BOOLEAN:
        return lambda v: "true" if _truthy(v) else "false"
    if kind is TypeKind.DECIMAL:
        return lambda v: format(v, "f") if isinstance(v, Decimal) else str(v)
    if kind is TypeKind.FLOAT:
        return lambda v: repr(float(v)) if not isinstance(v, str) else v
    if kind in (TypeKind.DATE, TypeKind.TIMESTAMP, TypeKind.TIMESTAMPTZ):
        return lambda v: v.isoformat(sep=" ") if isinstance(v, dt.datetime) else _iso(v)
    if kind is TypeKind.TIME:
        return _time_text
    if kind is TypeKind.JSON:  # selected as text (see _select_item); parsed only if a driver did
        return lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    if kind is TypeKind.BINARY:
        return lambda v: base64.b64encode(bytes(v)).decode("ascii")
    return lambda v: v if isinstance(v, str) else str(v)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "y", "yes", "on")
    return bool(value)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _time_text(value: Any) -> str:
    if isinstance(value, dt.timedelta):  # MySQL's TIME
        if dt.timedelta(0) <= value < dt.timedelta(days=1):
            return (dt.datetime.min + value).time().isoformat()
        return str(value)
    return value.isoformat() if isinstance(value, dt.time) else str(value)


def _select_item(conn: sa.Connection, target: Adapter, column: Column) -> str:
    return target.snapshot_column(conn, column)


def _write_csv(
    conn: sa.Connection, target: Adapter, table: Table, path: Path, batch_rows: int
) -> int:
    """Stream every row of `table` into `path`; return how many were written."""
    names = [c.name for c in table.columns]
    select = ", ".join(_select_item(conn, target, c) for c in table.columns)
    sql = f"SELECT {select} FROM {target.quote_table(conn, table.qualified_name)}"
    order = table.primary_key or next(iter(table.unique), ())
    if order:
        sql += " ORDER BY " + ", ".join(target.quote(conn, n) for n in order)
    formats = [_formatter(c.kind) for c in table.columns]
    quoted = [c.kind in _QUOTED_KINDS for c in table.columns]
    columns = list(zip(formats, quoted, strict=True))
    count = 0
    streaming = conn.execution_options(stream_results=True, yield_per=batch_rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(_csv_field(n, False) for n in names) + "\n")
        result = target.execute(streaming, sql, location=Location(key=table.qualified_name))
        for batch in result.partitions(batch_rows):
            lines = []
            for row in batch:
                lines.append(
                    ",".join(
                        "" if value is None else _csv_field(fmt(value), quote)
                        for (fmt, quote), value in zip(columns, row, strict=True)
                    )
                )
            handle.write("\n".join(lines) + "\n")
            count += len(batch)
    return count


def manifest_text(
    project: str, dialect: str | None, tables: list[TableSnapshot], source: str
) -> str:
    """The seed.toml of a snapshot, written by tomli-w with comments around it."""
    import tomli_w

    head = [
        f"# Written by `seedkit snapshot` from {source}.",
        "# `seedkit apply --url URL` recreates these tables and their rows; schema.sql is in",
        "# the source's dialect and is transpiled for other databases.",
        '# In the CSV files an unquoted empty field is NULL and a quoted "" is an empty string.',
    ]
    project_table: dict[str, Any] = {"name": project}
    if dialect:
        project_table["dialect"] = dialect
    project_table["ddl"] = ["schema.sql"]
    parts = [
        "\n".join(head) + "\n" + tomli_w.dumps({"project": project_table}),
        tomli_w.dumps({"defaults": {"mode": "insert", "csv": {"null": [""]}}}),
    ]
    for item in tables:
        step: dict[str, Any] = {"csv": item.file}
        if item.table != item.step:
            step["table"] = item.table
        comment = f"# {item.rows} rows"
        if item.binary_columns:
            comment += f"; binary columns ({', '.join(item.binary_columns)}) are base64"
        parts.append(comment + "\n" + tomli_w.dumps({"steps": {item.step: step}}))
    return "\n".join(parts)
