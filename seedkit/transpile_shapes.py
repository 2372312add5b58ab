"""How one statement is transpiled: whole (`transpile_each`: sqlglot and seedkit's
rewrites), or by its shape, transpiled once: thousands of INSERTs differ only in their literals.

A dump's INSERT statements differ only in the values of their VALUES tuples, and sqlglot's
parse-and-generate costs far more than sending a statement. So a statement is cut into its
*shape* (the text with each value of a VALUES tuple replaced by a slot) and its values; the
shape is transpiled once, with a sentinel string in each slot, and the generated SQL is kept
as a template; each later statement of that shape is the template with its own values put
back, spelled as the target's generator spells them.

That equals transpiling the statement itself only where sqlglot writes a value without
looking at its neighbours, so the fast path is narrow, and anything else is transpiled
statement by statement as before:

- A slot is a plain literal standing alone between `(` or `,` and `,` or `)`: a string
  without backslashes or control characters, an integer or decimal (optionally negative),
  NULL, TRUE or FALSE. Such a string and number are written by every target exactly as they
  were read; NULL, TRUE and FALSE are spelled as the target's generator spells them.
- The shape is used only when every slot's sentinel lands, in sqlglot's own tree, directly in
  a tuple of an INSERT's VALUES, the shape becomes one statement, and each sentinel appears
  exactly once in the output.
- A statement whose tokens this scanner cannot read with certainty (dollar quotes, prefixed
  strings such as E'…', comments, an unterminated quote) is never cut.
- The first time a pair of dialects is used, a probe statement holding every kind of slot is
  transpiled both ways; if the two differ, the pair is never cut.

tests/dryrun/test_transpile_shapes.py compares both ways over generated and dump-style statements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["by_shape", "dialect_key", "run_head", "transpile_each"]

#: Shapes kept per pair of dialects; a file rarely has more than a few dozen.
MAX_SHAPES = 2048
#: A shape longer than this is not cached (one huge statement is transpiled once anyway).
MAX_SHAPE_CHARS = 1 << 20

_MARK = "\x00"  # a slot in a shape; a statement holding NUL is never cut
_SENTINEL = "zzSeedkitSlot{}zz"
_SENTINEL_FIND = re.compile(r"'zzSeedkitSlot(\d+)zz'")

# A value standing alone in a tuple: after `(` or `,`, before `,` or `)`.
_VALUE = (
    r"(?<=[(,])(?P<pre>\s*)(?P<v>'[^'\\\x00-\x1f\x7f]*(?:''[^'\\\x00-\x1f\x7f]*)*'"
    r"|-?\d+(?:\.\d+)?|(?i:null|true|false))(?=\s*[,)])"
)
# What the scanner consumes whole so that no quote, comment or slot is seen inside it.
_QUOTED = {
    "standard": r"'[^']*(?:''[^']*)*'|\"[^\"]*(?:\"\"[^\"]*)*\"",
    "mysql": r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*(?:``[^`]*)*`",
    "sqlite": r"'[^']*(?:''[^']*)*'|\"[^\"]*(?:\"\"[^\"]*)*\"|`[^`]*(?:``[^`]*)*`|\[[^\]]*\]",
}
# What makes a statement one this scanner does not cut.
_BAD = {
    "standard": r"\w'|\$|--|/\*|['\"\x00]",
    "mysql": r"\w'|\w\"|--|/\*|#|['\"`\x00]",
    "sqlite": r"\w'|--|/\*|['\"`\[\x00]",
}


# Slots alone, for statements whose every quote is in a slot (then the shape holds no quote).
# The spaces before a value are dropped from the shape: they mean nothing after `(` or `,`.
_SLOTS = re.compile(
    r"(?<=[(,])\s*"
    r"('[^'\\\x00-\x1f\x7f]*(?:''[^'\\\x00-\x1f\x7f]*)*'|-?\d+(?:\.\d+)?|(?i:null|true|false))"
    r"(?=\s*[,)])"
)
_SHAPE_UNSURE = re.compile(r"['\"`$\\#\[]|--|/\*")


def _scanner(source: str) -> re.Pattern[str]:
    family = source if source in ("mysql", "sqlite") else "standard"
    return re.compile(rf"{_VALUE}|(?P<q>{_QUOTED[family]})|(?P<bad>{_BAD[family]})", re.DOTALL)


class _Uncut(Exception):
    """The statement is not one the scanner reads with certainty."""


class _Pair:
    """The shapes of one (source, target) pair, and how the target spells NULL and booleans."""

    def __init__(self, source: str, target: str, each: Callable[[str], list[str]]) -> None:
        self.source, self.target, self.each = source, target, each
        self.scanner = _scanner(source)
        self.shapes: dict[str, tuple[list[str], list[int]] | None] = {}
        self.words = self._words()
        self.enabled = self.words is not None and self._probe()

    def _words(self) -> dict[str, str] | None:
        """NULL, TRUE and FALSE as the target writes them, read from sqlglot's own output."""
        try:
            out = self.each("INSERT INTO t VALUES (NULL, TRUE, FALSE)")
        except Exception:
            return None
        found = re.fullmatch(r"INSERT INTO t VALUES \(([^,]+), ([^,]+), ([^,]+)\)", out[0])
        if len(out) != 1 or found is None:
            return None
        return {"NULL": found[1], "TRUE": found[2], "FALSE": found[3]}

    def _probe(self) -> bool:
        """Whether cutting gives what sqlglot gives, on a statement holding every kind of slot."""
        probe = (
            "INSERT INTO t (a, b) VALUES ('it''s; -- 100%s é 日本 \"q\" ?:x', -12.50, 007, -0, "
            "12345678901234567890123, NULL, TRUE, false, null, 0, '', True),\n\t"
            "(1, 'x', Null, FALSE, 2.5, '2024-01-02 03:04:05', '{\"a\": [1, 2]}', 'a,b)', "
            "'(', ',', ')', ' ')"
        )
        try:
            return self.cut(probe) == self.each(probe)
        except Exception:
            return False

    def cut(self, sql: str) -> list[str] | None:
        """`sql` transpiled through its shape, or None when it is not one to cut."""
        words = self.words
        assert words is not None
        # The common case in two passes of the regular expression engine: every quote of the
        # statement is in a slot. Then no slot can have been found inside quoted text (the
        # first quote left in the shape would show it), and the shape is certain.
        parts = _SLOTS.split(sql)
        shape = _MARK.join(parts[0::2])
        if _SHAPE_UNSURE.search(shape) is None and _MARK not in sql:
            if len(parts) == 1:
                return None
            values = parts[1::2]
            return self._fill(
                shape, [v if v[0] not in "nNtTfF" else words[v.upper()] for v in values]
            )
        return self._cut_walking(sql)

    def _cut_walking(self, sql: str) -> list[str] | None:
        """`cut` for a statement with quoted text outside its slots: one token at a time."""
        values: list[str] = []
        words = self.words
        assert words is not None

        def slot(match: re.Match[str]) -> str:
            value = match.group("v")
            if value is not None:
                first = value[0]
                values.append(
                    value
                    if first == "'" or first == "-" or first.isdigit()
                    else words[value.upper()]
                )
                return match.group("pre") + _MARK
            if match.group("bad") is not None:
                raise _Uncut
            return match.group(0)

        try:
            shape = self.scanner.sub(slot, sql)
        except _Uncut:
            return None
        if not values:
            return None
        return self._fill(shape, values)

    def _fill(self, shape: str, values: list[str]) -> list[str] | None:
        """The shape's template (made on first sight) with `values` put back in its slots."""
        if shape in self.shapes:
            template = self.shapes[shape]
        else:
            template = self._template(shape, len(values))
            if len(shape) <= MAX_SHAPE_CHARS:
                if len(self.shapes) >= MAX_SHAPES:
                    self.shapes.clear()
                self.shapes[shape] = template
        if template is None:
            return None
        parts, order = template
        out = [parts[0]]
        for at, index in enumerate(order, 1):
            out.append(values[index])
            out.append(parts[at])
        return ["".join(out)]

    def head(self, head: str) -> str | None:
        """The target's spelling of a literal INSERT's head (`INSERT INTO t (a) VALUES`):
        the template of a two-value statement of that head must be the head, then the
        values as they are (`(`, `, `, `)`), so every tuple of plain literals is written
        as read and the whole statement as `head` + its tuples."""
        if self.words is None or any(
            self.words[w] not in spelled for w, spelled in _SAME_WORDS.items()
        ):
            return None
        shape = f"{head} ({_MARK}, {_MARK})"
        if shape not in self.shapes:
            self._fill(shape, ["NULL", "NULL"])
        template = self.shapes.get(shape)
        if template is None or template[1] != [0, 1]:
            return None
        first, between, last = template[0]
        if between != ", " or last != ")" or not first.endswith("("):
            return None
        return first[:-1].rstrip()

    def _template(self, shape: str, count: int) -> tuple[list[str], list[int]] | None:
        """The shape's generated SQL cut at each slot, and which value goes in each cut."""
        import sqlglot
        from sqlglot import exp

        pieces = shape.split(_MARK)
        text = pieces[0] + "".join(
            f"'{_SENTINEL.format(i)}'{piece}" for i, piece in enumerate(pieces[1:])
        )
        try:
            trees = [t for t in sqlglot.parse(text, read=self.source) if t is not None]
        except Exception:
            return None
        if len(trees) != 1 or not _slots_in_values(trees[0], count, exp):
            return None
        try:
            generated = self.each(text)
        except Exception:
            return None
        if len(generated) != 1:
            return None
        parts = _SENTINEL_FIND.split(generated[0])
        order = [int(i) for i in parts[1::2]]
        if sorted(order) != list(range(count)):
            return None
        return parts[0::2], order


