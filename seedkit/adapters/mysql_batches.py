"""MySQL and MariaDB's batches: many statements in one multi-statement query.

The connection is opened with CLIENT.MULTI_STATEMENTS, as the `mysql` client does. The
server stops at the first failing statement and the results before it say which one that
is, so the statements before it have run exactly as they would have one by one, and the
step's transaction rolls back as before. A statement holding a `;` of its own (a custom
DELIMITER) is sent alone, so results and statements stay one to one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from seedkit.adapters.batches import Batcher, _trace
from seedkit.adapters.trace import tracing

if TYPE_CHECKING:
    from seedkit.sources.base import LocatedRun, LocatedStatement

_DATA_MYSQL = re.compile(r"(?:insert|update|delete|replace)\b", re.IGNORECASE)
# MySQL text a `;` may hide in: strings, quoted names, comments.
_MYSQL_QUOTED = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*`|--[^\n]*|#[^\n]*|/\*.*?\*/",
    re.DOTALL,
)


class MysqlBatcher(Batcher):
    """MySQL and MariaDB: one multi-statement query; the results say which one failed."""

    data = _DATA_MYSQL

    def fits(self, sql: str) -> bool:
        """A statement with a `;` of its own would give more results than statements."""
        return ";" not in sql or ";" not in _MYSQL_QUOTED.sub("", sql)

    def add_run(self, run: LocatedRun, head: str, ported: bool) -> bool:
        """The run in one multi-statement query: as written when not transpiled."""
        self.flush()

        def statements() -> list[tuple[str, LocatedStatement]]:
            return list(zip(self.run_statements(run, head, ported), run.statements(), strict=True))

        if not ported and head == run.head:
            text = run.run.text[:-1]  # without its last `;`: one result per statement
        else:
            text = ";\n".join(self.run_statements(run, head, ported))
        if tracing():
            _trace(statements())
        self._send_text(text, statements)
        return True

    def run_statements(self, run: LocatedRun, head: str, ported: bool) -> list[str]:
        """Each statement; where ported, each backslash (only ever in quoted text, in a
        run) doubled, as MySQL reads it as an escape and the source as itself."""
        if ported:
            return [f"{head} {tuples.replace(chr(92), chr(92) * 2)}" for tuples in run.run.tuples()]
        return super().run_statements(run, head, ported)

    def send(self, batch: list[tuple[str, LocatedStatement]]) -> None:
        _trace(batch)
        self._send_text("\n;\n".join(sql for sql, _ in batch), lambda: batch)

    def _send_text(
        self, text: str, batch: Callable[[], list[tuple[str, LocatedStatement]]]
    ) -> None:
        """Statements in one query; the statement that fails is the one after those whose
        results came back (``batch()`` gives them, to name it)."""
        import pymysql

        done = 0
        cursor = self.driver.cursor()
        try:
            # Bytes that are not UTF-8 (a dump's raw BLOB values, read as surrogates) go
            # back as those bytes.
            cursor.execute(text.encode(self.driver.encoding, "surrogateescape"))
            while True:
                self.rows += max(cursor.rowcount, 0)
                done += 1
                if not cursor.nextset():
                    break
        except pymysql.Error as exc:
            statements = batch()
            raise self.error(exc, statements[min(done, len(statements) - 1)][1]) from None
        finally:
            cursor.close()
