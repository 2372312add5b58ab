"""The plugin host: built-in sources and third-party plugins register through the same hooks.

Entry points of the group `seedkit` are loaded lazily, on first use, each on its own:
one that fails to import (or whose hooks fail) is remembered with its name and
version, and becomes fatal only when the manifest uses a kind it would have provided.
Two plugins claiming one source kind stop every use of the host with a message
naming both packages: which one would win is not a thing to guess.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from seedkit.errors import Location, ManifestError

if TYPE_CHECKING:
    import pluggy

    from seedkit.adapters.base import Adapter
    from seedkit.adapters.loader import Loader
    from seedkit.plan.steps import LoadStep
    from seedkit.sources.base import Source

DEFAULT_PLUGINS = ["seedkit.builtin"]
GROUP = "seedkit"


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin: entry point name, package, version, kinds, hooks, error."""

    name: str
    version: str | None
    kinds: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    builtin: bool = False
    package: str = ""

    @property
    def label(self) -> str:
        """`package version`, the way messages name a plugin."""
        return f"{self.package or self.name} {self.version or '(unknown version)'}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (for `seedkit plugins --format json`)."""
        return {
            "name": self.name,
            "package": self.package or self.name,
            "version": self.version,
            "builtin": self.builtin,
            "kinds": list(self.kinds),
            "hooks": list(self.hooks),
            "error": self.error,
        }


