"""Which steps run: `--select` and `--exclude`, dbt's way.

A selector is a step's name or `tag:NAME` (every step carrying that tag in its
`tags`), either with graph operators: `+x` adds what x needs (ancestors), `x+` what
needs x (descendants). `--select` picks the union of its selectors (all steps when
none is given); `--exclude` then takes away the union of its own. A selector that
matches nothing is an error naming what is there, so a typo never runs everything
or nothing silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from seedkit.errors import GraphError
from seedkit.graph import DAG

TAG_PREFIX = "tag:"


def select_steps(
    dag: DAG,
    tags: Mapping[str, Iterable[str]],
    select: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> set[str]:
    """The steps `select` picks (all when empty), less those `exclude` picks."""
    select = [s for s in (select or ()) if s.strip()]
    chosen = _union(dag, tags, select, "--select") if select else set(dag.nodes)
    exclude = [s for s in (exclude or ()) if s.strip()]
    if exclude:
        chosen -= _union(dag, tags, exclude, "--exclude")
    return chosen


def _union(
    dag: DAG, tags: Mapping[str, Iterable[str]], selectors: list[str], option: str
) -> set[str]:
    picked: set[str] = set()
    for selector in selectors:
        picked |= _one(dag, tags, selector.strip(), option)
    return picked


def _one(dag: DAG, tags: Mapping[str, Iterable[str]], selector: str, option: str) -> set[str]:
    up, down = selector.startswith("+"), selector.endswith("+")
    core = selector.strip("+")
    if core.startswith(TAG_PREFIX):
        tag = core[len(TAG_PREFIX) :]
        base = {step for step, labels in tags.items() if tag in labels}
        if not base:
            known = sorted({t for labels in tags.values() for t in labels})
            close = difflib.get_close_matches(tag, known, n=1)
            raise GraphError(
                f"{option} `{selector}`: no step has the tag `{tag}`",
                hint=f"did you mean `tag:{close[0]}`?"
                if close
                else ("tags in this manifest: " + ", ".join(known) if known else "no step has tags")
                + ' (a step\'s `tags = ["…"]`)',
            )
    else:
        if core not in dag.nodes:
            close = difflib.get_close_matches(core, dag.nodes, n=1)
            raise GraphError(
                f"{option} names an unknown step `{core}`",
                hint=f"did you mean `{close[0]}`?"
                if close
                else "known steps: " + ", ".join(sorted(dag.nodes)),
            )
        base = {core}
    picked = set(base)
    for step in base:
        if up:
            picked |= dag.ancestors(step)
        if down:
            picked |= dag.descendants(step)
    return picked
