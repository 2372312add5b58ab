"""Locks that keep two applies of one project against one database from interleaving.

Each adapter takes its database's own lock (`Adapter.apply_scope`):
PostgreSQL `pg_advisory_xact_lock` keyed by `lock_key(project)`, MySQL/MariaDB
`GET_LOCK(lock_name(database, project))`, SQLite `BEGIN IMMEDIATE`, DuckDB its file
lock. This module holds what they share: the key derivation and the timeout error.
"""

from __future__ import annotations

import hashlib

from seedkit.errors import TargetError

#: How long a second apply waits for the first, in seconds, unless --lock-timeout says.
DEFAULT_LOCK_TIMEOUT = 60.0


class LockTimeoutError(TargetError):
    """Another seedkit (or another writer) held the lock for longer than --lock-timeout."""


def check_timeout(timeout: float | None) -> None:
    """Refuse a --lock-timeout that is not a number of seconds (nan, infinity, negative)."""
    import math

    if timeout is not None and (not math.isfinite(timeout) or timeout < 0):
        raise TargetError(
            f"--lock-timeout must be a number of seconds, 0 or more, not {timeout}",
            hint="for example --lock-timeout 30 (0 fails at once when the lock is taken)",
        )


def lock_key(project: str) -> int:
    """A signed 64-bit key for `project`, stable across runs and machines (PostgreSQL)."""
    digest = hashlib.sha256(f"seedkit:{project}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_name(database: str | None, project: str) -> str:
    """A GET_LOCK name for `project` in `database`, at most 64 characters (MySQL's limit).

    GET_LOCK is server-wide, so the database name is part of it.
    """
    full = f"seedkit:{database or ''}:{project}"
    if len(full) <= 64:
        return full
    return "seedkit:" + hashlib.sha256(full.encode()).hexdigest()[:56]


def waited(timeout: float | None) -> str:
    """`after waiting 5s` for messages."""
    if timeout is None:
        return ""
    return f" after waiting {timeout:g}s"
