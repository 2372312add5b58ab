"""`seedkit graph`: the example's graph in Mermaid and dot, with levels and both edge kinds."""

from __future__ import annotations

from example import ROOT
from typer.testing import CliRunner

from seedkit.cli import app

MANIFEST = str(ROOT / "manifests" / "market" / "seed.toml")

MERMAID = """\
flowchart LR
    subgraph level_1["level 1"]
        direction TB
        exchanges["exchanges<br/>csv, insert → exchanges"]
        sectors["sectors<br/>sql → sectors"]
    end
    subgraph level_2["level 2"]
        direction TB
        tickers["tickers<br/>csv, insert → tickers"]
    end
    subgraph level_3["level 3"]
        direction TB
        rules["rules<br/>rows, insert → rules"]
    end
    exchanges -. fk .-> tickers
    sectors -. fk .-> tickers
    tickers --> rules
"""


def test_mermaid_is_the_default() -> None:
    result = CliRunner().invoke(app, ["graph", "-m", MANIFEST])
    assert result.exit_code == 0, result.output
    assert result.stdout == MERMAID


def test_dot_clusters_levels_and_dashes_inferred_edges() -> None:
    result = CliRunner().invoke(app, ["graph", "-m", MANIFEST, "--format", "dot"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == 'digraph "market" {'
    assert [line.strip() for line in lines if "cluster_level" in line] == [
        "subgraph cluster_level_1 {",
        "subgraph cluster_level_2 {",
        "subgraph cluster_level_3 {",
    ]
    assert [line.strip() for line in lines if "->" in line and "[label" not in line] == [
        '"exchanges" -> "tickers" [style=dashed, label="fk"];',
        '"sectors" -> "tickers" [style=dashed, label="fk"];',
        '"tickers" -> "rules";',
    ]
    assert lines[-1] == "}"


def test_select_keeps_real_level_numbers_and_inner_edges() -> None:
    result = CliRunner().invoke(app, ["graph", "-m", MANIFEST, "--select", "tickers+"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "flowchart LR\n"
        '    subgraph level_2["level 2"]\n'
        "        direction TB\n"
        '        tickers["tickers<br/>csv, insert → tickers"]\n'
        "    end\n"
        '    subgraph level_3["level 3"]\n'
        "        direction TB\n"
        '        rules["rules<br/>rows, insert → rules"]\n'
        "    end\n"
        "    tickers --> rules\n"
    )


def test_bad_format_and_unknown_step_exit_2() -> None:
    bad = CliRunner().invoke(app, ["graph", "-m", MANIFEST, "--format", "png"])
    assert bad.exit_code == 2
    unknown = CliRunner().invoke(app, ["graph", "-m", MANIFEST, "--select", "nope"])
    assert unknown.exit_code == 2
    assert "unknown step `nope`" in unknown.output
