"""The step graph as Mermaid or Graphviz dot text, for `seedkit graph` and the README.

Steps are nodes, grouped by level (a Mermaid subgraph, a dot cluster of equal rank),
so the order an apply takes is visible. Edges point from a step to the step that
needs it, the order rows are loaded in: a declared `depends_on` is a solid arrow, an
edge inferred from a foreign key is dashed and labelled `fk`, and one inferred from the
tables a SQL step reads is dashed and labelled `reads`. Only selected steps and
the edges between them are drawn. A step in a group (a cycle of foreign keys, loaded
together) says so in its label, and a comment line names the keys checked after the
group's data. The output is deterministic (sorted), so it can be
committed and compared.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seedkit.plan.steps import LoadStep, Plan

FORMATS = ("mermaid", "dot")
_MERMAID_WORDS = {"end", "graph", "subgraph", "flowchart", "style", "class", "click", "default"}


def render(plan: Plan, format: str = "mermaid") -> str:
    """The selected part of `plan`'s graph in `format` (`mermaid` or `dot`)."""
    if format == "mermaid":
        return to_mermaid(plan)
    if format == "dot":
        return to_dot(plan)
    raise ValueError(f"unknown graph format {format!r}; use one of {', '.join(FORMATS)}")


def _levels(plan: Plan) -> list[tuple[int, list[str]]]:
    """(level number in the whole graph, from 1 as in `plan`; its selected steps), empty levels left out."""
    levels = [
        (i, [n for n in level if n in plan.selected])
        for i, level in enumerate(plan.levels, start=1)
    ]
    return [(i, names) for i, names in levels if names]


def _edges(plan: Plan) -> list[tuple[str, str, str]]:
    """(needed step, dependent step, kind) for edges between selected steps, sorted."""
    return sorted(
        (e.on, e.step, e.kind)
        for e in plan.edges
        if e.step in plan.selected and e.on in plan.selected
    )


def _label(plan: Plan, step: LoadStep) -> str:
    detail = step.source.kind
    if step.mode is not None:
        detail += f", {step.mode.value}"
    label = f"{step.name}\n{detail} → {step.table_name}"
    for number, group in enumerate(plan.groups, start=1):
        if step.name in group:
            label += f"\ngroup {number}"
    return label


def _notes(plan: Plan) -> list[str]:
    """One line per group and per key checked after the data, for a comment."""
    from seedkit.plan.latekeys import late_keys

    notes = [
        f"group {number}: {', '.join(group)} loaded together"
        for number, group in enumerate(plan.groups, start=1)
    ]
    return notes + [f"foreign key checked after the data: {k.describe()}" for k in late_keys(plan)]


def _edge_label(kind: str) -> str:
    """How an inferred edge is labelled: `fk` (a foreign key) or `reads` (a SQL step)."""
    return "reads" if kind == "reads" else "fk"


def _mermaid_id(name: str, taken: dict[str, str]) -> str:
    if name in taken:
        return taken[name]
    base = re.sub(r"\W", "_", name, flags=re.ASCII) or "step"
    if base.lower() in _MERMAID_WORDS:
        base += "_step"
    candidate, n = base, 1
    while candidate in taken.values():
        n += 1
        candidate = f"{base}_{n}"
    taken[name] = candidate
    return candidate


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(plan: Plan) -> str:
    """A Mermaid flowchart: one subgraph per level; declared `-->`, inferred `-. fk .->`
    or `-. reads .->`."""
    ids: dict[str, str] = {}
    lines = ["flowchart LR"] + [f"    %% {note}" for note in _notes(plan)]
    for index, level in _levels(plan):
        lines.append(f'    subgraph level_{index}["level {index}"]')
        lines.append("        direction TB")
        for name in level:
            node = _mermaid_id(name, ids)
            lines.append(f'        {node}["{_mermaid_text(_label(plan, plan.steps[name]))}"]')
        lines.append("    end")
    for on, step, kind in _edges(plan):
        arrow = "-->" if kind == "declared" else f"-. {_edge_label(kind)} .->"
        lines.append(f"    {_mermaid_id(on, ids)} {arrow} {_mermaid_id(step, ids)}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(plan: Plan) -> str:
    """A Graphviz digraph: one ranked cluster per level; inferred edges dashed, labelled fk."""
    lines = [
        f"digraph {_dot_text(plan.manifest.name)} {{",
        "    rankdir=LR;",
        "    node [shape=box];",
    ] + [f"    // {note}" for note in _notes(plan)]
    for index, level in _levels(plan):
        lines.append(f"    subgraph cluster_level_{index} {{")
        lines.append(f'        label="level {index}";')
        lines.append("        rank=same;")
        for name in level:
            lines.append(
                f"        {_dot_text(name)} [label={_dot_text(_label(plan, plan.steps[name]))}];"
            )
        lines.append("    }")
    for on, step, kind in _edges(plan):
        style = "" if kind == "declared" else f' [style=dashed, label="{_edge_label(kind)}"]'
        lines.append(f"    {_dot_text(on)} -> {_dot_text(step)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
