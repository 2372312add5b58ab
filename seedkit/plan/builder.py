"""Build a Plan from a manifest: sources, schema, graph, levels, selection, static checks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from seedkit.errors import GraphError, Location, ManifestError, display_path
from seedkit.graph import DAG, CycleError
from seedkit.manifest import Manifest
from seedkit.manifest.models import CsvOptionsModel, Mode, SqlOptionsModel, StepModel
from seedkit.plan.project_checks import check_dialect, check_project
from seedkit.plan.steps import DdlFile, LoadStep, Plan
from seedkit.schema import ForeignKey, Schema, Table, table_key
from seedkit.selection import select_steps
from seedkit.sources.base import Source, SourceContext

if TYPE_CHECKING:
    from seedkit.plan.sqlreads import Unread


def build_plan(
    manifest: Manifest,
    *,
    select: Iterable[str] | None = None,
    schema: Schema | None = None,
    check_sources: bool = True,
    exclude: Iterable[str] | None = None,
) -> Plan:
    """The plan for `manifest`. `schema` adds tables known from a target (reflected);
    `select`/`exclude` pick steps by name or `tag:NAME` (seedkit.selection)."""
    project = manifest.model.project
    check_dialect(manifest)
    ddl = tuple(_ddl_file(manifest, i, p) for i, p in enumerate(project.ddl))
    known = schema_from_files(manifest, ddl)
    created = [t.name for t in known]  # by the DDL; a reflected schema holds the history
    if schema is not None:
        for table in schema:
            if table.qualified_name not in known:
                known.add(table)
    steps: dict[str, LoadStep] = {}
    for name, model in manifest.model.steps.items():
        steps[name] = _load_step(manifest, name, model, known)
    check_project(manifest, created, [s.table_name for s in steps.values()])
    dag, notes = _graph(manifest, steps)
    try:
        levels = dag.levels()
        groups = dag.groups()
    except CycleError as exc:
        where = manifest.locate("steps", exc.path[0], "depends_on")
        raise CycleError(exc.path, location=where, hint=exc.hint) from None
    tags = {name: model.tags for name, model in manifest.model.steps.items()}
    selected = select_steps(dag, tags, select, exclude)
    edges = tuple(dag.edges())
    steps = {
        n: LoadStep(
            **{
                **s.__dict__,
                "edges": tuple(e for e in edges if e.step == n),
                **notes.get(n, {}),
            }
        )
        for n, s in steps.items()
    }
    if check_sources:
        for name in selected:
            step = steps[name]
            if not step.is_sql:
                step.source.validate(step.table)
    return Plan(
        manifest=manifest,
        ddl=ddl,
        levels=tuple(tuple(level) for level in levels),
        steps=steps,
        schema=known,
        edges=edges,
        groups=tuple(tuple(group) for group in groups),
        selected=frozenset(selected),
        source_dialect=project.dialect,
    )


def _ddl_file(manifest: Manifest, index: int, relative: str) -> DdlFile:
    path = manifest.root / relative
    if not path.is_file():
        raise ManifestError(
            f"DDL file not found: {relative}",
            location=manifest.locate("project", "ddl"),
            hint="paths are relative to the manifest's folder",
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return DdlFile(path=path, shown=display_path(path), fingerprint=digest)


def schema_from_files(manifest: Manifest, ddl: Iterable[DdlFile]) -> Schema:
    """The schema the manifest's DDL files declare, read with sqlglot in the manifest's dialect."""
    from seedkit.schema.ddl import schema_from_ddl
    from seedkit.sources.base import LocatedStatement
    from seedkit.sources.txguard import guard
    from seedkit.sqltext.split import split_sql

    schema = Schema()
    for item in ddl:
        text = _read_ddl(item)
        # An unterminated quote or comment is reported where it starts, now; the schema
        # reader would skip what it cannot split and report a table as missing instead.
        # So is a statement controlling the transaction (before any DDL runs, on MySQL too).
        split = split_sql(text, manifest.model.project.dialect, source=item.shown)
        for _ in guard(LocatedStatement(s.text, item.shown, s.line, s.column) for s in split):
            pass
        schema = schema_from_ddl(
            text, manifest.model.project.dialect, source=item.shown, schema=schema
        )
    return schema


def _read_ddl(item: DdlFile) -> str:
    """A DDL file's text; one that is not UTF-8 is an error at its line and byte."""
    data = item.path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ManifestError(
            f"{item.shown} is not UTF-8 text ({exc.reason} at byte {exc.start - start})",
            location=Location.in_file(item.path, line, column),
            hint="save the file as UTF-8",
        ) from None


