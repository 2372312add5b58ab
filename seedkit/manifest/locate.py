"""Find the line and column of a dotted key in TOML text.

tomllib gives values without positions, so errors about a key are located by
scanning the text: table headers set the current path, `key =` lines extend it,
and inline tables are searched for the remaining parts.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', text)
    return [p.strip("\"'") for p in parts]


def locate_key(text: str, path: tuple[str | int, ...]) -> tuple[int, int] | None:
    """The 1-based (line, column) where the key at `path` is written, or the nearest parent."""
    want = [str(p) for p in path if not isinstance(p, int)]
    best: tuple[int, tuple[int, int]] | None = None
    lines = text.splitlines()
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            current = _split_dotted(header.group(1))
            if want[: len(current)] == current and (best is None or len(current) > best[0]):
                best = (len(current), (number, line.index("[") + 1))
            continue
        keyline = _KEYLINE.match(line)
        if not keyline:
            continue
        full = current + _split_dotted(keyline.group(1))
        matched = _common(full, want)
        if matched == len(full) and (best is None or matched > best[0]):
            best = (matched, (number, line.index(keyline.group(1)) + 1))
            rest = want[matched:]
            position = keyline.end()
            for part in rest:
                found = re.compile(rf"[{{,\s]{re.escape(part)}\s*=").search(line, position)
                if not found:
                    break
                position = found.end()
                matched += 1
                best = (matched, (number, found.start() + 2))
    return best[1] if best else None


def _common(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
