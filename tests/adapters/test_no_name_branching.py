"""No module outside `seedkit/adapters/` branches on the name of the database it talks to.

What seedkit knows of each database lives in its adapter (seedkit.adapters.base.Adapter
and one subclass per database): code elsewhere asks the adapter, through a flag
(`SUPPORTS_TRANSACTIONAL_DDL`, `DEFERS_KEYS`, …) or a method (`reflect_schema`,
`existing_tables`, `batcher`, …), never "is this MySQL?".

The check reads every module's syntax tree and flags a comparison (`==`, `!=`, `in`,
`not in`, `match`/`startswith`) or an `isinstance` test that asks which *target* it is:

- SQLAlchemy's view of the connection: `<x>.dialect.name`, `<x>.dialect.driver`,
  `<x>.dialect.is_mariadb` (also through `getattr`), `url.get_backend_name()`,
  `url.get_driver_name()`, `url.drivername`;
- an adapter's own name: `target.name`, `adapter.name` (any `….target.name`);
- an adapter class: `isinstance(x, PostgresAdapter)` and the like;

compared with a database or driver name ("sqlite", "postgresql", "mysql", "mariadb",
"duckdb", "psycopg", "pymysql", …).

The manifest's *source* dialect is a different thing and is not flagged: a plain string
(`[project] dialect`, `plan.source_dialect`, the SQL splitter's and the dry-run policy's
`dialect`, a dump's kind) that names the language a file is written in, in sqlglot's
spelling. Comparing it with "mysql" reads how that file quotes strings or which client
commands it may hold; it says nothing about the database the seed goes to (a MySQL
dump can be applied to SQLite). So only the expressions above, which can only come from
a live connection or an adapter, count as asking which database it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "seedkit"

#: Database and driver names a branch on the target would compare with.
NAMES = {
    "sqlite",
    "pysqlite",
    "postgresql",
    "postgres",
    "psycopg",
    "psycopg2",
    "mysql",
    "mariadb",
    "pymysql",
    "mysqldb",
    "duckdb",
    "duckdb_engine",
}
ADAPTER_CLASSES = {"PostgresAdapter", "MysqlAdapter", "SqliteAdapter", "DuckdbAdapter"}


def _chain(node: ast.AST) -> list[str]:
    """`a.b.c` as ["a", "b", "c"]; calls keep their function's chain plus "()"."""
    if isinstance(node, ast.Attribute):
        return [*_chain(node.value), node.attr]
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return [*_chain(node.args[0]), name.value]
        return [*_chain(node.func), "()"]
    return ["?"]


def _asks_target(node: ast.AST) -> bool:
    """Whether `node` is an expression that says which database a connection talks to."""
    chain = _chain(node)
    if len(chain) >= 2 and chain[-2] == "dialect" and chain[-1] in ("name", "driver"):
        return True
    if chain and chain[-1] == "is_mariadb":
        return True
    if chain[-2:] in (["get_backend_name", "()"], ["get_driver_name", "()"]):
        return True
    if chain and chain[-1] == "drivername":
        return True
    return len(chain) >= 2 and chain[-1] == "name" and chain[-2] in ("target", "_target", "adapter")


def _names(node: ast.AST) -> set[str]:
    """The string constants `node` is or holds (a tuple, list or set of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value.lower()}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_names(e) for e in node.elts)) if node.elts else set()
    return set()


def violations(source: str, filename: str = "<snippet>") -> list[str]:
    """Each place in `source` that branches on the target database's name, as
    `file:line: text`."""
    tree = ast.parse(source, filename)
    found: list[str] = []

    def flag(node: ast.AST) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {ast.unparse(node)}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Call)) and _chain(node)[-1:] == ["is_mariadb"]:
            flag(node)  # SQLAlchemy's "is this MariaDB?"
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if (
                any(_asks_target(s) for s in sides)
                and any(_names(s) & NAMES for s in sides)
                or any(_asks_target(s) for s in sides)
                and any(isinstance(s, ast.Attribute) and s.attr.isupper() for s in sides)
            ):
                flag(node)
        elif isinstance(node, ast.Call):
            chain = _chain(node.func)
            if chain[-1:] == ["isinstance"] and len(node.args) == 2:
                classes = {c for c in _chain_names(node.args[1])}
                if classes & ADAPTER_CLASSES:
                    flag(node)
            elif chain[-1:] in (["startswith"], ["endswith"]) and _asks_target(
                node.func.value if isinstance(node.func, ast.Attribute) else node
            ):
                flag(node)
        elif isinstance(node, ast.Subscript) and _asks_target(node.slice):
            flag(node)  # a table keyed by the database's name
    return sorted(set(found), key=lambda f: int(f.split(":")[1]))


def _chain_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Tuple):
        return [n for e in node.elts for n in _chain_names(e)]
    return _chain(node)[-1:]


def test_no_module_outside_adapters_branches_on_the_database_name() -> None:
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if PACKAGE / "adapters" in path.parents:
            continue
        rel = path.relative_to(PACKAGE.parent).as_posix()
        found += violations(path.read_text(encoding="utf-8"), rel)
    assert found == []


def test_the_check_finds_a_planted_branch() -> None:
    planted = """
def f(target, conn, engine, url, plan):
    if target.name == "mysql":
        pass
    if conn.dialect.name in ("sqlite", "duckdb"):
        pass
    if engine.dialect.driver != "pymysql":
        pass
    if getattr(conn.dialect, "is_mariadb", False):
        pass
    if url.get_backend_name() not in ("sqlite", "duckdb"):
        pass
    if isinstance(target, PostgresAdapter):
        pass
    quirks = {"duckdb": 1}[self.target.name]
    # the source dialect is the language a file is written in: allowed
    if plan.source_dialect == "mysql" or state.dialect in ("postgres", None):
        pass
"""
    found = violations(planted)
    assert [line.split(":")[1] for line in found] == ["3", "5", "7", "9", "11", "13", "15"]
    assert violations('if project.dialect == "mysql": pass\n') == []
    assert violations('if getattr(conn.dialect, "is_mariadb", False) == True: pass\n') != []
