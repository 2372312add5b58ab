"""The plugin host: built-in sources and third-party plugins register through the same hooks.

Entry points of the group `seedkit` are loaded lazily, on first use, each on its own:
one that fails to import is remembered with its name and version, and becomes fatal
only when the manifest uses a kind it would have provided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from seedkit.errors import Location, ManifestError

if TYPE_CHECKING:
    import pluggy

    from seedkit.loaders.base import Loader
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.base import Source
    from seedkit.target import Target

DEFAULT_PLUGINS = ["seedkit.builtin"]


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin: name, distribution version, kinds, hooks, error."""

    name: str
    version: str | None
    kinds: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    builtin: bool = False


class PluginHost:
    """Loads plugins once and answers which source class provides a kind."""

    def __init__(self) -> None:
        self._pm: pluggy.PluginManager | None = None
        self.plugins: list[PluginInfo] = []
        self._sources: dict[str, tuple[type[Source], str]] = {}
        self._loaders: list[type[Loader]] = []

    @property
    def manager(self) -> pluggy.PluginManager:
        """The pluggy manager, loading built-ins and entry points on first use."""
        if self._pm is None:
            self._load()
        assert self._pm is not None
        return self._pm

    def _load(self) -> None:
        import pluggy

        from seedkit import hookspecs

        pm = pluggy.PluginManager("seedkit")
        pm.add_hookspecs(hookspecs)
        self._pm = pm
        for module_name in DEFAULT_PLUGINS:
            self._register(import_module(module_name), module_name, "seedkit", builtin=True)
        for ep in entry_points(group="seedkit"):
            dist = ep.dist
            version = dist.version if dist else None
            label = dist.name if dist else ep.name
            try:
                module = ep.load()
            except Exception as exc:  # any import failure is reported, not raised
                self.plugins.append(
                    PluginInfo(ep.name, version, error=f"{type(exc).__name__}: {exc}")
                )
                continue
            self._register(module, ep.name, label, version=version)

    def _register(
        self,
        module: object,
        name: str,
        package: str,
        version: str | None = None,
        builtin: bool = False,
    ) -> None:
        from seedkit import __version__

        assert self._pm is not None
        self._pm.register(module, name=name)
        info = PluginInfo(name, __version__ if builtin else version, builtin=builtin)
        info.hooks = [h.name for h in self._pm.get_hookcallers(module) or []]
        impl = getattr(module, "register_sources", None)
        for cls in (impl() if impl else []) or []:
            if cls.kind in self._sources:
                _, other = self._sources[cls.kind]
                raise ManifestError(
                    f"two plugins provide the source kind `{cls.kind}`: {other} and {package}",
                    hint=f"uninstall one of them (pip uninstall {package})",
                )
            self._sources[cls.kind] = (cls, package)
            info.kinds.append(cls.kind)
        loaders = getattr(module, "register_loaders", None)
        self._loaders.extend((loaders() if loaders else []) or [])
        self.plugins.append(info)

    def source_class(self, kind: str, location: Location | None = None) -> type[Source]:
        """The class providing `kind`, or a ManifestError naming broken plugins and known kinds."""
        _ = self.manager
        if kind in self._sources:
            return self._sources[kind][0]
        broken = [p for p in self.plugins if p.error]
        hint = "known kinds: " + ", ".join(sorted(self._sources))
        if broken:
            hint += "; plugins that failed to load: " + "; ".join(
                f"{p.name} {p.version or ''} ({p.error})" for p in broken
            )
        raise ManifestError(f"unknown source kind `{kind}`", location=location, hint=hint)

    def loader_for(self, target: Target, step: LoadStep) -> Loader:
        """The highest-priority loader that accepts this step on this target."""
        _ = self.manager
        candidates = [cls() for cls in self._loaders]
        accepted = [loader for loader in candidates if loader.accepts(target, step)]
        if not accepted:
            raise RuntimeError("no loader accepts this step; the generic loader is missing")
        return max(accepted, key=lambda loader: loader.priority)

    def kinds(self) -> dict[str, type[Source]]:
        """Every registered kind with its class."""
        _ = self.manager
        return {k: v[0] for k, v in self._sources.items()}


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host (created on first use)."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host


def reset_host() -> None:
    """Forget loaded plugins (for tests that install or break one)."""
    global _host
    _host = None
