"""`check` and `apply` accept and refuse the same CSV files, at the same place.

The dry run reads a CSV with DuckDB's reader only where that read is proven to be
seedkit's, and with seedkit's own reader otherwise (`seedkit.dryrun.csvload`). Each
construct below was read one way by `check` and the other by `apply` (issue 19, item 3);
then a seeded generator makes files valid and invalid in every way a CSV can be, and
`check` must say what `apply` to SQLite says.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app
from seedkit.errors import SeedError

SCHEMA = """\
CREATE TABLE t (
    id      BIGINT UNIQUE,
    amount  NUMERIC(30, 6),
    flag    BOOLEAN,
    day     DATE,
    at      TIME,
    stamp   TIMESTAMP,
    zoned   TIMESTAMPTZ,
    doc     JSON,
    label   TEXT NOT NULL,
    ref     UUID
);
"""
HEADER = "id,amount,flag,day,at,stamp,zoned,doc,label,ref"
GOOD = (
    '1,2.5,true,2024-02-29,10:00,2024-01-01 10:00:00,2024-01-01 10:00+02:00,"{""a"": 1}",ok,'
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
)
VALID_UUID = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"


def write_seed(root: Path, data: bytes, options: str = "") -> Path:
    """A seed in `root` loading `data` as t.csv into table t."""
    (root / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (root / "t.csv").write_bytes(data)
    (root / "seed.toml").write_text(
        '[project]\nname = "agree"\ndialect = "postgres"\nddl = ["schema.sql"]\n\n'
        f'[steps.t]\ncsv = {{ path = "t.csv"{options} }}\n',
        encoding="utf-8",
    )
    return root / "seed.toml"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside tmp_path, so reported paths are the seed's own file names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli_check(root: Path) -> tuple[int, list[str]]:
    """`seedkit check`'s exit code and each problem's place, file:line:column."""
    result = CliRunner().invoke(app, ["check", "-m", str(root / "seed.toml"), "--format", "json"])
    problems = json.loads(result.stdout)["problems"]
    return result.exit_code, [f"{p['file']}:{p['line']}:{p['column']}" for p in problems]


def cli_apply(root: Path) -> tuple[int, str | None]:
    """`seedkit apply` to SQLite: its exit code and the place its error names."""
    url = f"sqlite:///{root / 'target.db'}"
    result = CliRunner().invoke(app, ["apply", "-m", str(root / "seed.toml"), "--url", url])
    found = re.search(r"^error: (\S+): ", result.stderr, re.M)
    return result.exit_code, found[1].rstrip(":") if found else None


# The values `check` took and `apply` refuses: (column, value, place of the error).
REFUSED = [
    ("label", '5" pipe', "t.csv:3:86"),  # the stray quote
    ("stamp", "2025-01-01 24:00:00", "t.csv:3:29"),
    ("day", "0000-01-01", "t.csv:3:12"),
    ("zoned", "2025-01-01 00:00:00+25:00", "t.csv:3:49"),
    ("doc", "NaN", "t.csv:3:72"),
]


def _row_with(field: str, value: str) -> str:
    """Row 2: the good row with id 2 and `value` in `field`."""
    values = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    values["id"] = "2"
    values[field] = value
    return ",".join(values.values())


@pytest.mark.parametrize(("field", "value", "place"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_value_apply_refuses_check_refuses_at_the_same_place(
    in_tmp: Path, field: str, value: str, place: str
) -> None:
    write_seed(in_tmp, f"{HEADER}\n{GOOD}\n{_row_with(field, value)}\n".encode())
    assert cli_apply(in_tmp) == (1, place)
    assert cli_check(in_tmp) == (1, [place])


ESCAPED = '"say \\"hi\\""'  # "say \"hi\"" with escape = "\\"


@pytest.mark.parametrize(
    ("value", "place"),
    [
        ("not-a-uuid", "t.csv:3:6"),  # apply's fast path on SQLite stored it
        ("urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "t.csv:3:6"),  # DuckDB refused it
    ],
)
def test_a_uuid_apply_refuses_check_refuses_at_the_same_place(
    in_tmp: Path, value: str, place: str
) -> None:
    write_seed(in_tmp, f"id,label,ref\n1,ok,{VALID_UUID}\n2,ok,{value}\n".encode())
    assert cli_apply(in_tmp) == (1, place)
    assert cli_check(in_tmp) == (1, [place])


# The files `check` refused ("DuckDB cannot read this CSV file") and `apply` loads.
LOADED = {
    "crlf header, lf rows": (f"{HEADER}\r\n{GOOD}\n{_row_with('label', 'x')}\n".encode(), ""),
    "backslash escape": (
        f"{HEADER}\n{GOOD}\n{_row_with('label', ESCAPED)}\n".encode(),
        ', escape = "\\\\"',
    ),
    "a 5 MB field": (f"{HEADER}\n{GOOD}\n{_row_with('label', 'x' * (5 << 20))}\n".encode(), ""),
}


@pytest.mark.parametrize("name", list(LOADED))
def test_a_file_apply_loads_check_passes(in_tmp: Path, name: str) -> None:
    data, options = LOADED[name]
    write_seed(in_tmp, data, options)
    assert cli_apply(in_tmp) == (0, None)
    assert cli_check(in_tmp) == (0, [])
    report = api.check(in_tmp / "seed.toml")
    assert [(s.name, s.rows) for s in report.steps if s.name == "t"] == [("t", 2)]


# -- the property: generated files, valid and invalid -----------------------------------

#: Each column's values: (valid, invalid) by seedkit's converters.
VALUES: dict[str, tuple[list[str], list[str]]] = {
    "id": (
        ["0", "-7", "+7", "007", "9223372036854775807", "-9223372036854775808"],
        ["9223372036854775808", "-9223372036854775809", "1" * 30, "1.0", "1e3", " 1", "x"],
    ),
    "amount": (
        ["2.5", "-0.5", ".5", "5.", "1e3", "+1.5E-2", "12345678901234567890.123456", "1.1234567"],
        ["NaN", "inf", "1,5", "abc", "1e", "--1", ""],
    ),
    "flag": (["true", "FALSE", "yes", "n", "1", "0", "On", "off", "t"], ["maybe", "tru", " true"]),
    "day": (
        ["2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31", "2023-12-31"],
        ["2023-02-29", "1900-02-29", "0000-01-01", "2024-1-1", "2024-13-01", "2024-04-31"],
    ),
    "at": (
        ["10:00", "23:59:59", "23:59:59.999999", "00:00:00.5", "00:00"],
        ["24:00", "24:00:00", "10:60", "1:00", "10:00+02:00", "10:00:00.1234567"],
    ),
    "stamp": (
        ["2024-01-01 10:00:00", "2024-01-01T10:00", "2024-01-01", "2024-02-29 23:59:59.123456"],
        [
            "2025-01-01 24:00:00",
            "2024-01-01 10:00:00+02:00",
            "0000-01-01 00:00:00",
            "2024-01-01 10:00:61",
        ],
    ),
    "zoned": (
        [
            "2024-01-01 10:00:00+14:00",
            "2024-01-01 10:00:00-12:00",
            "2024-01-01T10:00Z",
            "2024-01-01 10:00+0530",
            "2024-01-01",
            "2024-01-01 10:00:00+05",
            "2024-02-29 10:00:00.5-03:30",
        ],
        ["2025-01-01 00:00:00+25:00", "2024-01-01 10:00:00+24:00", "2024-01-01 10:00 UTC"],
    ),
    "doc": (
        ['{"a": 1}', "[1, 2]", '"text"', "3", "null", "true", '{"é": "日本"}', '"\\ud83d\\ude00"'],
        ["NaN", "Infinity", "[1, NaN]", '"\\ud800"', "{a: 1}", "", "[1,"],
    ),
    "label": (
        [
            "ok",
            "héllo",
            "日本語",
            "emoji 😀",
            "with, comma",
            'say "hi"',
            "two\nlines",
            "a\r\nb",
            "",
            " x ",
        ],
        [],
    ),
    "ref": (
        [
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "A0EEBC999C0B4EF8BB6D6BB9BD380A11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        ],
        [
            "not-a-uuid",
            "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{a0eebc999c0b4ef8bb6d6bb9bd380a11",
        ],
    ),
}
NULLABLE = {"label": False}
NAMES = list(VALUES)


@dataclass
class Case:
    """One generated seed: the CSV's bytes and the step's extra options."""

    data: bytes
    options: str

    def __str__(self) -> str:
        shown = self.data if len(self.data) < 3000 else self.data[:3000] + b"..."
        return f"options {self.options!r}, file {shown!r}"


@dataclass(frozen=True)
class Dialect:
    """How a generated file is written."""

    delimiter: str = ","
    null: str = ""
    escape: bool = False

    def options(self) -> str:
        """The step's csv options for this dialect, as TOML."""
        out = ', escape = "\\\\"' if self.escape else ""
        if self.delimiter != ",":
            out += f", delimiter = {json.dumps(self.delimiter)}"
        if self.null:
            out += f", null = [{json.dumps(self.null)}]"
        return out