def _slots_in_values(tree: Any, count: int, exp: Any) -> bool:
    """Every sentinel is a string literal directly in a tuple of an INSERT's VALUES, once."""
    seen = 0
    for node in tree.find_all(exp.Literal):
        if not node.is_string or not _SENTINEL_FIND.fullmatch(f"'{node.this}'"):
            continue
        tuple_ = node.parent
        values = tuple_.parent if tuple_ is not None else None
        if not (
            isinstance(tuple_, exp.Tuple)
            and isinstance(values, exp.Values)
            and isinstance(values.parent, exp.Insert)
            and node.arg_key == "expressions"
        ):
            return False
        seen += 1
    return seen == count


_PAIRS: dict[tuple[str, str], _Pair] = {}

#: How a target may spell the words of a source's plain literals and still read the same
#: value (SQLite reads TRUE as 1).
_SAME_WORDS = {"NULL": ("NULL",), "TRUE": ("TRUE", "1"), "FALSE": ("FALSE", "0")}


def dialect_key(name: str) -> str:
    """A dialect's name as seedkit compares and hands it to sqlglot (postgresql is postgres,
    mariadb is mysql), in lower case."""
    return {"postgresql": "postgres", "mariadb": "mysql"}.get(name.lower(), name.lower())


def transpile_each(sql: str, source: str, target: str) -> list[str]:
    """`sql` parsed and generated by sqlglot with seedkit's rewrites (`_rewrite`), with no
    cache: what `seedkit.transpile.transpile` must always return."""
    import sqlglot

    read, write = dialect_key(source), dialect_key(target)
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


