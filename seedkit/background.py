"""Threads that work beside a load without slowing it.

A fast loader's critical path is the database's own work (DuckDB's threads, SQLite's
statements) or the thread feeding it. Work that only has to be done by the step's end,
hashing a file for history or checking its quoting, runs in a helper thread, and on a
machine with few cores it would take turns with the critical path. `helper_pool` makes
that thread yield: on Linux, where a thread has its own nice value, it runs at the
lowest priority and gets the cores when the database leaves them idle; elsewhere it is
an ordinary thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: The nice value of helper threads (19: the lowest priority).
HELPER_NICENESS = 19


def lower_thread_priority() -> None:
    """Give the calling thread the lowest CPU priority, where the platform allows it."""
    if hasattr(os, "setpriority"):
        # OSError: not permitted, or a platform where the id is not a thread's.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HELPER_NICENESS)


def helper_pool(name: str) -> ThreadPoolExecutor:
    """A one-thread pool whose thread yields to the critical path (see the module)."""
    return ThreadPoolExecutor(
        max_workers=1, thread_name_prefix=name, initializer=lower_thread_priority
    )