def _field(rng: random.Random, value: str | None, how: Dialect) -> str:
    """A value written as a CSV field: quoted when it must be (sometimes when it need not)."""
    if value is None:
        return how.null
    needs = value in ("", how.null) or any(c in value for c in f'{how.delimiter}"\r\n')
    if needs or rng.random() < 0.1:
        inner = value.replace('"', '\\"') if how.escape else value.replace('"', '""')
        return f'"{inner}"'
    return value


def generate(rng: random.Random) -> Case:
    """A CSV file for table t: mostly valid, with bad values and broken structure mixed in."""
    how = Dialect(
        delimiter=rng.choice([",", ",", ",", ";", "\t", "|"]),
        null=rng.choice(["", "", "", "NULL", "\\N"]),
        escape=rng.random() < 0.15,
    )
    bad_rate = 0.0 if rng.random() < 0.5 else rng.choice([0.01, 0.03, 0.1])
    # Some of the columns (id and label always): without a JSON column, apply to SQLite
    # takes its fast path, with one its generic loader.
    names = [n for n in NAMES if n in ("id", "label") or rng.random() < 0.7]
    ids = iter(range(1, 1000))
    records: list[str] = []
    for _ in range(rng.randint(0, 25)):
        fields = []
        for name in names:
            good, bad = VALUES[name]
            value: str | None
            if name == "id" and rng.random() < 0.97:
                value = str(next(ids))
            elif bad and rng.random() < bad_rate:
                value = rng.choice(bad)
            elif NULLABLE.get(name, True) and rng.random() < 0.1:
                value = None
            elif name != "label" and rng.random() < 0.1 and bad_rate:
                value = None if NULLABLE.get(name, True) else ""
            else:
                value = rng.choice(good)
            fields.append(_field(rng, value, how))
        if rng.random() < bad_rate:  # NULL where NOT NULL, or a duplicate id
            at = names.index("label") if rng.random() < 0.5 else 0
            fields[at] = how.null if rng.random() < 0.5 else "1"
        records.append(how.delimiter.join(fields))
    _break(rng, records, bad_rate, how.delimiter)
    if rng.random() < 0.03:  # a field longer than DuckDB's reader takes
        big = ["y" * (3 << 20) if n == "label" else "500" if n == "id" else how.null for n in names]
        records.append(how.delimiter.join(big))
    lines = [how.delimiter.join(names), *records]
    if rng.random() < 0.1:
        lines.insert(rng.randint(1, len(lines)), "")  # a blank line
    ending = rng.choice(["\n", "\r\n", "mixed"])
    text = ""
    for line in lines:
        text += line + (rng.choice(["\n", "\r\n"]) if ending == "mixed" else ending)
    if rng.random() < 0.1:
        text = text.rstrip("\r\n")  # no final line end
    if rng.random() < 0.05:
        text = "\n" + text  # a blank line before the header
    if rng.random() < 0.1:
        text += "\n\n"
    data = ("\ufeff" if rng.random() < 0.15 else "") + text
    return Case(data.encode("utf-8"), how.options())


