"""A SQL file's own transaction control (`BEGIN`, `COMMIT`, pg_dump's `\\restrict`), which
seedkit does not send: it runs the file inside its own transaction (Adapter.transaction_control)."""

from __future__ import annotations

import re

from seedkit.errors import ApplyError

_TRANSACTION = re.compile(
    r"\s*(?:begin|start\s+transaction|commit|end)"
    r"(?:\s+(?:work|transaction|deferred|immediate|exclusive))?\s*;?\s*\Z",
    re.IGNORECASE,
)
_PSQL_GUARD = re.compile(r"\\(?:un)?restrict\b")
_ROLLBACK = re.compile(r"\s*rollback(?:\s+(?:work|transaction))?\s*;?\s*\Z", re.IGNORECASE)


def transaction_control(sql: str) -> bool:
    """Whether `sql` only opens or ends a transaction (not sent); a psql command other than
    pg_dump's guards, or a `ROLLBACK`, is an ApplyError."""
    if _PSQL_GUARD.match(sql):
        return True  # pg_dump's \restrict / \unrestrict: they only guard psql itself
    if sql.startswith("\\"):
        raise ApplyError(
            f"`{sql.split()[0]}` is a psql command, not SQL: seedkit sends SQL only",
            hint="remove the line (pg_dump writes none without --create or pg_dumpall)",
        )
    if _ROLLBACK.match(sql):
        raise ApplyError(
            "a SQL file may not ROLLBACK: seedkit runs it inside the apply's transaction",
            hint="remove the ROLLBACK (or the statements it was meant to undo)",
        )
    return _TRANSACTION.match(sql) is not None
