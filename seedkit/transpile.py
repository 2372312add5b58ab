"""Portable SQL: statements written in the manifest's dialect, sent in the target's."""

from __future__ import annotations

from functools import lru_cache


def needs_transpile(source: str | None, target: str | None) -> bool:
    """True when the manifest names a dialect and the target speaks another."""
    return bool(source and target and _norm(source) != _norm(target))


def _norm(name: str) -> str:
    return {"postgresql": "postgres", "mariadb": "mysql"}.get(name.lower(), name.lower())


@lru_cache(maxsize=4096)
def transpile(sql: str, source: str, target: str) -> list[str]:
    """`sql` (one statement) rewritten for `target`; may become several statements.

    Raises sqlglot's errors; the caller locates them.
    """
    import sqlglot

    return [s for s in sqlglot.transpile(sql, read=_norm(source), write=_norm(target)) if s]