def _break(rng: random.Random, records: list[str], bad_rate: float, d: str) -> None:
    """Maybe break one record's structure: a ragged row, a stray or unclosed quote, text
    after a closing quote."""
    if not records or rng.random() >= (0.5 if bad_rate else 0.1):
        return
    at = rng.randrange(len(records))
    record = records[at]
    fault = rng.choice(["extra", "missing", "stray", "junk", "unclosed", "space"])
    if fault == "extra":
        records[at] = record + d + "extra"
    elif fault == "missing":
        records[at] = record.rsplit(d, 1)[0] if d in record else record
    elif fault == "stray":
        records[at] = record + 'x"y'
    elif fault == "junk":
        records[at] = record + d + '"q"z'
    elif fault == "unclosed":
        records[at] = record + d + '"open'
    else:
        records[at] = record + d + ' "spaced"'


def _agree(root: Path, case: Case) -> None:
    manifest = write_seed(root, case.data, case.options)
    report = api.check(manifest)
    try:
        result = api.apply(manifest, url=f"sqlite:///{root / 'target.db'}")
    except SeedError as exc:
        assert exc.location is not None, f"{exc} has no location; {case}"
        where = exc.location
        assert not report.ok, f"apply refuses ({where}: {exc}), check passes; {case}"
        places = [(p.file, p.line, p.column) for p in report.problems]
        assert any(
            (f, line) == (where.file, where.line) and where.column in (None, column)
            for f, line, column in places
        ), f"apply refuses at {where} ({exc}), check at {places}; {case}"
        return
    assert report.ok, f"apply loads, check refuses: {report.problems}; {case}"
    loaded = {s.name: s.rows for s in result.steps}["t"]
    assert [s.rows for s in report.steps if s.name == "t"] == [loaded], str(case)


#: Generated seeds; each runs `check` and `apply`, some 0.1 s together.
EXAMPLES = 120


@pytest.mark.slow
def test_check_and_apply_agree_on_generated_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(19)
    for number in range(EXAMPLES):
        root = tmp_path / f"case{number}"
        root.mkdir()
        _agree(root, generate(rng))
