"""A small generic DAG: edges marked declared or inferred, levels, named cycles, groups,
selection.

A cycle made only of inferred edges (foreign keys) is not an error: its steps form a
*group* (a strongly connected component), loaded together with its keys enforced after
the group's data (DESIGN §3). A cycle holding a declared `depends_on` stays an error
naming its whole path.
"""

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

    def __init__(self, path: list[str], location: Location | None = None, hint: str | None = None):
        super().__init__(
            "dependency cycle: " + " -> ".join(path),
            location=location,
            hint=hint
            or "remove one of these dependencies (a `depends_on`, or a foreign key with "
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

    def groups(self) -> list[list[str]]:
        """The cycles made only of inferred edges, each as its sorted nodes (a strongly
        connected component of two or more nodes), sorted. Raises CycleError, naming the
        path, for a cycle that holds a declared edge."""
        found: list[list[str]] = []
        for component in _components(self._deps):
            if len(component) < 2:
                continue
            inside = set(component)
            for node in sorted(component):
                for dep, kind in sorted(self._deps[node].items()):
                    if dep in inside and kind == "declared":
                        path = [node, *self._path(dep, node, inside)]
                        raise CycleError(
                            path,
                            hint=f"this cycle holds a declared dependency (`{node}` depends_on "
                            f"`{dep}`); a cycle loads only when all its edges come from foreign "
                            "keys (as one group, its keys checked after its data): remove "
                            f"`{dep}` from the `depends_on` of `{node}`",
                        )
            found.append(sorted(component))
        return sorted(found)

    def _path(self, start: str, end: str, within: set[str]) -> list[str]:
        """A shortest path of edges from `start` to `end` staying in `within`."""
        previous: dict[str, str | None] = {start: None}
        todo = [start]
        while todo and end not in previous:
            nxt: list[str] = []
            for current in todo:
                for dep in sorted(self._deps[current]):
                    if dep in within and dep not in previous:
                        previous[dep] = current
                        nxt.append(dep)
            todo = nxt
        path: list[str] = []
        step: str | None = end
        while step is not None:
            path.append(step)
            step = previous[step]
        return path[::-1]

    def levels(self) -> list[list[str]]:
        """Nodes in levels: each depends only on earlier levels, a group's nodes side by
        side in one level. Raises CycleError for a cycle holding a declared edge."""
        group_of: dict[str, tuple[str, ...]] = {}
        for group in self.groups():
            for node in group:
                group_of[node] = tuple(group)
        done: set[str] = set()
        levels: list[list[str]] = []
        remaining = sorted(self._deps)
        while remaining:
            level = [
                n
                for n in remaining
                if all(
                    d in done
                    for m in group_of.get(n, (n,))
                    for d in self._deps[m]
                    if d not in group_of.get(n, (n,))
                )
            ]
            level.sort(key=lambda n: (group_of.get(n, (n,))[0], n))
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


def _components(deps: dict[str, dict[str, str]]) -> list[list[str]]:
    """The strongly connected components of the graph (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(deps):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(deps[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(deps[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found
