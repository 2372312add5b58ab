"""Load seed.toml: parse TOML, expand ${VAR}, validate, and locate every error."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from seedkit.errors import Location, ManifestError
from seedkit.manifest.locate import locate_item, locate_key
from seedkit.manifest.models import ManifestModel

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
# The URL is expanded only when a command needs a target, so `check` works without it.
_LAZY_KEYS = {("project", "url")}


@dataclass(frozen=True)
class Manifest:
    """A validated manifest with where it lives, for resolving paths and locating keys."""

    path: Path
    model: ManifestModel
    text: str
    #: The environment the model was resolved for ([environments.NAME]), or None.
    env: str | None = None
    #: Keys the environment changed -> where it writes them (see manifest.environments).
    moved: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The manifest's folder: every path in it is relative to this."""
        return self.path.parent

    @property
    def name(self) -> str:
        """The project's name."""
        return self.model.project.name

    def locate(self, *key: str | int) -> Location:
        """The location of a dotted key in the manifest file (its line when it can be found);
        a key the environment set is found where the environment writes it."""
        return _locate(self.text, self.path, self._written_at(tuple(key)))

    def _written_at(self, parts: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """Where a key is written: under the environment that set it, if one did."""
        for size in range(len(parts), 0, -1):
            target = self.moved.get(tuple(str(p) for p in parts[:size]))
            if target is not None:
                return (*target, *parts[size:])
        return parts

    def locate_item(self, key: tuple[str, ...], index: int) -> Location:
        """The location of item `index` (from 0) of the array at `key`, shown from 1 as
        `seed.toml:21:5 [steps.x.rows][2]`; the array's own place when the item's is unknown."""
        written = tuple(str(p) for p in self._written_at(key))
        found = locate_item(self.text, written, index)
        dotted = ".".join(written)
        if found is None:
            return replace(self.locate(*key), item=index + 1)
        return replace(Location.in_file(self.path, found[0], found[1], key=dotted), item=index + 1)

    def resolve_url(self) -> str | None:
        """The manifest's `url` with its ${VAR} expanded, or None when it has none."""
        raw = self.model.project.url
        if raw is None:
            return None
        return expand_vars(raw, lambda: self.locate("project", "url"))


def expand_vars(value: str, where: Any) -> str:
    """Replace ${VAR} and ${VAR:-default} from the environment; unset without default is an error."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ManifestError(
            f"environment variable {name} is not set",
            location=where(),
            hint=f"set {name}, or give a default: ${{{name}:-value}}",
        )

    return _VAR.sub(replace, value)


def load_manifest(path: str | Path, env: str | None = None) -> Manifest:
    """Read and validate seed.toml; raise ManifestError naming the file, line and key.

    `env` (else SEEDKIT_ENV) picks an [environments.NAME] table, applied to the result."""
    path = Path(path)
    if path.is_dir():
        path = path / "seed.toml"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(
            f"no manifest at {path}",
            location=Location.in_file(path),
            hint="pass --manifest/-m PATH, or run `seedkit init` to write one",
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            "seed.toml is not UTF-8 text", location=Location.in_file(path), hint=str(exc)
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        pos = _TOML_POS.search(message)
        line, column = (int(pos.group(1)), int(pos.group(2))) if pos else (None, None)
        raise ManifestError(
            f"invalid TOML: {_TOML_POS.sub('', message).strip()}",
            location=Location.in_file(path, line, column),
            hint="fix the syntax at that place (TOML: https://toml.io)",
        ) from None
    data = _expand(data, (), text, path)
    try:
        model = ManifestModel.model_validate(data)
    except ValidationError as exc:
        raise manifest_error(exc, text, path, ManifestModel) from None
    from seedkit.manifest.environments import apply_environment, chosen_environment

    name, named_by = chosen_environment(env)
    if name is None:
        return Manifest(path=path.resolve(), model=model, text=text)

    def where(*key: str) -> Location:
        return _locate(text, path, key)

    model, moved = apply_environment(model, name, named_by, path, where)
    return Manifest(path=path.resolve(), model=model, text=text, env=name, moved=moved)


def _expand(value: Any, key: tuple[str | int, ...], text: str, path: Path) -> Any:
    lazy = key in _LAZY_KEYS or (len(key) == 3 and key[0] == "environments" and key[2] == "url")
    if isinstance(value, str) and not lazy:

        def where() -> Location:
            return _locate(text, path, key)

        return expand_vars(value, where)
    if isinstance(value, dict):
        return {k: _expand(v, (*key, k), text, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, (*key, i), text, path) for i, v in enumerate(value)]
    return value


def _locate(text: str, path: Path, key: tuple[str | int, ...]) -> Location:
    found = locate_key(text, key)
    dotted = ".".join(str(k) for k in key)
    if found:
        return Location.in_file(path, found[0], found[1], key=dotted)
    return Location.in_file(path, key=dotted)


def manifest_error(
    exc: ValidationError, text: str, path: Path, model: type[BaseModel]
) -> ManifestError:
    """Pydantic's first error as one located ManifestError, with a 'did you mean' (also
    for a source's own options, seedkit.plan.builder)."""
    errors = exc.errors()
    # A union (`csv = "…"` or `csv = {…}`) fails once per member: the deepest error is the real one.
    # On a tie, an unknown key explains a "missing" one beside it (a misspelt required key).
    first = max(errors, key=lambda e: (len(_strip_tags(e["loc"])), e["type"] == "extra_forbidden"))
    loc = _strip_tags(first["loc"])
    others = {_strip_tags(e["loc"]) for e in errors} - {loc}
    others = {o for o in others if o != loc[: len(o)]}
    dotted = ".".join(str(p) for p in loc)
    hint = None
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = f"unknown key `{dotted}`"
        if close:
            hint = f"did you mean `{close[0]}`?"
        elif allowed:
            hint = "valid keys here: " + ", ".join(f"`{k}`" for k in sorted(allowed))
    elif first["type"] == "missing":
        message = f"missing required key `{dotted}`"
        hint = "add it to the manifest"
    else:
        message = f"`{dotted}`: {first['msg']}" if dotted else first["msg"]
        message = message.replace("Value error, ", "")
    if others:
        message += f" (and {len(others)} more problem{'s' if len(others) > 1 else ''})"
    return ManifestError(message, location=_locate(text, path, loc), hint=hint)


def _strip_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(p for p in loc if not _is_union_tag(p))


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the tried union member ("str", "CsvOptionsModel") to error paths.
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "list[str]"})


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names valid at `loc` inside `model`, following nested models and dicts."""
    from typing import get_args, get_origin

    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif isinstance(part, int) and get_origin(current) is list:
            current = get_args(current)[0]
        current = _model_in(current)
    current = _model_in(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside an Optional/Union annotation, else the annotation itself."""
    from typing import get_args, get_origin

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (dict, list):
        return annotation
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation
