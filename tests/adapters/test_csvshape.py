"""The byte-level quoting check and record count behind DuckDB's fast path."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from seedkit.adapters.csvscan import NotVouched
from seedkit.adapters.csvshape import count_records
from seedkit.adapters.duckdb_csv import read_csv_text
from seedkit.sources.csvreader import CsvFile, CsvOptions

CHUNKS = (1, 2, 3, 5, 64, 1 << 20)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize(
    ("text", "records"),
    [
        ("a,b\n", 0),
        ("a,b", 0),
        ("a,b\n1,x\n2,y\n", 2),
        ("a,b\n1,x\n2,y", 2),  # no line end after the last record
        ("a,b\r\n1,x\r\n2,y\r\n", 2),
        ("a,b\n1,x\n\n\r\n\n", 1),  # trailing blank lines are no records
        ('a,b\n1,"x,\ny"\n2,""\n', 2),  # a quoted delimiter and line end; an empty string
        ('a,b\n"say ""hi""",x\n"",""\n', 2),  # doubled quotes
        ('a,b\n1,"x"\n2,"y"', 2),  # the file ends with a closing quote
        ('"a","b"\n"1","2"\n', 1),  # a quoted header
        ("\ufeffa,b\n1,x\n", 1),  # a byte order mark
        ("a,b\n1,Zürich 東京\n", 1),
    ],
)
def test_counts_the_records_seedkits_reader_reads(tmp_path: Path, text: str, records: int) -> None:
    path = _write(tmp_path, text)
    with CsvFile(path, CsvOptions(encoding="utf-8-sig")) as csv_file:
        assert len(list(csv_file.records())) == records
    for chunk in CHUNKS:
        assert count_records(path, CsvOptions(), 2, chunk_bytes=chunk) == records, chunk


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n1,ab"c\n',  # a quote inside an unquoted field
        'a,b\n1,"ab" \n',  # text after a closing quote
        'a,b\n1, "ab"\n',  # text before an opening quote
        'a,b\n"ab"c,1\n',
        "a,b\n1,x\ry\n",  # a carriage return alone
        "a,b\n1,x\r2,y\n",
        'a,b\n1,"open\n',  # a quoted field not closed
        "a,b\n1,x,\n",  # an empty field too many (DuckDB's reader drops it)
        'a,b\n1,"x",\n',
    ],
)
def test_refuses_what_duckdb_reads_otherwise(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    for chunk in CHUNKS:
        with pytest.raises(NotVouched):
            count_records(path, CsvOptions(), 2, chunk_bytes=chunk)


def test_other_delimiter_and_quote(tmp_path: Path) -> None:
    options = CsvOptions(delimiter=";", quote="'")
    path = _write(tmp_path, "a;b\n1;'x;''y'''\n2;\"z\"\n")
    assert count_records(path, options, 2, chunk_bytes=3) == 2
    bad = _write(tmp_path, "a;b\n1;x'y\n")
    with pytest.raises(NotVouched):
        count_records(bad, options, 2)


def test_what_it_accepts_duckdb_splits_as_seedkit_does(tmp_path: Path) -> None:
    """Random texts, well-formed and not: whenever the check accepts a file and DuckDB
    reads as many rows as it counted, DuckDB's rows are seedkit's records, field for
    field. (This is what lets the loader trust DuckDB's reader.)"""
    rng = random.Random(20261124)
    fields = ["x", '"a,b"', '""', "", '"q""q"', '"m\nl"', "y z", '"\r\n"']
    junk = ["x", '"', '""', ",", "\n", "\r\n", "\r", " ", '"a,b"', "", "\n\n"]
    sql, params = read_csv_text(2, CsvOptions())
    accepted = 0
    with duckdb.connect() as con:
        for _ in range(1000):
            records = [
                ",".join(rng.choice(fields) for _ in range(rng.choice([2, 2, 2, 1, 3])))
                for _ in range(rng.randint(0, 6))
            ]
            text = "a,b\n" + rng.choice(["\n", "\r\n"]).join(records)
            text += rng.choice(["", "\n", "\n\n", "\r\n", "\r"])
            for _ in range(rng.randint(0, 2)):
                at = rng.randint(4, len(text))
                text = text[:at] + rng.choice(junk) + text[at:]
            path = _write(tmp_path, text)
            try:
                with CsvFile(path, CsvOptions()) as csv_file:
                    seedkit_rows = [tuple(r.fields) for r in csv_file.records()]
            except Exception:  # noqa: BLE001 - seedkit's reader refuses the text
                seedkit_rows = None
            try:
                duckdb_rows = con.execute(f"SELECT * FROM {sql}", [str(path), *params]).fetchall()
            except duckdb.Error:
                continue  # DuckDB stops: the loader's transaction fails, and says where
            for chunk in (1, 3, 1 << 20):
                try:
                    counted = count_records(path, CsvOptions(), 2, chunk_bytes=chunk)
                except NotVouched:
                    continue
                if counted == len(duckdb_rows):
                    accepted += 1
                    assert duckdb_rows == seedkit_rows, (text, chunk)
    assert accepted > 250  # the property was tested, not skipped
