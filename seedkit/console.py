"""Rich rendering of plans and results, JSON output, and the error message format."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seedkit.text import plural

if TYPE_CHECKING:
    from rich.console import Console

    from seedkit.errors import SeedkitError
    from seedkit.plan.executor import ApplyResult, StepResult


def make_console(stderr: bool = False) -> Console:
    """A Rich console that respects NO_COLOR and draws plainly when not on a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def print_json(data: Any) -> None:
    """JSON to standard output, stable key order, dates as text."""
    from seedkit.secrets import scrub

    sys.stdout.write(scrub(json.dumps(data, indent=2, default=str)) + "\n")


def render_error(console: Console, error: SeedkitError) -> None:
    """One message: where, what, and what to do next."""
    from rich.markup import escape

    from seedkit.secrets import scrub

    where = scrub(str(error.location)) if error.location else ""
    head = f"[bold red]error[/]: {escape(where)}: " if where else "[bold red]error[/]: "
    console.print(head + escape(scrub(error.message)), soft_wrap=True)
    if error.hint:
        console.print(f"  [dim]hint:[/] {escape(scrub(error.hint))}", soft_wrap=True)


def _render_portable(tree: Any, ported: dict[str, Any]) -> None:
    """What porting PostgreSQL SQL to the target does (seedkit.portable.preview)."""
    from rich.markup import escape

    if ported["unportable"]:
        node = tree.add(
            f"[bold red]{len(ported['unportable'])} statement(s) cannot port[/]: apply stops "
            "before any change unless --skip-unportable"
        )
        for u in ported["unportable"]:
            node.add(escape(f"{u['file']}:{u['line']}: {u['statement']} ({u['reason']})"))
    for problem in ported["problems"]:
        tree.add(f"[red]{escape(problem)}[/]")
    if ported["dropped"]:
        tree.add(f"{ported['dropped']} session setting(s) dropped (SET, OWNER TO, GRANT, COMMENT…)")
    if ported["changes"]:
        node = tree.add("ported")
        for change in ported["changes"]:
            node.add(escape(change))


def render_plan(console: Console, data: dict[str, Any], verbose: bool = False) -> None:
    """The plan as a tree: levels, steps with table, source, mode, rows and edges; with
    `verbose`, the statements of SQL steps that could not be read for tables."""
    from rich.markup import escape
    from rich.tree import Tree

    title = f"[bold]plan[/] for [cyan]{escape(data['project'])}[/]"
    if data.get("environment"):
        title += f" in environment [cyan]{escape(data['environment'])}[/]"
    target = data.get("target")
    if target:
        title += f" → {escape(target['url'])}"
    tree = Tree(title)
    if target:
        if target["atomic"] == "apply":
            tree.add("one transaction for the whole apply")
        else:
            tree.add(
                "[yellow]this database has no transactional DDL: each step is its own "
                "transaction, and DDL is committed as it runs[/]"
            )
        if target["transpile"]:
            tree.add(f"SQL and DDL are transpiled {escape(target['transpile'])}")
        if target.get("portable"):
            _render_portable(tree, target["portable"])
    if data["ddl"]:
        ddl = tree.add("[bold]DDL[/]")
        for item in data["ddl"]:
            ddl.add(f"{escape(item['file'])} [dim]{item['fingerprint']}[/]")
    for group in data.get("groups", []):
        node = tree.add(
            "[bold]group[/] (a cycle of foreign keys, loaded together): "
            + escape(", ".join(group["steps"]))
        )
        for key in group["keys_after"]:
            node.add(f"foreign key {escape(key)} checked after the group's data")
    if data.get("keys_after_data") and target:
        how = target.get("keys_after") or (
            "this database checks each row's key as it is written (DuckDB): parents must "
            "come first, and a cycle of keys cannot load"
        )
        tree.add(f"keys after the data: {escape(how)}")
    grouped = {k for g in data.get("groups", []) for k in g["keys_after"]}
    for key in data.get("keys_after_data", []):
        if key not in grouped:
            tree.add(f"foreign key {escape(key)} checked after the data (self-reference)")
    for level in data["levels"]:
        branch = tree.add(f"[bold]level {level['level']}[/]")
        for step in level["steps"]:
            line = f"[green]{escape(step['name'])}[/] → {escape(step['table'])}  {escape(step['source'])}"
            if step["mode"]:
                line += f"  mode={step['mode']}"
            if step["rows"] is not None:
                line += f"  rows={step['rows']}"
            line += f"  [dim]{step['fingerprint']}[/]"
            node = branch.add(line)
            for dep in step["depends_on"]:
                style = "" if dep["kind"] == "declared" else "dim italic "
                node.add(f"[{style or 'default '}]needs {escape(dep['step'])} ({dep['kind']})[/]")
            if step.get("writes"):
                node.add("writes " + escape(", ".join(step["writes"])) + " too")
            unread = step.get("unread") or []
            if unread and verbose:
                for item in unread:
                    node.add(
                        f"[yellow]not read for tables[/]: {escape(item['file'])}:{item['line']}"
                        f" {escape(item['reason'])}"
                    )
            elif unread:
                node.add(
                    f"[dim]{plural(len(unread), 'statement')} not read for tables "
                    "(plan -v lists them)[/]"
                )
    console.print(tree)


