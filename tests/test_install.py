"""seedkit installs under its distribution name `seedkit-db` (`seedkit` on PyPI is another
project), keeps `import seedkit` and the `seedkit` command, and `seedkit --version` says so.

The install is real but quick: a fresh venv whose site-packages also sees this test
run's packages (a .pth file), so `pip install --no-deps --no-build-isolation` builds and
installs the checkout without the network, from a copy so no build/ lands in the tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from example import ROOT
from typer.testing import CliRunner

import seedkit
from seedkit.cli import app


def test_version_option_prints_the_distribution_name_and_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"seedkit-db {seedkit.__version__}\n"


def test_pyproject_names_the_distribution_and_takes_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == seedkit.DISTRIBUTION == "seedkit-db"
    assert project["dynamic"] == ["version"]
    assert project["scripts"] == {"seedkit": "seedkit.cli:main"}
    faker = tomllib.loads(
        (ROOT / "plugins" / "seedkit-faker" / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert "seedkit-db>=0.1" in faker["project"]["dependencies"]


def test_a_fresh_venv_installs_seedkit_db_from_the_checkout(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "seedkit", source / "seedkit", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The running venv's packages (pip, setuptools, typer…) after the fresh venv's own.
    (Path(purelib) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    shown = subprocess.run(
        [str(python), "-m", "pip", "show", "seedkit-db"], capture_output=True, text=True, check=True
    ).stdout
    assert "Name: seedkit-db\n" in shown
    assert f"Location: {purelib}\n" in shown
    version = subprocess.run(
        [str(venv / "bin" / "seedkit"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout == f"seedkit-db {seedkit.__version__}\n"
    where = subprocess.run(
        [str(python), "-c", "import seedkit; print(seedkit.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # not the checkout, whose seedkit/ would be found first
    ).stdout.strip()
    assert where == str(Path(purelib) / "seedkit" / "__init__.py")
