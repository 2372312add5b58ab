"""seedkit-faker: the `faker` source kind for seedkit (generated rows, deterministic by seed).

Found by seedkit through the entry point `faker` of the group `seedkit`.
"""

from __future__ import annotations

from typing import Any

from seedkit.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_sources() -> list[type[Any]]:
    """The `faker` kind."""
    from seedkit_faker.source import FakerSource

    return [FakerSource]
