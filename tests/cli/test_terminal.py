"""What a person sees on a terminal: `seedkit apply` run under a pseudo-terminal, its bytes
rendered by a terminal emulator (pyte), so cursor moves and erased lines count as they
would on screen. A failed step's error and hint must stay on the final screen."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte

COLUMNS, LINES = 120, 40


def run_on_terminal(args: list[str], cwd: Path, timeout: float = 60.0) -> tuple[int, str]:
    """Run `python -m seedkit ARGS` with a pseudo-terminal as its standard streams; return
    the exit code and the final screen, one line per row, trailing blanks removed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedkit", *args],
        cwd=cwd,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            received += data
    finally:
        os.close(leader)
    code = proc.wait(timeout=10)
    screen = pyte.Screen(COLUMNS, LINES)
    pyte.ByteStream(screen).feed(bytes(received))
    return code, "\n".join(line.rstrip() for line in screen.display).strip("\n")


def _failing_seed(folder: Path) -> None:
    """A seed whose SQL step fails at its second statement, after a CSV step loaded rows."""
    (folder / "data").mkdir()
    (folder / "seed.toml").write_text(
        '[project]\nname = "tty"\ndialect = "postgres"\nddl = ["data/schema.sql"]\n\n'
        '[steps.a]\ncsv = "data/a.csv"\n\n'
        '[steps.b]\nsql = "data/b.sql"\ndepends_on = ["a"]\n'
    )
    (folder / "data" / "schema.sql").write_text(
        "CREATE TABLE a (id integer PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE b (id integer PRIMARY KEY);\n"
    )
    (folder / "data" / "a.csv").write_text("id,name\n1,x\n2,y\n")
    (folder / "data" / "b.sql").write_text(
        "INSERT INTO b VALUES (1);\nINSERT INTO nope VALUES (1);\n"
    )


def _assert_error_on_screen(screen: str, message: str) -> None:
    lines = screen.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, screen
    at = errors[0]
    assert lines[at].startswith(f"error: data/b.sql:2:1: {message}"), screen
    assert lines[at + 1] == "  hint: fix the statement; nothing was applied", screen
    # the bars are still there above the error, and nothing follows the hint
    assert any(line.startswith("a (csv)") and " 2 rows " in line for line in lines[:at]), screen
    # the DDL bar says the rows the summary would say: none
    ddl = [line for line in lines if line.startswith("data/schema.sql (ddl)")]
    assert len(ddl) == 1 and " 0 rows " in ddl[0], screen
    assert lines[at + 2 :] == [], screen
    assert "error ignored" not in screen, screen


def test_a_failed_apply_leaves_its_error_on_a_sqlite_terminal(tmp_path: Path) -> None:
    _failing_seed(tmp_path)
    code, screen = run_on_terminal(["apply", "--url", "sqlite:///tty.db"], tmp_path)
    assert code == 1, screen
    _assert_error_on_screen(screen, "no such table: nope")


def test_a_failed_apply_leaves_its_error_on_a_postgres_terminal(
    tmp_path: Path, pg_url: str
) -> None:
    _failing_seed(tmp_path)
    code, screen = run_on_terminal(["apply", "--url", pg_url], tmp_path)
    assert code == 1, screen
    _assert_error_on_screen(screen, 'relation "nope" does not exist')
