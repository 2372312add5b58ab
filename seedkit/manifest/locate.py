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


def locate_item(text: str, path: tuple[str, ...], index: int) -> tuple[int, int] | None:
    """The 1-based (line, column) where item `index` (from 0) of the array at `path` starts:
    the item's first character in `key = [ … ]`, or the header of the matching
    `[[path]]` table. None when the array or the item cannot be found."""
    headers = _array_table_headers(text, path)
    if headers:
        return headers[index] if index < len(headers) else None
    found = locate_key(text, path)
    if found is None:
        return None
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: found[0] - 1]) + found[1] - 1
    equals = text.find("=", offset)
    opening = text.find("[", equals) if equals >= 0 else -1
    if opening < 0 or text[equals + 1 : opening].strip():
        return None
    starts = _array_item_starts(text, opening)
    if index >= len(starts):
        return None
    return _line_column(text, starts[index])


def _array_table_headers(text: str, path: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each `[[path]]` header is, in order."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[[") and "]]" in stripped:
            inner = stripped[2 : stripped.index("]]")]
            if _split_dotted(inner) == list(path):
                out.append((number, line.index("[[") + 1))
    return out


def _array_item_starts(text: str, opening: int) -> list[int]:
    """Offsets of the items of the array whose `[` is at `opening`: strings, comments and
    nested arrays and tables are stepped over."""
    starts: list[int] = []
    depth = 0
    expecting = True  # the next value starts an item
    i = opening
    while i < len(text):
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if depth == 1 and expecting and not char.isspace() and char not in ",]":
            starts.append(i)
            expecting = False
        if char in "\"'":
            i = _string_end(text, i)
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                break
        elif char == "," and depth == 1:
            expecting = True
        i += 1
    return starts


def _string_end(text: str, start: int) -> int:
    """The offset just past the TOML string starting at `start`."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        end = text.find(quote * 3, start + 3)
        return len(text) if end < 0 else end + 3
    i = start + 1
    while i < len(text) and text[i] != quote and text[i] != "\n":
        if quote == '"' and text[i] == "\\":
            i += 1
        i += 1
    return i + 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
