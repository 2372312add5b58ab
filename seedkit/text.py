"""Small wording helpers shared by the library's details and the CLI's lines."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 row`, `2 rows`, `0 rows`: a count with its noun, in the plural unless it is one."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
