"""converter_for and python_value: CSV text and TOML values to the column's Python type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from seedkit.schema import Column, TypeKind
from seedkit.types import converter_for, python_value

K = TypeKind
UTC = dt.UTC


def col(kind: TypeKind, type_: str = "") -> Column:
    return Column("c", type_ or kind.value.upper(), kind)


GOOD: list[tuple[TypeKind, str, Any]] = [
    (K.INTEGER, "42", 42),
    (K.INTEGER, "-7", -7),
    (K.INTEGER, "+7", 7),
    (K.INTEGER, "00123", 123),
    (K.INTEGER, "9223372036854775807", 9223372036854775807),
    (K.INTEGER, "-9223372036854775808", -9223372036854775808),
    (K.DECIMAL, "12.3400", Decimal("12.3400")),
    (K.DECIMAL, "-0.5", Decimal("-0.5")),
    (K.DECIMAL, ".5", Decimal("0.5")),
    (K.DECIMAL, "1e3", Decimal("1E+3")),
    (K.DECIMAL, "7", Decimal("7")),
    (K.FLOAT, "1.5", 1.5),
    (K.FLOAT, "-2e-3", -0.002),
    (K.FLOAT, "10", 10.0),
    (K.BOOLEAN, "true", True),
    (K.BOOLEAN, "TRUE", True),
    (K.BOOLEAN, "t", True),
    (K.BOOLEAN, "Yes", True),
    (K.BOOLEAN, "y", True),
    (K.BOOLEAN, "1", True),
    (K.BOOLEAN, "on", True),
    (K.BOOLEAN, "false", False),
    (K.BOOLEAN, "F", False),
    (K.BOOLEAN, "no", False),
    (K.BOOLEAN, "N", False),
    (K.BOOLEAN, "0", False),
    (K.BOOLEAN, "OFF", False),
    (K.DATE, "2025-01-01", dt.date(2025, 1, 1)),
    (K.DATE, "2024-02-29", dt.date(2024, 2, 29)),
    (K.TIME, "09:30", dt.time(9, 30)),
    (K.TIME, "16:00:05", dt.time(16, 0, 5)),
    (K.TIME, "23:59:59.123456", dt.time(23, 59, 59, 123456)),
    (K.TIME, "00:00:00.5", dt.time(0, 0, 0, 500000)),
    (K.TIMESTAMP, "2025-01-02 03:04:05", dt.datetime(2025, 1, 2, 3, 4, 5)),
    (K.TIMESTAMP, "2025-01-02T03:04", dt.datetime(2025, 1, 2, 3, 4)),
    (K.TIMESTAMP, "2025-01-02 03:04:05.25", dt.datetime(2025, 1, 2, 3, 4, 5, 250000)),
    (K.TIMESTAMP, "2025-01-02", dt.datetime(2025, 1, 2)),
    (K.TIMESTAMPTZ, "2025-01-02T03:04:05Z", dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (
        K.TIMESTAMPTZ,
        "2025-01-02 03:04:05+02:00",
        dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ),
    (
        K.TIMESTAMPTZ,
        "2025-01-02 03:04-0530",
        dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))),
    ),
    (K.TIMESTAMPTZ, "2025-01-02 03:04:05", dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (K.TIMESTAMPTZ, "2025-01-02", dt.datetime(2025, 1, 2, tzinfo=UTC)),
    (K.JSON, '{"a": [1, 2]}', '{"a": [1, 2]}'),
    (K.JSON, "3", "3"),
    (K.JSON, '"text"', '"text"'),
    (K.TEXT, "00123", "00123"),
    (K.TEXT, "  spaced  ", "  spaced  "),
    (K.TEXT, "", ""),
    (K.UUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
    (K.UUID, "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"),
    (K.UUID, "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"),
    (K.BINARY, "\\xDEADbeef", b"\xde\xad\xbe\xef"),
    (K.BINARY, "\\x", b""),
    (K.BINARY, "aGVsbG8=", b"hello"),
    (K.OTHER, "{1,2,3}", "{1,2,3}"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), GOOD)
def test_good_values(kind: TypeKind, text: str, expected: Any) -> None:
    value = converter_for(col(kind))(text)
    assert value == expected
    assert type(value) is type(expected)
    if isinstance(expected, dt.datetime):
        assert value.utcoffset() == expected.utcoffset()


BAD: list[tuple[TypeKind, str, str]] = [
    (K.INTEGER, "12x", "'12x' is not an integer"),
    (K.INTEGER, " 12", "' 12' is not an integer"),
    (K.INTEGER, "1.0", "'1.0' is not an integer"),
    (K.INTEGER, "1_000", "'1_000' is not an integer"),
    (K.INTEGER, "", "'' is not an integer"),
    (K.INTEGER, "١٢", "'١٢' is not an integer"),
    (K.DECIMAL, "NaN", "'NaN' is not a decimal number"),
    (K.DECIMAL, "Infinity", "'Infinity' is not a decimal number"),
    (K.DECIMAL, "1,5", "'1,5' is not a decimal number"),
    (K.DECIMAL, "abc", "'abc' is not a decimal number"),
    (K.FLOAT, "1.2.3", "'1.2.3' is not a number"),
    (K.FLOAT, " 1", "' 1' is not a number"),
    (K.BOOLEAN, "maybe", "'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"),
    (K.BOOLEAN, "2", "'2' is not a boolean (true/false, yes/no, on/off, 1/0)"),
    (K.DATE, "2025-13-01", "'2025-13-01' is not a date (YYYY-MM-DD)"),
    (K.DATE, "2023-02-29", "'2023-02-29' is not a date (YYYY-MM-DD)"),
    (K.DATE, "01/02/2025", "'01/02/2025' is not a date (YYYY-MM-DD)"),
    (K.DATE, "20250101", "'20250101' is not a date (YYYY-MM-DD)"),
    (K.DATE, "2025-01-01 00:00", "'2025-01-01 00:00' is not a date (YYYY-MM-DD)"),
    (K.TIME, "25:00", "'25:00' is not a time (HH:MM[:SS[.ffffff]])"),
    (K.TIME, "9:30", "'9:30' is not a time (HH:MM[:SS[.ffffff]])"),
    (K.TIME, "09:30+02:00", "'09:30+02:00' is not a time (HH:MM[:SS[.ffffff]])"),
    (K.TIME, "09:30:00.1234567", "'09:30:00.1234567' is not a time (HH:MM[:SS[.ffffff]])"),
    (
        K.TIMESTAMP,
        "2025-01-02T03:04:05Z",
        "'2025-01-02T03:04:05Z' has a time zone, but the column holds a timestamp without one",
    ),
    (
        K.TIMESTAMP,
        "2025-02-30 00:00",
        "'2025-02-30 00:00' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]])",
    ),
    (
        K.TIMESTAMP,
        "yesterday",
        "'yesterday' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]])",
    ),
    (
        K.TIMESTAMPTZ,
        "2025-01-02 03:04 UTC",
        "'2025-01-02 03:04 UTC' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][+HH:MM|Z])",
    ),
    (
        K.JSON,
        "{a: 1}",
        "'{a: 1}' is not valid JSON (Expecting property name enclosed in double quotes)",
    ),
    (K.JSON, "", "'' is not valid JSON (Expecting value)"),
    # strict JSON, as PostgreSQL, MySQL and DuckDB take it
    (K.JSON, "NaN", "'NaN' is not valid JSON (NaN is not a JSON value)"),
    (
        K.JSON,
        "[1, -Infinity]",
        "'[1, -Infinity]' is not valid JSON (-Infinity is not a JSON value)",
    ),
    (K.JSON, '"\\ud800"', "'\"\\\\ud800\"' is not valid JSON (a lone surrogate escape)"),
    (
        K.INTEGER,
        "9223372036854775808",
        "'9223372036854775808' is out of range for a 64-bit integer",
    ),
    (
        K.INTEGER,
        "-9223372036854775809",
        "'-9223372036854775809' is out of range for a 64-bit integer",
    ),
    (K.UUID, "not-a-uuid", "'not-a-uuid' is not a UUID"),
    # forms Python's uuid.UUID takes but PostgreSQL and DuckDB do not
    (
        K.UUID,
        "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "'urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9...' is not a UUID",
    ),
    (
        K.UUID,
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' is not a UUID",
    ),
    (
        K.UUID,
        "a-0eebc999c0b4ef8bb6d6bb9bd380a11",
        "'a-0eebc999c0b4ef8bb6d6bb9bd380a11' is not a UUID",
    ),
    (K.BINARY, "\\xZZ", "'\\\\xZZ' is neither \\x-prefixed hex nor base64"),
    (K.BINARY, "hello!", "'hello!' is neither \\x-prefixed hex nor base64"),
]


@pytest.mark.parametrize(("kind", "text", "message"), BAD)
def test_bad_values(kind: TypeKind, text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        converter_for(col(kind))(text)
    assert str(info.value) == message


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ValueError, match=r"^'x{37}\.\.\.' is not an integer$"):
        converter_for(col(K.INTEGER))("x" * 100)


def test_float_special_values() -> None:
    to_float = converter_for(col(K.FLOAT))
    assert to_float("inf") == float("inf")
    assert to_float("-Infinity") == float("-inf")
    assert to_float("NaN") != to_float("NaN")  # NaN


def test_time_with_zone_takes_an_offset() -> None:
    for type_ in ("TIMETZ", "TIME WITH TIME ZONE"):
        value = converter_for(col(K.TIME, type_))("09:30+02:00")
        assert value == dt.time(9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert converter_for(col(K.TIME, "TIMETZ"))("09:30") == dt.time(9, 30)


def test_text_length_is_not_checked_here() -> None:
    column = Column("c", "VARCHAR(2)", K.TEXT, length=2)
    assert converter_for(column)("longer") == "longer"


PY_GOOD: list[tuple[TypeKind, Any, Any]] = [
    (K.INTEGER, 5, 5),
    (K.INTEGER, "0042", 42),
    (K.DECIMAL, 5, Decimal(5)),
    (K.DECIMAL, 0.1, Decimal("0.1")),
    (K.DECIMAL, "1.50", Decimal("1.50")),
    (K.FLOAT, 2, 2.0),
    (K.FLOAT, 2.5, 2.5),
    (K.BOOLEAN, True, True),
    (K.BOOLEAN, "no", False),
    (K.DATE, dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
    (K.DATE, "2025-01-01", dt.date(2025, 1, 1)),
    (K.TIME, dt.time(9, 30), dt.time(9, 30)),
    (K.TIMESTAMP, dt.datetime(2025, 1, 1, 12), dt.datetime(2025, 1, 1, 12)),
    (K.TIMESTAMPTZ, dt.datetime(2025, 1, 1, 12), dt.datetime(2025, 1, 1, 12, tzinfo=UTC)),
    (
        K.TIMESTAMPTZ,
        dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        dt.datetime(2025, 1, 1, 11, tzinfo=UTC),
    ),
    (K.JSON, {"a": [1, 2]}, '{"a": [1, 2]}'),
    (K.JSON, [1, "x"], '[1, "x"]'),
    (K.JSON, True, "true"),
    (K.JSON, '{"a": 1}', '{"a": 1}'),
    (K.TEXT, "New Year", "New Year"),
    (K.OTHER, [1, 2], [1, 2]),
]


@pytest.mark.parametrize(("kind", "value", "expected"), PY_GOOD)
def test_python_value(kind: TypeKind, value: Any, expected: Any) -> None:
    result = python_value(col(kind), value)
    assert result == expected
    assert type(result) is type(expected)


PY_BAD: list[tuple[TypeKind, Any, str]] = [
    (K.DATE, True, "a date column cannot take the boolean True"),
    (
        K.DATE,
        dt.datetime(2025, 1, 1, 5),
        "a date column cannot take the datetime 2025-01-01T05:00:00",
    ),
    (K.INTEGER, True, "an integer column cannot take the boolean True"),
    (K.INTEGER, 1.5, "an integer column cannot take the float 1.5"),
    (K.BOOLEAN, 1, "a boolean column cannot take the integer 1"),
    (K.TEXT, 12, "a text column cannot take the integer 12"),
    (K.TIME, dt.date(2025, 1, 1), "a time column cannot take the date 2025-01-01"),
    (K.UUID, [1], "a uuid column cannot take the array [1]"),
    (K.DECIMAL, {"a": 1}, "a decimal column cannot take the table {'a': 1}"),
    (
        K.TIMESTAMP,
        dt.datetime(2025, 1, 1, tzinfo=UTC),
        "2025-01-01 00:00:00+00:00 has a time zone, but the column holds a timestamp without one",
    ),
    (
        K.JSON,
        {"d": dt.date(2025, 1, 1)},
        "cannot be written as JSON: Object of type date is not JSON serializable",
    ),
    (K.INTEGER, "x", "'x' is not an integer"),
]


@pytest.mark.parametrize(("kind", "value", "message"), PY_BAD)
def test_python_value_mismatch(kind: TypeKind, value: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        python_value(col(kind), value)
    assert str(info.value) == message
