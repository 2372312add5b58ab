"""One SSL context per test process for PyMySQL's "preferred" TLS, instead of one per
connection.

PyMySQL 2.2 tries TLS on every connection given no SSL option, and for that builds a
default SSL context each time, reading the whole CA bundle (30-90 ms of CPU), although
the context verifies nothing (CERT_NONE, no host name check) and is the same every time.
The MariaDB tests open hundreds of connections: building it was more than half of their
CPU. `install()` keeps the first such context and gives it to every later connection;
a connection given SSL options still gets its own. What a connection does is unchanged.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Wrap PyMySQL's context factory for the no-options case (once per process)."""
    try:
        from pymysql.connections import Connection
    except ImportError:  # no MySQL driver: nothing to speed up
        return
    create = Connection._create_ssl_ctx
    if getattr(create, "seedkit_shared", False):
        return
    shared: list[Any] = []

    def create_once(self: Connection, sslp: Any) -> Any:
        if not (isinstance(sslp, dict) and not sslp):
            return create(self, sslp)
        if not shared:
            shared.append(create(self, sslp))
        return shared[0]

    create_once.seedkit_shared = True  # type: ignore[attr-defined]
    Connection._create_ssl_ctx = create_once  # type: ignore[method-assign]
