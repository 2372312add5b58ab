"""A small generic DAG: edges marked declared or inferred, levels, named cycles, selection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from seedkit.errors import GraphError, Location


@dataclass(frozen=True)
class Edge:
    """`step` depends on `on`; `kind` is "declared" (depends_on), "inferred" (a foreign key)
    or "reads" (a SQL step's statements read a table `on` loads)."""

    step: str
    on: str
    kind: str


class CycleError(GraphError):
    """The steps depend on each other in a circle; the message names the whole path."""

    def __init__(self, path: list[str], location: Location | None = None):
        super().__init__(
            "dependency cycle: " + " -> ".join(path),
            location=location,
            hint="remove one of these dependencies (a `depends_on`, or a foreign key with "
            "`infer_dependencies = false`)",
        )
        self.path = path


class DAG:
    """Nodes kept in insertion order, with each node's dependencies and how they were found."""

    def __init__(self, nodes: Iterable[str] = ()) -> None:
        self._deps: dict[str, dict[str, str]] = {}
        for node in nodes:
            self.add_node(node)

    def add_node(self, node: str) -> None:
        """Add a node with no dependencies (no-op if present)."""
        self._deps.setdefault(node, {})

    def add_edge(self, node: str, depends_on: str, kind: str = "declared") -> None:
        """Record that `node` depends on `depends_on`; a declared edge wins over an inferred
        one, and otherwise the first reason found is kept."""
        if node == depends_on:
            return  # a self-reference (an employee's manager) is not a cycle between steps
        deps = self._deps[node]
        if depends_on not in deps or kind == "declared":
            deps[depends_on] = kind

    @property
    def nodes(self) -> list[str]:
        """Every node, in insertion order."""
        return list(self._deps)

    def edges(self) -> list[Edge]:
        """Every edge, grouped by dependent node."""
        return [Edge(n, d, k) for n, deps in self._deps.items() for d, k in deps.items()]

    def dependencies(self, node: str) -> list[str]:
        """The nodes `node` depends on directly."""
        return list(self._deps[node])

    def find_cycle(self) -> list[str] | None:
        """A cycle as a path whose first and last node are the same, or None."""
        white, grey, black = 0, 1, 2
        color = dict.fromkeys(self._deps, white)
        for start in sorted(self._deps):
            if color[start] != white:
                continue
            stack: list[tuple[str, list[str]]] = [(start, sorted(self._deps[start]))]
            path = [start]
            color[start] = grey
            while stack:
                node, pending = stack[-1]
                if not pending:
                    color[node] = black
                    stack.pop()
                    path.pop()
                    continue
                nxt = pending.pop(0)
                if color[nxt] == grey:
                    return path[path.index(nxt) :] + [nxt]
                if color[nxt] == white:
                    color[nxt] = grey
                    path.append(nxt)
                    stack.append((nxt, sorted(self._deps[nxt])))
        return None

    def levels(self) -> list[list[str]]:
        """Nodes in levels: each depends only on earlier levels. Raises CycleError."""
        cycle = self.find_cycle()
        if cycle:
            raise CycleError(cycle)
        done: set[str] = set()
        levels: list[list[str]] = []
        remaining = sorted(self._deps)
        while remaining:
            level = [n for n in remaining if all(d in done for d in self._deps[n])]
            levels.append(level)
            done.update(level)
            remaining = [n for n in remaining if n not in done]
        return levels

    def ancestors(self, node: str) -> set[str]:
        """Every node `node` depends on, directly or not."""
        seen: set[str] = set()
        todo = list(self._deps[node])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self._deps[current])
        return seen

    def descendants(self, node: str) -> set[str]:
        """Every node that depends on `node`, directly or not."""
        dependents: dict[str, set[str]] = {n: set() for n in self._deps}
        for n, deps in self._deps.items():
            for d in deps:
                dependents[d].add(n)
        seen: set[str] = set()
        todo = list(dependents[node])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(dependents[current])
        return seen

    def select(self, patterns: Iterable[str]) -> set[str]:
        """Nodes picked dbt-style: `a`, `+a` (with ancestors), `a+` (with descendants)."""
        chosen: set[str] = set()
        for pattern in patterns:
            name = pattern.strip().strip("+")
            if name not in self._deps:
                raise GraphError(
                    f"--select names an unknown step `{name}`",
                    hint="known steps: " + ", ".join(sorted(self._deps)),
                )
            chosen.add(name)
            if pattern.strip().startswith("+"):
                chosen |= self.ancestors(name)
            if pattern.strip().endswith("+"):
                chosen |= self.descendants(name)
        return chosen
