"""`seedkit init --from-dump FILE`: a seed.toml that applies a dump as it is.

A dump made by `pg_dump` (plain format), `mariadb-dump` / `mysqldump`, `sqlite3 .dump` or
DuckDB's `EXPORT DATABASE` (its folder) becomes a seed without touching the dump: a file
holding only schema is a `ddl` file, a file holding data (COPY blocks, INSERTs) is a SQL
step, run as written. Several files are taken in the order given (a `--schema-only` file
then a `--data-only` one); steps made from them run in that order.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedkit.errors import Location, ManifestError
from seedkit.scaffold import InitResult, project_name

#: What the first lines of a dump say of the tool that made it: (pattern, kind).
_SIGNATURES = (
    (re.compile(r"^-- PostgreSQL database dump", re.M), "postgres"),
    (re.compile(r"^-- (?:MariaDB|MySQL) dump", re.M), "mysql"),
    (re.compile(r"^PRAGMA foreign_keys=OFF;\s*\nBEGIN TRANSACTION;", re.M), "sqlite"),
)
_DATA = re.compile(r"^(?:COPY\s.*\bFROM\s+stdin;|INSERT\s+INTO\s)", re.M | re.I)
_HEAD = 1 << 16  # characters read to tell the tool
_URLS = {
    # Never DATABASE_URL, which often names an application's own database.
    "postgres": "${SEEDKIT_URL}",
    "mysql": "${SEEDKIT_URL}",
    "sqlite": "sqlite:///%s.db",
    "duckdb": "duckdb:///%s.duckdb",
}
_TOOLS = {
    "postgres": "pg_dump",
    "mysql": "mariadb-dump",
    "sqlite": "sqlite3 .dump",
    "duckdb": "DuckDB EXPORT DATABASE",
}


@dataclass(frozen=True)
class DumpFile:
    """One file of a dump: its path, the tool's dialect, and whether it holds data."""

    path: Path
    dialect: str
    data: bool


def read_dump(path: Path) -> list[DumpFile]:
    """The files of the dump at `path` (a DuckDB export folder gives two); a ManifestError
    naming the file when no known tool made it."""
    if path.is_dir():
        schema, load = path / "schema.sql", path / "load.sql"
        if schema.is_file() and load.is_file():
            return [DumpFile(schema, "duckdb", False), DumpFile(load, "duckdb", True)]
        raise ManifestError(
            f"{path} is a folder, but not a DuckDB export (schema.sql and load.sql)",
            location=Location.in_file(path),
            hint="give the dump file, or the folder EXPORT DATABASE wrote",
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD).decode("utf-8", "replace")
    except OSError as exc:
        raise ManifestError(
            f"cannot read {path}: {exc.strerror}", location=Location.in_file(path)
        ) from None
    for pattern, dialect in _SIGNATURES:
        if pattern.search(head):
            return [DumpFile(path, dialect, _holds_data(path))]
    raise ManifestError(
        f"{path} does not look like a pg_dump, mariadb-dump, sqlite3 .dump or DuckDB export",
        location=Location.in_file(path, 1),
        hint="plain-format dumps only (pg_dump -Fp, the default); for other SQL files write "
        "the seed.toml by hand: `ddl` for schema files, `[steps.NAME] sql = …` for data",
    )


def _holds_data(path: Path) -> bool:
    """Whether a dump file has a COPY block or an INSERT (read in chunks, lines kept whole)."""
    with path.open("rb") as handle:
        rest = ""
        while chunk := handle.read(1 << 20):
            text = rest + chunk.decode("utf-8", "replace")
            cut = text.rfind("\n") + 1
            if _DATA.search(text, 0, cut or len(text)):
                return True
            rest = text[cut:]
    return bool(_DATA.search(rest))


def write_from_dump(
    folder: str | Path, dumps: list[Path], force: bool = False, name: str | None = None
) -> InitResult:
    """Write `folder/seed.toml` for the dump files `dumps` (left where they are); refuse to
    overwrite an existing seed.toml unless `force`."""
    import tomli_w

    root = Path(folder)
    manifest = root / "seed.toml"
    if manifest.exists() and not force:
        raise ManifestError(
            "refusing to overwrite a file that already exists",
            location=Location.in_file(manifest),
            hint="run `seedkit init --from-dump … --force` to overwrite it",
        )
    files = [f for path in dumps for f in read_dump(path)]
    dialects = {f.dialect for f in files}
    if len(dialects) > 1:
        raise ManifestError(
            "these dumps come from different databases: " + ", ".join(sorted(dialects)),
            hint="make one seed per database",
        )
    dialect = files[0].dialect
    name = name or project_name(root)
    root.mkdir(parents=True, exist_ok=True)
    ddl: list[str] = []
    steps: dict[str, dict[str, Any]] = {}
    previous: str | None = None
    for file in files:
        relative = Path(os.path.relpath(file.path.resolve(), root.resolve())).as_posix()
        if not file.data and not steps:
            ddl.append(relative)
            continue
        step = _step_name(file.path, steps)
        steps[step] = {"sql": relative, **({"depends_on": [previous]} if previous else {})}
        previous = step
    url = _URLS[dialect] % name if "%s" in _URLS[dialect] else _URLS[dialect]
    project: dict[str, Any] = {"name": name, "dialect": dialect}
    if ddl:
        project["ddl"] = ddl
    project["url"] = url
    shown = ", ".join(str(f.path) for f in files)
    text = (
        f"# seed.toml for a {_TOOLS[dialect]} dump: {shown}\n"
        "# The dump runs as written, as its database's own client runs it: schema files are\n"
        "# `ddl`, files holding data are SQL steps. Pass --url (or set SEEDKIT_URL) to the\n"
        "# database to fill; `seedkit check` tries the seed without one.\n"
        + tomli_w.dumps({"project": project})
    )
    if steps:
        text += "\n" + tomli_w.dumps({"steps": steps})
    manifest.write_text(text, encoding="utf-8")
    return InitResult(root=root, files=("seed.toml",))


def _step_name(path: Path, taken: dict[str, Any]) -> str:
    """A step name from the file's name: letters, digits and underscores, not yet taken."""
    base = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "dump"
    if base[0].isdigit():
        base = f"dump_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
