"""Portable SQL: statements written in the manifest's dialect, sent in the target's.

sqlglot does the translation; a few rewrites keep the source's meaning where the
target's defaults differ (listed in seedkit.transpile_shapes `_rewrite`).
"""

from __future__ import annotations

from functools import lru_cache

from seedkit.transpile_shapes import by_shape, dialect_key, transpile_each


def needs_transpile(source: str | None, target: str | None) -> bool:
    """True when the manifest names a dialect and the target speaks another."""
    return bool(source and target and dialect_key(source) != dialect_key(target))


def transpile(sql: str, source: str, target: str) -> list[str]:
    """`sql` (one statement) rewritten for `target`; may become several statements.

    A statement that differs from one seen before only in the values of its VALUES tuples
    reuses that statement's generated SQL (seedkit.transpile_shapes): the result is the same
    as parsing and generating it, at a fraction of the cost. Raises sqlglot's errors; the
    caller locates them.
    """
    read, write = dialect_key(source), dialect_key(target)
    fast = by_shape(sql, read, write)
    return list(fast) if fast is not None else list(_transpile_cached(sql, read, write))


@lru_cache(maxsize=4096)
def _transpile_cached(sql: str, read: str, write: str) -> list[str]:
    return transpile_each(sql, read, write)
