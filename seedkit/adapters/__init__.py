"""One adapter per database, found in one registry.

The registry maps a SQLAlchemy backend name (`postgresql`, `mysql`, `mariadb`, `sqlite`,
`duckdb`) to its Adapter class. The built-in adapters register through the same
`register_adapters()` plugin hook as a third party's (seedkit.builtin); a URL whose
backend no adapter claims gets the generic `Adapter`.
"""

from __future__ import annotations

from seedkit.adapters.base import Adapter


def registry() -> dict[str, type[Adapter]]:
    """The adapter class for each SQLAlchemy backend name, from every plugin's
    `register_adapters()` (a plugin's class wins over a built-in one for its names)."""
    from seedkit.plugins import get_host

    return get_host().adapters()


def adapter_class(url: str) -> type[Adapter]:
    """The adapter class for `url`'s backend (the generic Adapter when none claims it)."""
    from seedkit.adapters.engine import backend_name

    return registry().get(backend_name(url), Adapter)


def open_adapter(url: str) -> Adapter:
    """The adapter for `url`, its engine created (no connection is opened yet)."""
    return adapter_class(url)(url)


__all__ = ["Adapter", "adapter_class", "open_adapter", "registry"]