def _pair(source: str, target: str) -> _Pair:
    pair = _PAIRS.get((source, target))
    if pair is None:
        pair = _PAIRS[(source, target)] = _Pair(
            source, target, lambda text: transpile_each(text, source, target)
        )
    return pair


def by_shape(sql: str, source: str, target: str) -> list[str] | None:
    """`sql` (one statement, in `source`) in `target`'s dialect through its shape's cached
    template, or None when the statement is not one to cut (then transpile it whole)."""
    pair = _pair(source, target)
    if not pair.enabled:
        return None
    return pair.cut(sql)


def run_head(head: str, source: str, target: str) -> str | None:
    """The head of a run of literal INSERTs (`INSERT INTO t (a, b) VALUES`, in `source`;
    seedkit.sqltext.runs) as `target` writes it, when each statement of the run becomes
    that head and its tuples as written: the portable literals of a run (quoted text, integers
    and decimals, NULL, TRUE, FALSE) are written back as read, and a target that reads
    backslashes as escapes (MySQL) needs each one doubled (the caller's part). None when
    the head is not one to keep (then the statements are transpiled one by one)."""
    pair = _pair(dialect_key(source), dialect_key(target))
    if not pair.enabled:
        return None
    return pair.head(head)


def keep_meaning(tree: Any, read: str, write: str) -> Any:
    """A parsed statement with the rewrites that keep its meaning on `write` (`_rewrite`),
    for seedkit.portable, which generates the target's SQL from its own rewritten trees."""
    return _rewrite(tree, read, write)
