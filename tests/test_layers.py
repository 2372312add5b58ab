"""Import layers and cycles, checked on every test run (issue 12).

The layers are import-linter contracts in pyproject.toml (`[tool.importlinter]`). From
the top: the command line (`cli`, the pytest plugin) → what they print (`console`,
`report`) → `api` → the features built on a plan (`dryrun`, `snapshot`, …) → `plan` →
`history` → `adapters` → `plugins` → `sources` → `types` → `schema` → the core
(`manifest`, `graph`, `sqltext`, `transpile`, …, `errors` last). A module imports only
from its own package and the layers below it; the siblings of a layer split by `|`
import nothing of each other.

What counts:
- An import inside a function counts for the layers like one at the top of a module:
  it runs as surely, only later.
- An import under `if TYPE_CHECKING:` counts for nothing: it never runs.
- Cycles: among seedkit's top-level packages and modules every import counts (the
  contract of type `acyclic_siblings`; the layers already forbid most). Inside a package, a cycle of module-level
  imports fails (`test_no_module_level_cycle_inside_a_package`, from the AST: import-linter
  cannot tell a function's import from a module's), as it makes the order in which the
  modules are first imported matter. A function-level import inside a package may
  point back: it runs once every module of the package has loaded.

And no module imports a private name (`_x`) or private module (`seedkit.schema._ddl_parse`)
of another top-level package: what a package offers the others has a public name.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from example import ROOT

PACKAGE = ROOT / "seedkit"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with the project's contracts, on the `seedkit` package under `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", _LINT, str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
    )


_LINT = """
import sys
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))
"""


def _copy(tmp_path: Path) -> Path:
    """A copy of the package to plant a bad import in."""
    root = tmp_path / "tree"
    shutil.copytree(PACKAGE, root / "seedkit", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _plant(root: Path, module: str, code: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = root / module.replace(".", "/") / "__init__.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code + "\n", encoding="utf-8")


def test_imports_follow_the_layers_with_no_cycle_between_packages() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _plant(
        root,
        "seedkit.plan.steps",
        "def _shown() -> object:\n    from seedkit import api\n\n    return api",
    )
    result = _lint(root)
    assert result.returncode == 1, result.stdout
    assert "seedkit.plan.steps -> seedkit.api" in result.stdout, result.stdout


def test_an_import_for_annotations_only_counts_for_nothing(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _plant(root, "seedkit.plan.steps", "if TYPE_CHECKING:\n    from seedkit import api")
    result = _lint(root)
    assert result.returncode == 0, result.stdout


def test_a_cycle_between_packages_is_found(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    # sqltext already imports errors; errors importing sqltext closes a cycle in the core
    _plant(
        root,
        "seedkit.errors",
        "def _split() -> object:\n    from seedkit.sqltext import split\n\n    return split",
    )
    result = _lint(root)
    assert result.returncode == 1, result.stdout
    assert "seedkit.errors -> seedkit.sqltext" in result.stdout, result.stdout
    # both contracts see it: the layers (errors is the lowest) and the cycle
    assert "no cycle between seedkit's packages and top-level modules BROKEN" in result.stdout
    assert ".errors -> .sqltext" in result.stdout


def _module_imports(path: Path, name: str, is_package: bool) -> Iterator[str]:
    """The seedkit modules `path` imports when it is itself imported: its top level and its
    classes' bodies, not its functions, not under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = name if is_package else name.rpartition(".")[0]

    def walk(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.Import):
                yield from (a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    parts = base.split(".")
                    up = parts[: len(parts) - node.level + 1]
                    module = ".".join([*up, module] if module else up)
                yield module
                yield from (f"{module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if test not in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody):
                    yield from walk(block)
                for handler in node.handlers:
                    yield from walk(handler.body)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                yield from walk(node.body)

    yield from walk(tree.body)


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted((root / "seedkit").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def module_level_cycles(root: Path) -> list[list[str]]:
    """Every cycle of module-level imports among the modules of one package (each cycle
    as the sorted names of the package's children it runs through)."""
    modules = _modules(root)
    edges: dict[str, set[str]] = defaultdict(set)
    for name, (path, is_package) in modules.items():
        for target in _module_imports(path, name, is_package):
            if target in modules and target != name:
                edges[name].add(target)
    cycles = []
    for package in sorted(n for n, (_, is_package) in modules.items() if is_package):
        children = {n for n in modules if n.rpartition(".")[0] == package}

        def child(module: str, children: set[str] = children, package: str = package) -> str | None:
            if not module.startswith(package + "."):
                return None
            head = package + "." + module[len(package) + 1 :].split(".")[0]
            return head if head in children else None

        graph: dict[str, set[str]] = defaultdict(set)
        for source, targets in edges.items():
            a = child(source)
            for target in targets:
                b = child(target)
                if a and b and a != b:
                    graph[a].add(b)
        cycles += [sorted(c) for c in _components(graph) if len(c) > 1]
    return cycles


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_level_cycle_inside_a_package() -> None:
    assert module_level_cycles(ROOT) == []


def test_a_module_level_cycle_inside_a_package_is_found(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    # the executor imports seedkit.plan.steps at its top; steps importing it back is a cycle
    _plant(root, "seedkit.plan.steps", "import seedkit.plan.executor  # noqa: E402")
    assert module_level_cycles(root) == [["seedkit.plan.executor", "seedkit.plan.steps"]]
    # the same import inside a function is allowed inside a package
    root = _copy(tmp_path / "again")
    _plant(root, "seedkit.plan.steps", "def _later() -> None:\n    import seedkit.plan.executor")
    assert module_level_cycles(root) == []


def private_imports_across_packages(root: Path) -> list[str]:
    """`importer: name` for each private name or module a module of one top-level package
    imports from another (anywhere in the module, functions included)."""
    found = []
    for name, (path, _) in _modules(root).items():
        own = ".".join(name.split(".")[:2])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for imported in names:
                parts = imported.split(".")
                if parts[0] != "seedkit" or ".".join(parts[:2]) == own:
                    continue
                if any(p.startswith("_") and not p.startswith("__") for p in parts):
                    found.append(f"{name}: {imported}")
    return sorted(found)


def test_no_private_name_is_imported_across_packages() -> None:
    assert private_imports_across_packages(ROOT) == []


def test_a_private_name_imported_across_packages_is_found(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _plant(root, "seedkit.cli.shared", "def _later() -> None:\n    from seedkit.api import _x")
    assert private_imports_across_packages(root) == ["seedkit.cli.shared: seedkit.api._x"]


def test_no_module_over_500_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 500} == {}
