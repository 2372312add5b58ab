"""The Markdown job summary of `check`, `plan` and `apply`.

Written when `GITHUB_STEP_SUMMARY` is set (GitHub Actions shows that file on the run's
page) or `--summary FILE` is given; it is appended to, as GitHub expects, so several
commands of one job add up. A check's summary lists the steps, each problem with a
link to its line, and the fidelity list folded in a `<details>` block. On GitHub
(`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA` set) the links open the
file at the checked commit; elsewhere the place is shown as `file:line:column`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seedkit.dryrun.report import CheckReport, Problem
    from seedkit.errors import SeedkitError
    from seedkit.plan.executor import ApplyResult


def summary_path(option: Path | None) -> Path | None:
    """Where the summary goes: `--summary FILE`, else $GITHUB_STEP_SUMMARY, else nowhere."""
    if option is not None:
        return option
    env = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(env) if env else None


def append_summary(path: Path | None, markdown: str) -> None:
    """Append `markdown` (and a blank line) to the summary file, when there is one."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as out:
        out.write(markdown.rstrip("\n") + "\n\n")


@contextmanager
def summarise_errors(command: str, path: Path | None) -> Iterator[None]:
    """Append an error summary when the block raises a seedkit error, then let it go on."""
    from seedkit.errors import SeedkitError

    try:
        yield
    except SeedkitError as exc:
        append_summary(path, error_summary(command, exc))
        raise


def md(text: object) -> str:
    """Text safe inside Markdown: no HTML, no table breaks, no line breaks."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def place_link(file: str | None, line: int | None, column: int | None) -> str:
    """`file:line:column`, as a link to that line on GitHub when the run is on GitHub."""
    if not file:
        return ""
    shown = file
    if line is not None:
        shown += f":{line}" + (f":{column}" if column is not None else "")
    base = _blob_base()
    relative = _repo_relative(file)
    if base is None or relative is None:
        return f"`{md(shown)}`"
    anchor = f"#L{line}" if line is not None else ""
    return f"[`{md(shown)}`]({base}/{relative}{anchor})"


def _blob_base() -> str | None:
    server = os.environ.get("GITHUB_SERVER_URL")
    repo = os.environ.get("GITHUB_REPOSITORY")
    sha = os.environ.get("GITHUB_SHA")
    if not (server and repo and sha):
        return None
    return f"{server.rstrip('/')}/{repo}/blob/{sha}"


def _repo_relative(file: str) -> str | None:
    from urllib.parse import quote

    root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        relative = Path(file).resolve().relative_to(root)
    except ValueError:
        return None
    return quote(relative.as_posix())


def check_summary(report: CheckReport, title: str = "seedkit check") -> str:
    """A dry run as Markdown: verdict, steps, problems with links, folded fidelity list."""
    if report.ok:
        head = f"## ✅ {title}: `{md(report.project)}`, no problem found"
    else:
        head = f"## ❌ {title}: `{md(report.project)}`, {len(report.problems)} problem(s)"
    out = [head, ""]
    if report.steps:
        out += ["| step | kind | status | rows | problems |", "| --- | --- | --- | ---: | ---: |"]
        for step in report.steps:
            out.append(
                f"| {md(step.name)} | {md(step.kind)} | {md(step.status)} | {step.rows} "
                f"| {step.problems or ''} |"
            )
        out.append("")
    if report.problems:
        out += ["### Problems", ""]
        out += [_problem_line(p) for p in report.problems]
        out.append("")
    if report.fidelity:
        out += [
            "<details>",
            f"<summary>Fidelity: {len(report.fidelity)} statement(s) skipped or changed "
            "for DuckDB</summary>",
            "",
        ]
        for item in report.fidelity:
            out.append(
                f"- {place_link(item.file, item.line, None)} {md(item.action)}: "
                f"{md(item.reason)} (`{md(item.statement).replace('`', '')}`)"
            )
        out += ["", "</details>", ""]
    out.append(f"{report.statements_run} SQL statement(s) run in {report.seconds:.2f}s.")
    return "\n".join(out)


def _problem_line(problem: Problem) -> str:
    where = place_link(problem.file, problem.line, problem.column)
    step = f" (step `{md(problem.step)}`)" if problem.step else ""
    hint = f" (hint: {md(problem.hint)})" if problem.hint else ""
    return f"- {where} **{md(problem.kind)}**{step}: {md(problem.message)}{hint}".replace(
        "-  **", "- **"
    )


def error_summary(command: str, error: SeedkitError) -> str:
    """A command that stopped on an error: what and where."""
    loc = error.location
    where = place_link(loc.file, loc.line, loc.column) if loc and loc.file else ""
    key = f" [`{md(loc.key)}`]" if loc and loc.key else ""
    hint = f"\n\nhint: {md(error.hint)}" if error.hint else ""
    return f"## ❌ seedkit {command} failed\n\n{where}{key} {md(error.message)}{hint}".replace(
        "\n\n ", "\n\n"
    )


def plan_summary(data: dict[str, Any], env: str | None = None) -> str:
    """A plan (seedkit.plan.explain's data, with `changes` when a target was diffed)."""
    title = f"## seedkit plan: `{md(data['project'])}`"
    env = env or data.get("environment")
    if env:
        title += f", environment `{md(env)}`"
    out = [title, ""]
    target = data.get("target")
    if target:
        out += [f"Target: `{md(target['url'])}`", ""]
    out += [
        "| level | step | table | source | mode | rows |",
        "| ---: | --- | --- | --- | --- | ---: |",
    ]
    for level in data["levels"]:
        for step in level["steps"]:
            rows = "" if step["rows"] is None else step["rows"]
            out.append(
                f"| {level['level']} | {md(step['name'])} | {md(step['table'])} "
                f"| {md(step['source'])} | {md(step['mode'] or '')} | {rows} |"
            )
    changes = data.get("changes")
    if changes:
        out += [
            "",
            "| step | state | insert | update | delete |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for c in changes["steps"]:
            counts = ["" if c[k] is None else str(c[k]) for k in ("insert", "update", "delete")]
            out.append(f"| {md(c['name'])} | {md(c['state'])} | " + " | ".join(counts) + " |")
    return "\n".join(out)


def apply_summary(result: ApplyResult, env: str | None = None) -> str:
    """An apply: each step's status, rows and time, and the total."""
    title = f"## ✅ seedkit apply to `{md(result.target)}`"
    if env:
        title += f", environment `{md(env)}`"
    out = [title, "", "| step | kind | status | rows | time |", "| --- | --- | --- | ---: | ---: |"]
    for step in result.steps:
        out.append(
            f"| {md(step.name)} | {md(step.kind)} | {md(step.status)} | {step.rows} "
            f"| {step.seconds:.2f}s |"
        )
    out.append(f"| **total** | | | **{result.rows}** | {result.seconds:.2f}s |")
    return "\n".join(out)
