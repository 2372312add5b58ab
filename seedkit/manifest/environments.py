"""Environments: `[environments.NAME]` tables of seed.toml, picked by `--env NAME` or
SEEDKIT_ENV, that change the manifest before anything else reads it.

An environment may set the target `url`, give steps another `mode` (`modes = { step =
"mirror" }`), add steps (`steps.NAME = {…}`; a step named like one of the manifest's
replaces it) and `exclude` steps. The result is an ordinary ManifestModel, so the
plan, the apply, the dry run and history see one manifest; `moved_keys` says where in
the file each changed key is written, so errors point at the environment's lines.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

from seedkit.errors import Location, ManifestError
from seedkit.manifest.models import ManifestModel

#: The variable that picks an environment when --env is not given.
ENV_VARIABLE = "SEEDKIT_ENV"

Key = tuple[str, ...]


def chosen_environment(explicit: str | None) -> tuple[str | None, str]:
    """The environment's name and what named it (`--env` or SEEDKIT_ENV); None for none."""
    if explicit:
        return explicit, "--env"
    from_env = os.environ.get(ENV_VARIABLE)
    if from_env:
        return from_env, ENV_VARIABLE
    return None, ""


def _did_you_mean(name: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if known:
        return f"{what}: " + ", ".join(f"`{k}`" for k in sorted(known))
    return ""


def apply_environment(
    model: ManifestModel,
    name: str,
    named_by: str,
    path: Path,
    where: Callable[..., Location],
) -> tuple[ManifestModel, dict[Key, Key]]:
    """The manifest as environment `name` sees it, and the keys it moved: a manifest key
    (`steps.demo`, `project.url`, `steps.x.mode`) -> where the environment writes it."""
    env = model.environments.get(name)
    if env is None:
        known = list(model.environments)
        hint = _did_you_mean(name, known, "environments in this manifest")
        raise ManifestError(
            f"{named_by} names an unknown environment `{name}`",
            location=Location.in_file(path, key="environments"),
            hint=hint or "add an [environments.NAME] table to seed.toml, or drop " + named_by,
        )
    base = ("environments", name)
    moved: dict[Key, Key] = {}
    steps = dict(model.steps)
    for step in env.exclude:
        if step not in steps:
            raise ManifestError(
                f"environment `{name}` excludes `{step}`, which is not a step",
                location=where(*base, "exclude"),
                hint=_did_you_mean(step, list(steps), "steps") or None,
            )
        del steps[step]
    for step, step_model in env.steps.items():
        steps[step] = step_model
        moved[("steps", step)] = (*base, "steps", step)
    for step, mode in env.modes.items():
        if step not in steps:
            raise ManifestError(
                f"environment `{name}` sets the mode of `{step}`, which is not a step here",
                location=where(*base, "modes", step),
                hint=_did_you_mean(step, list(steps), "steps") or None,
            )
        if steps[step].sql is not None:
            raise ManifestError(
                f"environment `{name}` sets the mode of `{step}`, a SQL step that runs as written",
                location=where(*base, "modes", step),
                hint="modes apply to row sources (csv, rows, source); remove it",
            )
        steps[step] = steps[step].model_copy(update={"mode": mode})
        moved[("steps", step, "mode")] = (*base, "modes", step)
    for step, step_model in steps.items():
        for dep in step_model.depends_on:
            if dep in env.exclude and dep not in steps:
                raise ManifestError(
                    f"step `{step}` depends on `{dep}`, which environment `{name}` excludes",
                    location=where("steps", step, "depends_on"),
                    hint=f"exclude `{step}` too, or remove `{dep}` from its depends_on",
                )
    project = model.project
    if env.url is not None:
        project = project.model_copy(update={"url": env.url})
        moved[("project", "url")] = (*base, "url")
    chosen = model.model_copy(update={"steps": steps, "project": project})
    return chosen, moved