class PluginHost:
    """Loads plugins once and answers which source class provides a kind."""

    def __init__(self) -> None:
        self._pm: pluggy.PluginManager | None = None
        self._loaded = False
        self.plugins: list[PluginInfo] = []
        self.conflicts: list[str] = []
        self._sources: dict[str, tuple[type[Source], PluginInfo]] = {}
        self._loaders: list[type[Loader]] = []
        self._adapters: dict[str, type[Adapter]] = {}

    @property
    def manager(self) -> pluggy.PluginManager:
        """The pluggy manager, loading built-ins and entry points on first use."""
        if not self._loaded:
            with _LOADING:  # two threads' first use: one loads, the other waits for it
                if not self._loaded:
                    self._load()
                    self._loaded = True
        assert self._pm is not None
        return self._pm

    def _load(self) -> None:
        import pluggy

        from seedkit import DISTRIBUTION, __version__, hookspecs

        pm = pluggy.PluginManager(GROUP)
        pm.add_hookspecs(hookspecs)
        self._pm = pm
        for module_name in DEFAULT_PLUGINS:
            info = PluginInfo(module_name, __version__, builtin=True, package=DISTRIBUTION)
            self._register(import_module(module_name), info)
        for ep in entry_points(group=GROUP):
            dist = ep.dist
            info = PluginInfo(
                ep.name, dist.version if dist else None, package=dist.name if dist else ep.name
            )
            try:
                module = ep.load()
            except Exception as exc:  # any import failure is reported, not raised
                info.error = f"{type(exc).__name__}: {exc}"
                self.plugins.append(info)
                continue
            self._register(module, info)

    def _register(self, plugin: object, info: PluginInfo) -> None:
        """Register one plugin and collect what its hooks return, attributed to it."""
        from seedkit.sources.base import Source

        assert self._pm is not None
        self.plugins.append(info)
        try:
            self._pm.register(plugin, name=f"{info.package}:{info.name}")
        except Exception as exc:  # a bad hook signature, or the same module twice
            info.error = f"{type(exc).__name__}: {exc}"
            return
        info.hooks = sorted(h.name for h in self._pm.get_hookcallers(plugin) or [])
        try:
            sources = self._call(plugin, "register_sources")
            loaders = self._call(plugin, "register_loaders")
            adapters = self._call(plugin, "register_adapters")
            for cls in adapters:
                if not (isinstance(cls, type) and getattr(cls, "BACKENDS", None)):
                    raise TypeError(f"register_adapters returned {cls!r}, not an Adapter")
            for cls in sources:
                if not (isinstance(cls, type) and issubclass(cls, Source) and cls.kind):
                    raise TypeError(f"register_sources returned {cls!r}, not a Source with a kind")
        except Exception as exc:  # a failing hook disables this plugin only
            info.error = f"{type(exc).__name__}: {exc}"
            self._pm.unregister(plugin)
            return
        for cls in sources:
            if cls.kind in self._sources:
                _, other = self._sources[cls.kind]
                self.conflicts.append(
                    f"two plugins provide the source kind `{cls.kind}`: "
                    f"{other.label} and {info.label}"
                )
                continue
            self._sources[cls.kind] = (cls, info)
            info.kinds.append(cls.kind)
        self._loaders.extend(loaders)
        for cls in adapters:
            self._adapters.update(dict.fromkeys(cls.BACKENDS, cls))

    def _call(self, plugin: object, hook: str) -> list[Any]:
        """What `plugin`'s own implementation of `hook` returns (empty when it has none)."""
        assert self._pm is not None
        caller = getattr(self._pm.hook, hook)
        result: list[Any] = []
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                result.extend(impl.function() or [])
        return result

    def check(self) -> None:
        """Raise the duplicate-kind conflict, if any: it stops every use of the host."""
        _ = self.manager
        if self.conflicts:
            packages = sorted({p.package for p in self.plugins if not p.builtin})
            raise ManifestError(
                "; ".join(self.conflicts),
                hint="uninstall one of them (pip uninstall PACKAGE); installed plugins: "
                + (", ".join(packages) or "none"),
            )

    def source_class(self, kind: str, location: Location | None = None) -> type[Source]:
        """The class providing `kind`; else a ManifestError naming the plugin that failed to
        load and would have provided it, or the known kinds."""
        self.check()
        if kind in self._sources:
            return self._sources[kind][0]
        broken = [p for p in self.plugins if p.error]
        likely = [p for p in broken if _would_provide(p, kind)]
        if likely:
            plugin = likely[0]
            raise ManifestError(
                f"source kind `{kind}` comes from plugin `{plugin.name}` "
                f"({plugin.label}), which failed to load: {plugin.error}",
                location=location,
                hint=f"fix or reinstall it (pip install --force-reinstall {plugin.package})",
            )
        hint = "known kinds: " + ", ".join(sorted(self._sources))
        if broken:
            hint += "; plugins that failed to load: " + "; ".join(
                f"`{p.name}` ({p.label}): {p.error}" for p in broken
            )
        raise ManifestError(f"unknown source kind `{kind}`", location=location, hint=hint)

    def adapters(self) -> dict[str, type[Adapter]]:
        """The registry of adapters: SQLAlchemy backend name -> Adapter class."""
        _ = self.manager
        return self._adapters

    def loader_for(self, target: Adapter, step: LoadStep) -> Loader:
        """The highest-priority loader that accepts this step: the adapter's own fast
        loaders, plugins' loaders, and the generic one."""
        self.check()
        candidates = [cls() for cls in [*target.loaders(), *self._loaders]]
        accepted = [loader for loader in candidates if loader.accepts(target, step)]
        if not accepted:
            raise RuntimeError("no loader accepts this step; the generic loader is missing")
        return max(accepted, key=lambda loader: loader.priority)

    def kinds(self) -> dict[str, type[Source]]:
        """Every registered kind with its class."""
        self.check()
        return {k: v[0] for k, v in self._sources.items()}

    def report(self) -> dict[str, Any]:
        """Every plugin (loaded or not) and any conflict, without raising (for `seedkit plugins`)."""
        _ = self.manager
        return {
            "plugins": [p.as_dict() for p in self.plugins],
            "conflicts": list(self.conflicts),
        }


def _would_provide(plugin: PluginInfo, kind: str) -> bool:
    """Whether a plugin that failed to load is named for `kind` (entry point or package)."""
    wanted = kind.lower().replace("_", "-")
    names = {plugin.name.lower().replace("_", "-"), plugin.package.lower().replace("_", "-")}
    return wanted in names or any(n.endswith(f"-{wanted}") for n in names)


_host: PluginHost | None = None
_LOADING = threading.RLock()


def get_host() -> PluginHost:
    """The process-wide plugin host (created on first use)."""
    global _host
    if _host is None:
        with _LOADING:
            if _host is None:
                _host = PluginHost()
    return _host


def reset_host() -> None:
    """Forget loaded plugins (for tests that install or break one)."""
    global _host
    _host = None