def render_result(console: Console, result: ApplyResult) -> None:
    """The summary table: each step with status, rows and time."""
    from rich.table import Table

    table = Table(title=f"applied to {result.target}", title_justify="left")
    table.add_column("step")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("rows", justify="right")
    table.add_column("time", justify="right")
    table.add_column("detail")
    for step in result.steps:
        table.add_row(
            step.name, step.kind, step.status, str(step.rows), f"{step.seconds:.2f}s", step.detail
        )
    table.add_row("[bold]total[/]", "", "", f"[bold]{result.rows}[/]", f"{result.seconds:.2f}s", "")
    console.print(table)


def result_as_dict(result: ApplyResult) -> dict[str, Any]:
    """The apply result as JSON-ready data."""
    return {
        "target": result.target,
        "atomic": "apply" if result.transactional else "step",
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "steps": [_step(s) for s in result.steps],
    }


def _step(step: StepResult) -> dict[str, Any]:
    return {
        "name": step.name,
        "kind": step.kind,
        "status": step.status,
        "rows": step.rows,
        "seconds": round(step.seconds, 3),
        "detail": step.detail,
    }


class ProgressReporter:
    """Rich progress bars on a terminal; elsewhere plain lines: one when a step ends, and
    one every `every` seconds while a long step runs (rows so far and the rate).

    `every` defaults to SEEDKIT_PROGRESS_SECONDS, else 5 seconds.
    """

    def __init__(self, console: Console, every: float | None = None) -> None:
        self.console = console
        self.live = console.is_terminal
        self.every = _progress_every() if every is None else every
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        self._running: dict[str, _Running] = {}

    def __enter__(self) -> ProgressReporter:
        if self.live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[rows]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def step_started(self, name: str, kind: str, total: int | None) -> None:
        """Open a bar (terminal), or start the clock of the plain progress lines."""
        self._running[name] = _Running(kind, time.monotonic())
        if self._progress is not None:
            self._tasks[name] = self._progress.add_task(
                f"{name} ({kind})", total=total, rows=plural(0, "row")
            )

    def step_progress(self, name: str, rows: int) -> None:
        """Advance the step's bar, or print a plain line when `every` seconds have passed."""
        running = self._running.get(name)
        if running is None:
            return
        running.rows += rows
        if self._progress is not None and name in self._tasks:
            self._progress.update(self._tasks[name], advance=rows, rows=plural(running.rows, "row"))
        elif self._progress is None:
            now = time.monotonic()
            if now - running.printed >= self.every:
                running.printed = now
                rate = running.rows / max(now - running.began, 1e-9)
                self.console.print(
                    f"… {name} ({running.kind}): {plural(running.rows, 'row')} so far, "
                    f"{rate:,.0f} rows/s",
                    highlight=False,
                )

    def step_finished(self, result: StepResult) -> None:
        """Close the bar with the rows the summary will show, or print one plain line."""
        self._running.pop(result.name, None)
        if self._progress is not None and result.name in self._tasks:
            self._progress.update(
                self._tasks[result.name], total=1, completed=1, rows=plural(result.rows, "row")
            )
        elif self._progress is None:
            # "ran", not "applied": the apply's transaction commits after the last step,
            # and a later failure rolls this one back too. The summary says "applied".
            word = "ran" if result.status == "applied" else result.status
            self.console.print(
                f"{word} {result.name} ({result.kind}): {plural(result.rows, 'row')} "
                f"in {result.seconds:.2f}s {result.detail}".rstrip(),
                highlight=False,
            )


@dataclass
class _Running:
    """A step under way: its kind, when it began, rows so far, when a line was last printed."""

    kind: str
    began: float
    rows: int = 0
    printed: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.printed = self.began


def _progress_every() -> float:
    """Seconds between plain progress lines: SEEDKIT_PROGRESS_SECONDS, else 5."""
    try:
        return max(float(os.environ.get("SEEDKIT_PROGRESS_SECONDS", "5")), 0.0)
    except ValueError:
        return 5.0


# -- history, changes and reset (safe re-runs) ---------------------------------------------


