"""PostgreSQL's text forms of values, read into what another database stores.

A COPY block's fields and an INSERT's literals spell arrays as `{a,"b c"}`, `bytea` as
`\\x00ff` (or the older escape format `\\000`), booleans as `t`/`f`. On a target without
those types an array becomes JSON text and `bytea` bytes; `kind` (from
`seedkit.portable.types.column_kind`) says which conversion a column's values take.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.S)
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def copy_field(text: str) -> str | None:
    """One field of COPY's text format: `\\N` is NULL, backslash escapes resolved."""
    if text == "\\N":
        return None
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        if m[1] is not None:
            return chr(int(m[1], 8))
        if m[2] is not None:
            return chr(int(m[2], 16))
        return _SIMPLE.get(m[3], m[3])

    return _COPY_ESCAPE.sub(one, text)


def bytea_bytes(text: str) -> bytes:
    """`bytea` text (`\\x00ff` hex, or escape format with `\\nnn` and `\\\\`) as bytes."""
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if text[i + 1 : i + 2] == "\\":
                out.append(0x5C)
                i += 2
                continue
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
            continue
        out += ch.encode("utf-8")
        i += 1
    return bytes(out)


def array_json(text: str) -> str:
    """A PostgreSQL array literal (`{a,"b c",NULL}`, nested too) as JSON text."""
    value, end = _array(text, 0)
    if end != len(text.rstrip()):
        raise ValueError(f"not an array literal: {text!r}")
    return json.dumps(value, ensure_ascii=False)


def _array(text: str, i: int) -> tuple[list[Any], int]:
    if text[i] == "[":  # a dimension decoration: [1:2]={…}
        i = text.index("=", i) + 1
    if text[i] != "{":
        raise ValueError(f"not an array literal: {text!r}")
    i += 1
    items: list[Any] = []
    if text[i] == "}":
        return items, i + 1
    while True:
        if text[i] == "{":
            sub, i = _array(text, i)
            items.append(sub)
        elif text[i] == '"':
            j = i + 1
            buf = []
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                buf.append(text[j])
                j += 1
            items.append("".join(buf))
            i = j + 1
        else:
            j = i
            while text[j] not in ",}":
                j += 1
            word = text[i:j].strip()
            items.append(None if word.upper() == "NULL" else _scalar(word))
            i = j
        if text[i] == ",":
            i += 1
            continue
        if text[i] == "}":
            return items, i + 1
        raise ValueError(f"not an array literal: {text!r}")


def _scalar(word: str) -> Any:
    """An unquoted array element: a number stays a number in the JSON, else text."""
    if re.fullmatch(r"[+-]?\d+", word):
        return int(word)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", word):
        return float(word)
    if word in ("t", "true"):
        return True
    if word in ("f", "false"):
        return False
    return word


def from_text(kind: str, text: str | None) -> Any:
    """A value in PostgreSQL's text form as the Python value bound for a column of `kind`."""
    if text is None:
        return None
    if kind == "bytes":
        return bytea_bytes(text)
    if kind == "array":
        return array_json(text)
    if kind == "bool":
        return text.lower() in ("t", "true", "1", "y", "yes", "on")
    if kind == "int":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    return text
