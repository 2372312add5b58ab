"""The scanner's field patterns: what they vouch for, in Python's `re` and in DuckDB's RE2.

A fast loader hands a field to the database only when its column's pattern matches,
so a match must mean seedkit's converter takes the text; DuckDB's loader asks RE2 the
same question (`re2_pattern`), so both engines must answer alike, value by value.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from seedkit.adapters.csvscan import re2_pattern
from seedkit.schema import Column, TypeKind
from seedkit.typerules import RULES
from seedkit.types import converter_for

K = TypeKind

SAMPLES: dict[TypeKind, list[str]] = {
    K.INTEGER: ["42", "-7", "+7", "00123", "", " 1", "1 ", "1_000", "0x10", "1.0", "+", "١٢"],
    K.DECIMAL: ["12.34", "-0.5", ".5", "5.", "1e3", "1E-3", "1e", ".", "+.5", "1,5", "e3"],
    K.FLOAT: ["1.5", "-2e-3", "nan", "NaN", "inf", "-Infinity", "+inf", "infinit", "1.5.2"],
    K.BOOLEAN: ["true", "TRUE", "t", "Yes", "y", "1", "On", "false", "F", "no", "0", "off"]
    + ["tru", "yes ", "2", "", "oui"],
    K.DATE: ["2025-01-01", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29"]
    + ["0000-01-01", "0001-01-01", "0010-01-01", "0100-01-01", "1000-01-01", "0400-02-29"]
    + ["2025-04-31", "2025-13-01", "2025-1-01", "25-01-01", "2025-01-01 "],
    K.TIMESTAMP: ["2025-01-02 03:04:05", "2025-01-02T03:04", "2025-01-02 03:04:05.25"]
    + ["2025-01-02", "2025-01-02 24:00", "2025-01-02 03:04:05.1234567", "2025-01-02T03:04Z"],
    K.TIMESTAMPTZ: ["2025-01-02T03:04:05Z", "2025-01-02 03:04:05+02:00", "2025-01-02 03:04-0530"]
    + ["2025-01-02 03:04 UTC", "2025-01-02 03:04+24:00", "2025-01-02+01"],
    K.TIME: ["09:30", "16:00:05", "23:59:59.123456", "24:00", "9:30", "09:60", "09:30:00.1234567"],
}

PATTERNS = {kind: rule.exact for kind, rule in RULES.items() if rule.exact}


def _cases() -> list[tuple[TypeKind, str]]:
    return [(kind, text) for kind, texts in SAMPLES.items() for text in texts]


def _accepted(kind: TypeKind, text: str) -> bool:
    try:
        converter_for(Column("c", kind.value.upper(), kind))(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(("kind", "text"), _cases())
def test_a_field_the_pattern_takes_is_one_seedkit_converts(kind: TypeKind, text: str) -> None:
    if re.fullmatch(PATTERNS[kind], text):
        assert _accepted(kind, text)


def test_re2_answers_as_python_does_on_every_sample() -> None:
    cases = _cases()
    python = [re.fullmatch(PATTERNS[kind], text) is not None for kind, text in cases]
    with duckdb.connect() as db:
        re2 = [
            db.execute(
                "SELECT regexp_full_match(?, ?)", [text, re2_pattern(PATTERNS[kind])]
            ).fetchone()[0]  # type: ignore[index]
            for kind, text in cases
        ]
    assert re2 == python
    # The samples hold both answers for every kind, so the comparison means something.
    for kind in SAMPLES:
        answers = {ok for (k, _), ok in zip(cases, python, strict=True) if k is kind}
        assert answers == {True, False}, kind


def test_year_zero_is_refused_and_every_other_year_taken() -> None:
    date = PATTERNS[K.DATE]
    assert re.fullmatch(date, "0000-01-01") is None
    taken = [f"{year:04d}-01-01" for year in range(1, 10000)]
    assert all(re.fullmatch(date, text) for text in taken)
