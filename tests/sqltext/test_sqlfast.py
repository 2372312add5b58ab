"""The splitter's shortcut for plain statements gives exactly what its token walk gives."""

from __future__ import annotations

import random

import pytest

import seedkit.sqltext.split as sqlsplit
from seedkit.errors import ApplyError
from seedkit.sqltext import _buffer as _sqlbuffer
from seedkit.sqltext._buffer import CHUNK
from seedkit.sqltext.split import split_sql_stream

PIECES = [
    "INSERT INTO t VALUES (1, 'a')",
    "'it''s; x'",
    '"q;""x"',
    "`b;t`",
    "E'a\\'; b'",
    "e'\\''",
    "'a\\'",
    "\\",
    "-- c; 'x\n",
    "--x\n",
    "# h; '\n",
    "/* c; ' */",
    "/*! 5 ; */",
    "$$ ; $$",
    "$t$ ; ' $t$",
    "$1",
    ";",
    ";;",
    "\n",
    " ",
    "-",
    "/",
    "*",
    "x",
    "e",
    "E",
    "(",
    ")",
    ",",
    "CREATE TRIGGER tr BEGIN SELECT 1; END",
    "BEGIN",
    "END",
    "CASE",
    "DELIMITER //\n",
    "//",
    "'",
    '"',
    "`",
    "[x;]",
    "é",
    "1.5",
    "NULL",
    "''",
    "\r\n",
]


def _split(text: str, dialect: str | None, chunk: int = 0) -> object:
    pieces = iter([text[i : i + chunk] for i in range(0, len(text), chunk)] if chunk else [text])
    try:  # with `chunk`, read that many characters at a time: the window cuts statements
        found = split_sql_stream(lambda size: next(pieces, ""), dialect, source="f.sql")
        return [(s.text, s.line, s.column) for s in found]
    except ApplyError as exc:
        return ("error", exc.message, str(exc.location))


@pytest.mark.parametrize("dialect", [None, "postgres", "mysql", "sqlite", "duckdb"])
def test_shortcut_equals_the_walk(dialect: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(dialect or "generic")
    scripts = [
        "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(1, 30))) for _ in range(1500)
    ]
    fast = [_split(s, dialect) for s in scripts]
    monkeypatch.setattr(_sqlbuffer, "CHUNK", 3)
    streamed = [_split(s, dialect, chunk=5) for s in scripts]
    monkeypatch.setattr(sqlsplit, "plain_end", lambda *args: None)
    slow = [_split(s, dialect) for s in scripts]
    assert slow == fast
    assert streamed == fast


def test_shortcut_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement cut by the window's end is walked, and ends where it would have."""
    text = "".join(
        f"INSERT INTO t VALUES ({i}, 'x;{'y' * (i % 50)}');\n" for i in range(CHUNK // 20)
    )
    fast = _split(text, "postgres")
    monkeypatch.setattr(sqlsplit, "plain_end", lambda *args: None)
    assert _split(text, "postgres") == fast
    assert isinstance(fast, list) and len(fast) == CHUNK // 20
