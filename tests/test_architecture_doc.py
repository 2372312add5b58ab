"""docs/architecture.md names only rooms that exist, and shows every package of seedkit.

The page is written by hand (a picture and a table); this keeps it from drifting as
modules move: a renamed or removed path fails here, and so does a new package the page
does not place.
"""

from __future__ import annotations

import re

from example import ROOT

PAGE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PATHS = sorted(set(re.findall(r"seedkit/[A-Za-z0-9_/]+(?:\.py|/)", PAGE)))


def test_every_path_the_page_names_exists() -> None:
    assert len(PATHS) > 20
    missing = [p for p in PATHS if not (ROOT / p).exists()]
    assert missing == []


def test_every_package_of_seedkit_has_a_place_on_the_page() -> None:
    packages = sorted(
        f"seedkit/{d.name}/"
        for d in (ROOT / "seedkit").iterdir()
        if d.is_dir() and (d / "__init__.py").exists()
    )
    assert [p for p in packages if p not in PAGE] == []


def test_the_page_has_one_mermaid_picture() -> None:
    assert PAGE.count("```mermaid") == 1
