"""action.yml, run as GitHub would run it, on this machine.

The test reads the composite action, gives its inputs, and runs each `run:` step's
script with bash as the runner does (`bash --noprofile --norc -eo pipefail`), with the
`${{ … }}` expressions of its `env:` and `if:` evaluated and the runner's files
($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY, $GITHUB_PATH) in place. `uses:` steps (setup-python,
the SARIF upload) belong to GitHub and are only checked for their inputs. The install
step installs this checkout (a copy: the action's own path) into a fresh venv that sees
the test run's packages, so it needs no network. The seed is the market example with
one injected fault, and the annotations must point at it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from example import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_COMPARE = re.compile(r"^([\w.\-]+)\s*(==|!=)\s*'([^']*)'$")


class Runner:
    """Just enough of the Actions runner for a composite action of `run:` steps."""

    def __init__(self, inputs: dict[str, str], action_path: Path, work: Path, env: dict[str, str]):
        self.inputs = {
            name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()
        }
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"action.yml has no input {unknown}"
        self.inputs.update(inputs)
        self.action_path = action_path
        self.work = work
        self.env = env
        self.outputs: dict[str, dict[str, str]] = {}
        self.logs: dict[str, subprocess.CompletedProcess[str]] = {}
        self.skipped_uses: list[dict[str, Any]] = []

    def value(self, name: str) -> str:
        if name.startswith("inputs."):
            return self.inputs[name.removeprefix("inputs.")]
        if name == "github.action_path":
            return str(self.action_path)
        if name.startswith("steps."):
            _, step, _, output = name.split(".", 3)
            return self.outputs.get(step, {}).get(output, "")
        raise AssertionError(f"expression not emulated: {name}")

    def expand(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, text: str) -> bool:
        result = True
        for part in text.split("&&"):
            match = _COMPARE.match(part.strip())
            assert match, f"condition not emulated: {part}"
            left, op, right = match.groups()
            result &= (self.value(left) == right) == (op == "==")
        return result

    def run(self) -> int:
        """Run every step; the exit code of the first failing `run:` step, else 0."""
        files = {k: self.work / k.lower() for k in ("GITHUB_OUTPUT", "GITHUB_PATH")}
        for path in files.values():
            path.write_text("")
        for index, step in enumerate(ACTION["runs"]["steps"]):
            assert "${{" not in step.get("run", ""), "no expression inside a script"
            if "if" in step and not self.condition(step["if"]):
                continue
            if "uses" in step:
                self.skipped_uses.append(
                    {k: self.expand(str(v)) for k, v in step.get("with", {}).items()}
                )
                continue
            assert step["shell"] == "bash"
            env = {**self.env, **{k: str(v) for k, v in files.items()}}
            env.update({k: self.expand(str(v)) for k, v in step.get("env", {}).items()})
            extra = [p for p in files["GITHUB_PATH"].read_text().splitlines() if p]
            env["PATH"] = os.pathsep.join([*reversed(extra), env["PATH"]])
            script = self.work / f"step{index}.sh"
            script.write_text(step["run"])
            files["GITHUB_OUTPUT"].write_text("")
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                env=env,
                cwd=self.env["GITHUB_WORKSPACE"],
                capture_output=True,
                text=True,
            )
            self.logs[step.get("id", step["name"])] = proc
            written = files["GITHUB_OUTPUT"].read_text().splitlines()
            self.outputs[step.get("id", f"step{index}")] = dict(
                line.split("=", 1) for line in written if "=" in line
            )
            if proc.returncode != 0:
                return proc.returncode
        return 0


def fresh_python(tmp: Path) -> Path:
    """A fresh venv's bin folder whose python also sees this test run's packages."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def checkout_copy(tmp: Path) -> Path:
    """The action's own path: a copy of what pip needs of this checkout, plus action.yml."""
    path = tmp / "action"
    path.mkdir()
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy(ROOT / name, path / name)
    shutil.copytree(
        ROOT / "seedkit", path / "seedkit", ignore=shutil.ignore_patterns("__pycache__")
    )
    return path


def market_with_fault(tmp: Path) -> Path:
    """The market example laid out as in this repository, with an unknown exchange id."""
    repo = tmp / "repo"
    shutil.copytree(ROOT / "manifests" / "market", repo / "manifests" / "market")
    shutil.copytree(ROOT / "data" / "market", repo / "data" / "market")
    tickers = repo / "data" / "market" / "tickers.csv"
    text = tickers.read_text(encoding="utf-8")
    assert "\n7203;3;30;" in text
    tickers.write_text(text.replace("\n7203;3;30;", "\n7203;9;30;"), encoding="utf-8")
    return repo


def test_the_action_installs_seedkit_and_annotates_the_injected_fault(tmp_path: Path) -> None:
    bin_dir = fresh_python(tmp_path)
    repo = market_with_fault(tmp_path)
    summary = tmp_path / "summary.md"
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
        "PIP_NO_INPUT": "1",
    }
    runner = Runner(
        {
            "manifest": "manifests/market/seed.toml",
            "upload-sarif": "true",
            "python-version": "",
            "pip-args": "--no-deps --no-build-isolation --no-index",
        },
        checkout_copy(tmp_path),
        tmp_path,
        env,
    )
    code = runner.run()
    install = runner.logs["Install seedkit"]
    assert install.returncode == 0, install.stderr
    assert install.stdout.splitlines()[-1] == "seedkit-db 0.1.0"
    check = runner.logs["check"]
    errors = [line for line in check.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error file=data/market/tickers.csv,line=5,col=6::foreign key `tickers_exchange_fk` of "
        "`tickers`: exchange_id = 9 has no row in `exchanges` (exchange_id) (hint: load the parent row "
        "into `exchanges` first, or fix the value)"
    ]
    assert runner.outputs["check"] == {"exit-code": "1"}
    assert code == 1  # the last step fails the job with the check's code
    assert "seedkit check exited with 1" in runner.logs["Fail when the seed has a problem"].stdout
    # The SARIF log was written for the upload step, which was given its path.
    assert runner.skipped_uses == [{"sarif_file": "seedkit.sarif", "category": "seedkit"}]
    log = json.loads((repo / "seedkit.sarif").read_text())
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0-required.json").read_text())
    jsonschema.validate(log, schema)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], region["startLine"], region["startColumn"]) == ("foreign_key", 5, 6)
    text = summary.read_text()
    assert "## ❌ seedkit check: `market`, 1 problem(s)" in text
    assert "- `data/market/tickers.csv:5:6` **foreign_key** (step `tickers`)" in text


def test_the_action_passes_a_clean_seed_and_takes_extra_args(tmp_path: Path) -> None:
    bin_dir = fresh_python(tmp_path)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "manifests" / "market", repo / "manifests" / "market")
    shutil.copytree(ROOT / "data" / "market", repo / "data" / "market")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RUNNER_TEMP": str(tmp_path),
    }
    runner = Runner(
        {
            "manifest": "manifests/market",
            "args": "--select exchanges",
            "python-version": "",
            "pip-args": "--no-deps --no-build-isolation --no-index",
        },
        checkout_copy(tmp_path),
        tmp_path,
        env,
    )
    assert runner.run() == 0, runner.logs
    assert runner.outputs["check"] == {"exit-code": "0"}
    assert runner.skipped_uses == []  # no SARIF upload unless asked
    lines = runner.logs["check"].stdout.splitlines()
    assert lines == [
        "::notice::seedkit check: 0 problem(s) in 2 step(s); 0 statement(s) skipped and 2 changed for DuckDB"
    ]
    assert not (repo / "seedkit.sarif").exists()
