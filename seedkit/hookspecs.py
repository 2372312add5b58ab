"""The plugin hooks seedkit offers (pluggy, entry-point group `seedkit`)."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("seedkit")
hookimpl = pluggy.HookimplMarker("seedkit")


@hookspec
def register_sources() -> list[type[Any]]:  # type: ignore[empty-body]
    """Return source classes (subclasses of seedkit.sources.base.Source) this plugin provides."""


@hookspec
def register_loaders() -> list[Any]:  # type: ignore[empty-body]
    """Return row loaders (subclasses of seedkit.adapters.loader.Loader): each says by
    `accepts(adapter, step)` which targets and steps it takes."""


@hookspec
def register_adapters() -> list[type[Any]]:  # type: ignore[empty-body]
    """Return Adapter classes (subclasses of seedkit.adapters.base.Adapter), each serving
    the SQLAlchemy backend names in its BACKENDS."""