def source_for(manifest: Manifest, name: str, model: StepModel) -> Source:
    """The source object of a step, whichever key declares it."""
    from seedkit.plugins import get_host
    from seedkit.sources.rows import RowsOptions

    key: tuple[str, ...]
    options: BaseModel
    if model.sql is not None:
        key = ("steps", name, "sql")
        kind = "sql"
        options = model.sql if isinstance(model.sql, BaseModel) else SqlOptionsModel(path=model.sql)
    elif model.csv is not None:
        key = ("steps", name, "csv")
        kind = "csv"
        options = model.csv if isinstance(model.csv, BaseModel) else CsvOptionsModel(path=model.csv)
    elif model.rows is not None:
        key = ("steps", name, "rows")
        kind = "rows"
        options = RowsOptions(rows=model.rows)
    else:
        assert model.source is not None
        key = ("steps", name, "source")
        raw = dict(model.source)
        kind = raw.pop("kind", None)
        if not isinstance(kind, str):
            raise ManifestError(
                'a `source` table needs `kind = "…"`',
                location=manifest.locate(*key),
                hint='for example: source = { kind = "csv", path = "data/x.csv" }',
            )
        cls = get_host().source_class(kind, manifest.locate(*key, "kind"))
        options = _validate_options(manifest, key, cls, raw)
    cls = get_host().source_class(kind, manifest.locate(*key))
    return cls(options, SourceContext(manifest, name, key))


def _validate_options(
    manifest: Manifest, key: tuple[str, ...], cls: type[Source], raw: dict[str, Any]
) -> BaseModel:
    from seedkit.manifest.loader import manifest_error

    try:
        return cls.options_model.model_validate(raw)
    except ValidationError as exc:
        err = manifest_error(exc, manifest.text, manifest.path, cls.options_model)
        dotted = ".".join(key)
        loc = err.location
        key_path = f"{dotted}.{loc.key}" if loc and loc.key else dotted
        message = err.message.replace("`", f"`{dotted}.", 1) if "`" in err.message else err.message
        raise ManifestError(
            message, location=manifest.locate(*key_path.split(".")), hint=err.hint
        ) from None


def _load_step(manifest: Manifest, name: str, model: StepModel, schema: Schema) -> LoadStep:
    source = source_for(manifest, name, model)
    table_name = model.table or name
    table = schema.get(table_name)
    if not source.is_sql:
        source.files()  # a missing file is a manifest error, found before any database work
        if table is None and len(schema) and manifest.model.project.ddl:
            raise ManifestError(
                f"table `{table_name}` is not created by the DDL",
                location=manifest.locate("steps", name, "table")
                if model.table
                else manifest.locate("steps", name),
                hint="set `table` to one of: " + ", ".join(t.qualified_name for t in schema),
            )
    else:
        source.files()
    mode = None if source.is_sql else (model.mode or manifest.model.defaults.mode)
    key = tuple(model.key) if model.key else (table.primary_key if table else ())
    # Without the table (no DDL, target not reflected yet) the key is decided later.
    if mode in (Mode.UPSERT, Mode.MIRROR) and not key and table is not None:
        raise ManifestError(
            f"mode `{mode.value}` needs a key, and table `{table_name}` has no primary key",
            location=manifest.locate("steps", name, "mode"),
            hint='set `key = ["column", …]`',
        )
    if table is not None:
        for column in key:
            if table.column(column) is None:
                raise ManifestError(
                    f"key column `{column}` is not a column of `{table.qualified_name}`",
                    location=manifest.locate("steps", name, "key"),
                )
    return LoadStep(
        name=name,
        table_name=table.qualified_name if table else table_name,
        table=table,
        source=source,
        mode=mode,
        key=key,
        referenced_by=_referenced_by(schema, table) if mode == Mode.MIRROR and table else (),
    )


def _referenced_by(schema: Schema, table: Table) -> tuple[tuple[str, ForeignKey], ...]:
    """The foreign keys of `schema` that reference `table`, with their tables."""
    wanted = table_key(table.qualified_name)
    found = []
    for child in schema:
        for fk in child.foreign_keys:
            ref = table_key(fk.ref_table)
            if "." not in ref and child.schema:
                ref = f"{child.schema.lower()}.{ref}"
            if ref == wanted or (
                "." not in wanted and ref.rsplit(".", 1)[-1] == wanted and not child.schema
            ):
                found.append((child.qualified_name, fk))
    return tuple(found)


