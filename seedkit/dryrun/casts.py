"""The dry run's casts: DuckDB expressions that accept a field's text exactly when
seedkit's converter for its column does, and turn it into the column's value.

Used by the dry run's CSV loader (`seedkit.dryrun.loader`): `convert_sql` inside the
one statement that loads a file, `valid_sql` to find the bad values when it fails.
"""

from __future__ import annotations

from seedkit.loaders.csvscan import DECIMAL, INT, re2_pattern
from seedkit.schema import Column, TypeKind
from seedkit.types import FALSE_WORDS, FLOAT_WORDS, TRUE_WORDS

# The scanner's patterns in RE2's syntax: the same text as seedkit's converters take.
_INT = re2_pattern(INT)
_DECIMAL = re2_pattern(DECIMAL)
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_FLOAT_WORDS = tuple(sorted(FLOAT_WORDS))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_quoted(v) for v in values) + ")"


def valid_sql(column: Column, v: str, exact: bool = True) -> str | None:
    """A DuckDB condition true when text `v` converts by seedkit's rules for `column`.

    With `exact=False` dates and times are checked by their shape only (the cast on insert
    refuses impossible ones such as 2024-13-45): the fast path stays fast."""
    kind = column.kind
    if not exact and kind in (
        TypeKind.DATE,
        TypeKind.TIME,
        TypeKind.TIMESTAMP,
        TypeKind.TIMESTAMPTZ,
    ):
        return _shape(column, v)
    if kind is TypeKind.INTEGER:
        return f"regexp_full_match({v}, '{_INT}')"
    if kind is TypeKind.DECIMAL:
        return f"regexp_full_match({v}, '{_DECIMAL}')"
    if kind is TypeKind.FLOAT:
        return f"(regexp_full_match({v}, '{_DECIMAL}') OR lower({v}) IN {_in(_FLOAT_WORDS)})"
    if kind is TypeKind.BOOLEAN:
        return f"lower({v}) IN {_in(TRUE_WORDS + FALSE_WORDS)}"
    if kind is TypeKind.DATE:
        return f"(regexp_full_match({v}, '{_DATE}') AND try_cast({v} AS DATE) IS NOT NULL)"
    if kind is TypeKind.TIME:
        upper = column.type.upper()
        zone = f"{_ZONE}?" if "TZ" in upper or "TIME ZONE" in upper else ""
        return f"(regexp_full_match({v}, '{_TIME}{zone}') AND try_cast({v} AS TIME) IS NOT NULL)"
    if kind is TypeKind.TIMESTAMP:
        return (
            f"(regexp_full_match({v}, '{_DATE}(?:[T ]{_TIME})?') "
            f"AND try_cast({v} AS TIMESTAMP) IS NOT NULL)"
        )
    if kind is TypeKind.TIMESTAMPTZ:
        return (
            f"(regexp_full_match({v}, '{_DATE}(?:[T ]{_TIME}{_ZONE}?)?') "
            f"AND try_cast({v} AS TIMESTAMPTZ) IS NOT NULL)"
        )
    if kind is TypeKind.JSON:
        return f"json_valid({v})"
    if kind is TypeKind.UUID:
        return f"try_cast({v} AS UUID) IS NOT NULL"
    return None


def _shape(column: Column, v: str) -> str:
    kind = column.kind
    if kind is TypeKind.DATE:
        pattern = _DATE
    elif kind is TypeKind.TIME:
        upper = column.type.upper()
        pattern = _TIME + (f"{_ZONE}?" if "TZ" in upper or "TIME ZONE" in upper else "")
    elif kind is TypeKind.TIMESTAMP:
        pattern = f"{_DATE}(?:[T ]{_TIME})?"
    else:
        pattern = f"{_DATE}(?:[T ]{_TIME}{_ZONE}?)?"
    return f"regexp_full_match({v}, '{pattern}')"


def convert_sql(column: Column, v: str) -> str:
    """The DuckDB expression turning text `v` into the column's value, failing on bad text."""
    if column.kind is TypeKind.BOOLEAN:
        return (
            f"CASE WHEN {v} IS NULL THEN NULL WHEN lower({v}) IN {_in(TRUE_WORDS)} THEN true "
            f"WHEN lower({v}) IN {_in(FALSE_WORDS)} THEN false ELSE error('bad boolean') END"
        )
    valid = valid_sql(column, v, exact=False)
    if valid is None:
        return v
    return f"CASE WHEN {v} IS NULL OR {valid} THEN {v} ELSE error('bad value') END"
