"""`seedkit init`: a starter project that applies as written.

The manifest is produced by tomli-w (so it is always valid TOML that the loader
accepts) with comments placed between its sections. The data folder holds a DDL
file, one CSV step and one SQL step, linked by a foreign key so that the graph has
an inferred edge to show. Beside seed.toml goes `seed.schema.json` (what `seedkit
schema` prints), and seed.toml's first line `#:schema ./seed.schema.json` tells editors
using taplo (Even Better TOML in VS Code, taplo's language server elsewhere) to
complete and check the manifest with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedkit.errors import Location, ManifestError

SCHEMA_SQL = """\
-- The tables this seed fills. seedkit runs this file first, once per database.
-- Written for PostgreSQL (see `dialect` in seed.toml); seedkit transpiles it with
-- sqlglot for SQLite, MySQL/MariaDB and DuckDB targets.

CREATE TABLE colors (
    color_id INTEGER PRIMARY KEY,
    name     VARCHAR(40) NOT NULL UNIQUE,
    hex      VARCHAR(7)  NOT NULL
);

-- shades reference colors: seedkit infers that the `shades` step runs after `colors`.
CREATE TABLE shades (
    shade_id INTEGER PRIMARY KEY,
    color_id INTEGER     NOT NULL REFERENCES colors (color_id),
    name     VARCHAR(40) NOT NULL,
    note     TEXT
);
"""

COLORS_CSV = """\
color_id,name,hex
1,red,#ff0000
2,green,#00ff00
3,blue,#0000ff
"""

SHADES_SQL = """\
-- A SQL step: statements run as written (transpiled when the target's dialect differs).
-- An empty unquoted CSV field would be NULL; here NULL is written out.
INSERT INTO shades (shade_id, color_id, name, note) VALUES
    (1, 1, 'crimson', 'deep red'),
    (2, 2, 'mint', NULL),
    (3, 3, 'navy', '');
"""

#: The JSON Schema file init writes beside seed.toml, and the directive that names it.
SCHEMA_FILE = "seed.schema.json"
SCHEMA_DIRECTIVE = f"#:schema ./{SCHEMA_FILE}"

#: Files written by `init`, relative to the project folder (seed.toml is added first).
DATA_FILES: dict[str, str] = {
    "data/schema.sql": SCHEMA_SQL,
    "data/colors.csv": COLORS_CSV,
    "data/shades.sql": SHADES_SQL,
}


@dataclass(frozen=True)
class InitResult:
    """What `init` wrote: the project folder and each file, relative to it."""

    root: Path
    files: tuple[str, ...]


def project_name(folder: Path) -> str:
    """A project name from the folder's name: lower case letters, digits and underscores."""
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    return name or "seed"


def _section(comment: str, data: dict[str, Any]) -> str:
    import tomli_w

    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    return "\n".join(lines) + "\n" + tomli_w.dumps(data)


def manifest_text(name: str) -> str:
    """The commented starter seed.toml for a project called `name`."""
    parts = [
        "seed.toml: what seedkit loads, and from where.\n"
        "Every key is described in seedkit's docs/manifest.md. Paths are relative to this file.\n\n"
        "[project] names the seed, says which dialect the .sql files are written in,\n"
        "lists the DDL run first, and the default target. --url and SEEDKIT_URL win over url.",
        "[defaults] apply to every step unless the step says otherwise.\n"
        "mode: insert (a duplicate is an error), upsert, replace or mirror.\n"
        'csv: an unquoted field equal to one of `null` is NULL; a quoted "" is an empty string.',
        "Each [steps.NAME] fills one table (named NAME unless `table` says otherwise)\n"
        "from exactly one source: csv, sql, rows, or source = { kind = ... }.",
        "No depends_on needed: the foreign key in data/schema.sql orders shades after colors.",
    ]
    sections: list[dict[str, Any]] = [
        {
            "project": {
                "name": name,
                "dialect": "postgres",
                "ddl": ["data/schema.sql"],
                # Not ${DATABASE_URL:-…}: that variable often names an application's own
                # database, which a starter must never seed by surprise.
                "url": f"sqlite:///{name}.db",
            }
        },
        {"defaults": {"mode": "insert", "csv": {"delimiter": ",", "null": [""]}}},
        {"steps": {"colors": {"csv": "data/colors.csv"}}},
        {"steps": {"shades": {"sql": "data/shades.sql"}}},
    ]
    body = "\n".join(_section(c, s) for c, s in zip(parts, sections, strict=True))
    return f"{SCHEMA_DIRECTIVE}\n{body}"


def schema_text() -> str:
    """The JSON Schema of seed.toml as `seedkit schema` prints it (plugin kinds included)."""
    import json

    from seedkit.manifest.json_schema import manifest_json_schema
    from seedkit.plugins import get_host

    schema = manifest_json_schema(get_host().kinds())
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_starter(folder: str | Path, force: bool = False, name: str | None = None) -> InitResult:
    """Write seed.toml and data/ into `folder` (created if missing).

    Refuses, before writing anything, when one of the files exists and `force` is
    false: a ManifestError naming the file.
    """
    root = Path(folder)
    name = name or project_name(root)
    files = {"seed.toml": manifest_text(name), SCHEMA_FILE: schema_text(), **DATA_FILES}
    if not force:
        for relative in files:
            if (root / relative).exists():
                raise ManifestError(
                    "refusing to overwrite a file that already exists",
                    location=Location.in_file(root / relative),
                    hint="run `seedkit init --force` to overwrite the starter files",
                )
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return InitResult(root=root, files=tuple(files))