def diff_as_dict(diff: Any) -> dict[str, Any]:
    """A PlanDiff (what an apply would change on a target) as JSON-ready data."""
    return {
        "target": diff.target,
        "history_table": diff.history_table,
        "has_history": diff.has_history,
        "database_exists": diff.database_exists,
        "steps": [
            {
                "name": c.name,
                "kind": c.kind,
                "state": c.state,
                "mode": c.mode,
                "insert": c.insert,
                "update": c.update,
                "delete": c.delete,
                "conflicts": c.conflicts,
                "counts_unknown": c.unknown,
                "applied_at": c.applied_at,
                "samples": c.samples,
                "referenced": c.referenced,
            }
            for c in diff.changes
        ],
    }


def render_diff(console: Console, diff: Any, verbose: bool = False) -> None:
    """The change report of `plan --url`: per step new/changed/unchanged and row counts."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"changes on {diff.target}", title_justify="left")
    for name, justify in (
        ("step", "left"),
        ("state", "left"),
        ("mode", "left"),
        ("insert", "right"),
        ("update", "right"),
        ("delete", "right"),
        ("note", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    styles = {"new": "green", "changed": "yellow", "unchanged": "dim"}
    for c in diff.changes:
        note = ""
        if c.kind == "ddl" and c.state == "changed":
            note = "[red]apply stops: seedkit reset, or apply --fresh[/]"
        elif c.state == "unchanged":
            note = "skipped"
        elif c.conflicts:
            note = f"[red]{c.conflicts} keys already there: insert fails[/]"
        if c.referenced:
            by = ", ".join(f"{name} ({n})" for name, n in c.referenced.items())
            note = f"[red]deletes rows still referenced by {escape(by)}: apply fails[/]"
        unknown = c.unknown
        if unknown:
            note = f"[yellow]rows known {escape(unknown)}[/]"
        blank = "?" if unknown else ""
        counts = [blank if v is None else str(v) for v in (c.insert, c.update, c.delete)]
        state = f"[{styles.get(c.state, 'default')}]{c.state}[/]"
        table.add_row(escape(c.name), state, c.mode or "", *counts, note)
        if verbose:
            for what, keys in c.samples.items():
                if keys:
                    table.add_row(
                        "", "", "", "", "", "", f"[dim]{what}: {escape(', '.join(keys))}[/]"
                    )
    console.print(table)
    if not diff.database_exists:
        console.print(
            f"[dim]{escape(diff.target)} does not exist yet: the apply creates it[/]",
            soft_wrap=True,
        )
    elif not diff.has_history:
        console.print(f"[dim]no history table `{escape(diff.history_table)}` there yet[/]")


def status_as_dict(report: Any) -> dict[str, Any]:
    """A StatusReport (a target's history for a project) as JSON-ready data."""
    return {
        "project": report.project,
        "target": report.target,
        "history_table": report.history_table,
        "exists": report.exists,
        "entries": [
            {
                "kind": e.kind,
                "name": e.name,
                "state": e.state,
                "fingerprint": e.fingerprint,
                "rows": e.rows,
                "applied_at": e.applied_at,
                "seconds": e.seconds,
                "seedkit_version": e.seedkit_version,
                "environment": e.environment,
            }
            for e in report.entries
        ],
    }


def render_status(console: Console, report: Any) -> None:
    """The history table of `seedkit status`."""
    from rich.markup import escape
    from rich.table import Table

    if not report.exists:
        console.print(
            f"no history of [cyan]{escape(report.project)}[/] on {escape(report.target)}: "
            f"nothing applied yet (table `{escape(report.history_table)}` is not there)"
        )
    table = Table(title=f"history of {report.project} on {report.target}", title_justify="left")
    envs = any(e.environment for e in report.entries)
    columns = ("name", "state", "rows", "applied at (UTC)", "time", "fingerprint")
    for name in (*columns, "env") if envs else columns:
        table.add_column(
            name,
            justify="right" if name in ("rows", "time") else "left",
            no_wrap=name != "name",
        )
    styles = {"applied": "green", "changed": "yellow", "pending": "cyan", "removed": "dim"}
    for e in report.entries:
        table.add_row(
            escape(f"{e.name} (ddl)" if e.kind == "ddl" else e.name),
            f"[{styles.get(e.state, 'default')}]{e.state}[/]",
            "" if e.rows is None else str(e.rows),
            (e.applied_at or "")[:19].replace("T", " "),
            "" if e.seconds is None else f"{e.seconds:.2f}s",
            e.fingerprint or "",
            *([escape(e.environment or "")] if envs else []),
        )
    console.print(table)


def render_reset(console: Console, result: Any) -> None:
    """What `seedkit reset` dropped."""
    from rich.markup import escape

    console.print(f"[bold]reset[/] {escape(result.target)}")
    for line in result.dropped:
        console.print(f"  dropped {escape(line)}")
    console.print(f"  forgot {result.history_rows} history rows")
    for line in result.left:
        console.print(f"  [dim]left in place: {escape(line)}[/]")
