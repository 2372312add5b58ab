"""The walker that explains a plan: plain data the console draws or prints as JSON.

It walks the stages an apply of the plan would take on a new target
(seedkit.plan.stages): the DDL files it runs, each level's steps, and the foreign keys
that wait for the data.
"""

from __future__ import annotations

from typing import Any

from seedkit.plan.stages import Capabilities, KeysAfterData, RunDdl, RunStep, resolve
from seedkit.plan.steps import Plan
from seedkit.transpile import needs_transpile


def explain(
    plan: Plan, target_url: str | None = None, target_dialect: Any = None, transpile: bool = True
) -> dict[str, Any]:
    """The plan as a JSON-ready dict: project, target, DDL, levels with their steps and edges."""
    project = plan.manifest.model.project
    capabilities = (
        Capabilities.of(target_dialect, defer_indexes=False)
        if target_dialect is not None
        else Capabilities(defer_indexes=False)
    )
    stages = resolve(plan, None, capabilities)
    data: dict[str, Any] = {
        "project": project.name,
        "manifest": str(plan.manifest.path),
        "environment": plan.manifest.env,
        "dialect": project.dialect,
        "ddl": [
            {"file": s.ddl.shown, "fingerprint": s.ddl.fingerprint}
            for s in stages
            if isinstance(s, RunDdl) and s.ddl is not None
        ],
        "levels": [],
        "edges": [{"step": e.step, "depends_on": e.on, "kind": e.kind} for e in plan.edges],
    }
    if target_url is not None:
        data["target"] = {
            "url": target_url,
            "dialect": target_dialect.name if target_dialect else None,
            "atomic": "apply" if target_dialect.SUPPORTS_TRANSACTIONAL_DDL else "step",
            "transpile": bool(
                transpile and needs_transpile(project.dialect, target_dialect.sqlglot_name)
            )
            and f"{project.dialect} -> {target_dialect.sqlglot_name}",
            # How foreign keys wait for the data on this target ("" when they cannot).
            "keys_after": getattr(target_dialect, "DEFERS_KEYS", ""),
        }
        if transpile and target_dialect is not None:
            from seedkit.portable import preview

            data["target"]["portable"] = preview(plan, target_dialect.sqlglot_name)
    late = [k for s in stages if isinstance(s, KeysAfterData) for k in s.keys]
    data["groups"] = [
        {
            "steps": [n for n in group if n in plan.selected],
            "keys_after": [k.describe() for k in late if set(k.steps) & set(group)],
        }
        for group in plan.groups
        if any(n in plan.selected for n in group)
    ]
    data["keys_after_data"] = [k.describe() for k in late]
    levels: dict[int, list[dict[str, Any]]] = {}
    for stage in stages:
        if isinstance(stage, RunStep):
            levels.setdefault(stage.level, []).append(_step(stage.load))
    data["levels"] = [{"level": n, "steps": steps} for n, steps in sorted(levels.items())]
    return data


def _step(step: Any) -> dict[str, Any]:
    return {
        "name": step.name,
        "table": step.table_name,
        "kind": step.source.kind,
        "source": step.source.describe(),
        "mode": step.mode.value if step.mode else None,
        "key": list(step.key),
        "rows": None if step.is_sql else step.source.count_rows(),
        "fingerprint": step.fingerprint(),
        "depends_on": [{"step": e.on, "kind": e.kind} for e in step.edges],
        "writes": list(step.writes),
        "unread": [{"file": u.file, "line": u.line, "reason": u.reason} for u in step.unread],
    }
