"""The splitter's shortcut for plain statements gives exactly what its token walk gives."""

from __future__ import annotations

import random

import pytest

import seedkit.sources.sqlsplit as sqlsplit
from seedkit.errors import ApplyError
from seedkit.sources._sqlbuffer import CHUNK
from seedkit.sources.sqlsplit import split_sql

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


def _split(text: str, dialect: str | None) -> object:
    try:
        return [(s.text, s.line, s.column) for s in split_sql(text, dialect, source="f.sql")]
    except ApplyError as exc:
        return ("error", exc.message, str(exc.location))


@pytest.mark.parametrize("dialect", [None, "postgres", "mysql", "sqlite", "duckdb"])
def test_shortcut_equals_the_walk(dialect: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(dialect or "generic")
    scripts = [
        "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(1, 30))) for _ in range(1500)
    ]
    fast = [_split(s, dialect) for s in scripts]
    monkeypatch.setattr(sqlsplit, "plain_end", lambda *args: None)
    assert [_split(s, dialect) for s in scripts] == fast


def test_shortcut_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement cut by the window's end is walked, and ends where it would have."""
    text = "".join(
        f"INSERT INTO t VALUES ({i}, 'x;{'y' * (i % 50)}');\n" for i in range(CHUNK // 20)
    )
    fast = _split(text, "postgres")
    monkeypatch.setattr(sqlsplit, "plain_end", lambda *args: None)
    assert _split(text, "postgres") == fast
    assert isinstance(fast, list) and len(fast) == CHUNK // 20
