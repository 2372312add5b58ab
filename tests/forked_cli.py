"""seedkit's CLI in processes of their own, forked from a server that imported seedkit once.

The kill tests start the real CLI (`seedkit.cli.main`, what `python -m seedkit` and the
console script run) dozens of times per database, and kill each process with SIGKILL
in the middle of its apply. Started with `python -m seedkit`, each process spent most of
its CPU importing seedkit, SQLAlchemy, sqlglot and the drivers before its first
statement; forked from a multiprocessing forkserver that preloaded this module, it starts
at the CLI's entry with every module imported. What the process does from there on (its
connections, statements, transactions, its death by SIGKILL) is the CLI's own.

`start(argv, cwd)` returns the process (its `pid` to kill, `join()`, `exitcode`: minus
the signal when killed) and its stderr, read as it is written.
"""

from __future__ import annotations

import multiprocessing
import os
import pkgutil
import sys
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

import pymysql_context

# Imported first in the forkserver: every process forked shares one TLS context.
pymysql_context.install()

#: Modules an apply imports as it runs, imported here once, in the forkserver.
_PRELOAD = (
    "sqlalchemy.dialects.sqlite.pysqlite",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.mysql.pymysql",
    "duckdb_engine",
    "psycopg",
    "pymysql",
    "duckdb",
    "sqlglot.dialects",
)


def _run(argv: list[str], cwd: str, stderr: Connection) -> None:
    """In the forked process: stdout to /dev/null, stderr to the pipe, then the CLI."""
    os.chdir(cwd)
    os.environ["NO_COLOR"] = "1"
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(stderr.fileno(), 2)
    stderr.close()
    sys.argv = ["seedkit", *argv]
    from seedkit.cli import main

    main()  # exits the process with the CLI's code (os._exit)


_CONTEXT: multiprocessing.context.ForkServerContext | None = None


def _context() -> multiprocessing.context.ForkServerContext:
    global _CONTEXT
    if _CONTEXT is None:
        import seedkit

        _CONTEXT = multiprocessing.get_context("forkserver")
        modules = [
            m.name
            for m in pkgutil.walk_packages(seedkit.__path__, "seedkit.")
            if m.name != "seedkit.__main__"  # which runs the CLI
        ]
        _CONTEXT.set_forkserver_preload(["forked_cli", *modules, *_PRELOAD])
    return _CONTEXT


def start(argv: list[str], cwd: Path) -> tuple[BaseProcess, IO[bytes]]:
    """Start `seedkit ARGV` in `cwd`; the process, and its stderr as a stream of bytes."""
    context = _context()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(argv, str(cwd), writer))
    process.start()
    writer.close()  # the child holds the only writer: its end is the stream's end
    stream = os.fdopen(os.dup(reader.fileno()), "rb")
    reader.close()
    return process, stream