def _graph(manifest: Manifest, steps: dict[str, LoadStep]) -> tuple[DAG, dict[str, dict[str, Any]]]:
    """The step graph: declared edges, then (unless `infer_dependencies = false`) edges
    inferred from the DDL's foreign keys and from what SQL steps read; plus, per SQL
    step, the `writes` and `unread` the plan shows."""
    dag = DAG(steps)
    for name, model in manifest.model.steps.items():
        for dep in model.depends_on:
            if dep == name:
                raise GraphError(
                    f"step `{name}` depends on itself",
                    location=manifest.locate("steps", name, "depends_on"),
                    hint=f"remove `{name}` from its own `depends_on`",
                )
            if dep not in steps:
                import difflib

                close = difflib.get_close_matches(dep, list(steps), n=1)
                raise GraphError(
                    f"step `{name}` depends on `{dep}`, which is not a step",
                    location=manifest.locate("steps", name, "depends_on"),
                    hint=f"did you mean `{close[0]}`?"
                    if close
                    else "known steps: " + ", ".join(sorted(steps)),
                )
            dag.add_edge(name, dep, "declared")
    notes: dict[str, dict[str, Any]] = {}
    if not manifest.model.project.infer_dependencies:
        return dag, notes
    from seedkit.plan.sqlreads import sql_tables

    dialect = manifest.model.project.dialect
    sql = {n: sql_tables(s.source.files(), dialect) for n, s in steps.items() if s.is_sql}
    loads = _Loaders()
    for name, step in steps.items():
        loads.add(table_key(step.table_name), name)
    for name, step in steps.items():
        for fk in step.table.foreign_keys if step.table is not None else ():
            for parent_step in loads.find(_parent_table(step, fk.ref_table)):
                if table_key(steps[parent_step].table_name) == table_key(step.table_name):
                    continue  # a self-reference: no edge from a table to itself
                dag.add_edge(name, parent_step, "inferred")
    # A SQL step writing another table loads it too: for what reads it, and for the
    # foreign keys pointing at it, unless that would close a cycle.
    for name, tables in sql.items():
        for written in tables.writes:
            loads.add(written, name)
    for name, step in steps.items():
        for fk in step.table.foreign_keys if step.table is not None else ():
            for parent_step in loads.find(_parent_table(step, fk.ref_table)):
                same = table_key(steps[parent_step].table_name) == table_key(step.table_name)
                if not same and parent_step != name and name not in dag.ancestors(parent_step):
                    dag.add_edge(name, parent_step, "inferred")
    for name, tables in sql.items():
        unread = list(tables.unread)
        for read in sorted(tables.reads):
            for producer in loads.find(read):
                if producer == name:
                    continue
                if name in dag.ancestors(producer):
                    unread.append(_cycle_note(manifest, name, producer, read))
                    continue
                dag.add_edge(name, producer, "reads")
        own = table_key(steps[name].table_name)
        notes[name] = {
            "writes": tuple(sorted(w for w in tables.writes if w != own)),
            "unread": tuple(unread),
        }
    return dag, notes


class _Loaders:
    """Which steps load each table, found by its qualified or its bare name."""

    def __init__(self) -> None:
        self.full: dict[str, list[str]] = {}
        self.bare: dict[str, list[str]] = {}

    def add(self, key: str, step: str) -> None:
        for index, name in ((self.full, key), (self.bare, key.rsplit(".", 1)[-1])):
            if step not in index.setdefault(name, []):
                index[name].append(step)

    def find(self, key: str) -> list[str]:
        key = table_key(key)
        return self.full.get(key) or ([] if "." in key else self.bare.get(key, []))


def _cycle_note(manifest: Manifest, step: str, producer: str, table: str) -> Unread:
    from seedkit.plan.sqlreads import Unread

    where = manifest.locate("steps", step)
    return Unread(
        where.file or "",
        where.line or 0,
        f"reads {table}, which step `{producer}` loads, but `{producer}` already runs "
        f"after `{step}`: no edge added",
    )


def _parent_table(step: LoadStep, ref: str) -> str:
    ref = ref.lower()
    if "." not in ref and step.table is not None and step.table.schema:
        return f"{step.table.schema.lower()}.{ref}"
    return ref


def step_location(plan: Plan, name: str) -> Location:
    """Where a step is declared in the manifest."""
    return plan.manifest.locate("steps", name)
