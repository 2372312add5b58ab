"""The walker that explains a plan: plain data the console draws or prints as JSON."""

from __future__ import annotations

from typing import Any

from seedkit.plan.steps import Plan
from seedkit.transpile import needs_transpile


def explain(
    plan: Plan, target_url: str | None = None, target_dialect: Any = None, transpile: bool = True
) -> dict[str, Any]:
    """The plan as a JSON-ready dict: project, target, DDL, levels with their steps and edges."""
    project = plan.manifest.model.project
    data: dict[str, Any] = {
        "project": project.name,
        "manifest": str(plan.manifest.path),
        "environment": plan.manifest.env,
        "dialect": project.dialect,
        "ddl": [{"file": d.shown, "fingerprint": d.fingerprint} for d in plan.ddl],
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
    from seedkit.plan.latekeys import late_keys

    late = late_keys(plan)
    data["groups"] = [
        {
            "steps": [n for n in group if n in plan.selected],
            "keys_after": [k.describe() for k in late if set(k.steps) & set(group)],
        }
        for group in plan.groups
        if any(n in plan.selected for n in group)
    ]
    data["keys_after_data"] = [k.describe() for k in late]
    for number, level in enumerate(plan.selected_levels(), start=1):
        steps = []
        for name in level:
            step = plan.steps[name]
            steps.append(
                {
                    "name": name,
                    "table": step.table_name,
                    "kind": step.source.kind,
                    "source": step.source.describe(),
                    "mode": step.mode.value if step.mode else None,
                    "key": list(step.key),
                    "rows": None if step.is_sql else step.source.count_rows(),
                    "fingerprint": step.fingerprint(),
                    "depends_on": [{"step": e.on, "kind": e.kind} for e in step.edges],
                    "writes": list(step.writes),
                    "unread": [
                        {"file": u.file, "line": u.line, "reason": u.reason} for u in step.unread
                    ],
                }
            )
        data["levels"].append({"level": number, "steps": steps})
    return data
