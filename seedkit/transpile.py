"""Portable SQL: statements written in the manifest's dialect, sent in the target's.

sqlglot does the translation; a few rewrites keep the source's meaning where the
target's defaults differ (listed in `_rewrite`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


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

    read, write = _norm(source), _norm(target)
    out = []
    for tree in sqlglot.parse(sql, read=read):
        if tree is None:
            continue
        out.append(_rewrite(tree, read, write).sql(dialect=write))
    return [s for s in out if s]


def _rewrite(tree: Any, read: str, write: str) -> Any:
    """Keep the source's meaning where the target's defaults differ.

    - An index's columns lose any NULLS FIRST/LAST (see below).
    - PostgreSQL's TIME and TIMESTAMP keep microseconds; MySQL's keep whole seconds
      unless given a precision, so they get (6). MySQL's TIMESTAMP also stops in 2038,
      so a zoned timestamp becomes DATETIME(6), holding UTC.
    """
    from sqlglot import exp

    if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "INDEX":
        # NULL ordering does not change what an index accepts, and SQLite and MySQL
        # refuse the NULLS FIRST/LAST sqlglot would spell out for them.
        for ordered in list(tree.find_all(exp.Ordered)):
            if ordered.args.get("desc"):
                ordered.set("nulls_first", None)
            else:
                ordered.replace(ordered.this.copy())
    if read == "postgres" and write == "mysql":
        six = exp.DataTypeParam(this=exp.Literal.number(6))
        for node in tree.find_all(exp.DataType):
            kind = node.this
            if kind in (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ):
                node.set("this", exp.DataType.Type.DATETIME)
            if (
                node.this
                in (
                    exp.DataType.Type.TIMESTAMP,
                    exp.DataType.Type.DATETIME,
                    exp.DataType.Type.TIME,
                )
                and not node.expressions
            ):
                node.set("expressions", [six.copy()])
    return tree
