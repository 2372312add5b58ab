"""The streaming CSV reader: quoted-ness decides NULL, lines stay exact, errors are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedkit.errors import DataError
from seedkit.sources.csvreader import CsvFile, CsvOptions, CsvRecord


def write(tmp_path: Path, data: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(path: Path, **options: object) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    with CsvFile(path, CsvOptions(**options)) as f:  # type: ignore[arg-type]
        return f.header, [(r.line, r.fields) for r in f.records()]


def error(path: Path, **options: object) -> DataError:
    with pytest.raises(DataError) as info:
        read(path, **options)
    return info.value


def test_basic(tmp_path: Path) -> None:
    path = write(tmp_path, "id, name ,city\n1,Ada,London\n2,Bob,Paris\n")
    with CsvFile(path, CsvOptions()) as f:
        assert f.header == ["id", "name", "city"]
        assert f.header_line == 1
        assert list(f.records()) == [
            CsvRecord(2, ["1", "Ada", "London"]),
            CsvRecord(3, ["2", "Bob", "Paris"]),
        ]


def test_unquoted_empty_is_null_and_quoted_empty_is_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b,c\n,"",x\n"",,\n')
    assert read(path)[1] == [(2, [None, "", "x"]), (3, ["", None, None])]


def test_custom_null_tokens_but_quoted_null_is_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b,c,d\nNULL,"NULL",\\N,\n"\\N",null,"",x\n')
    assert read(path, null=("", "NULL", "\\N"))[1] == [
        (2, [None, "NULL", None, None]),
        (3, ["\\N", "null", "", "x"]),
    ]


def test_without_null_tokens_empty_is_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n,x\n")
    assert read(path, null=())[1] == [(2, ["", "x"])]


@pytest.mark.parametrize("d", [";", "\t"])
def test_other_delimiters(tmp_path: Path, d: str) -> None:
    path = write(tmp_path, f'a,b{d}c\n1,5{d}x\n"q{d}r"{d}\n')
    assert read(path, delimiter=d) == (["a,b", "c"], [(2, ["1,5", "x"]), (3, [f"q{d}r", None])])


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_quoted_delimiter_doubled_quotes_and_newlines(tmp_path: Path, eol: str) -> None:
    rows = [
        "id,text,n",
        '1,"a, b",2',
        '2,"say ""hi""",3',
        f'3,"two{eol}lines{eol}{eol}end",4',
        "4,after,5",
    ]
    path = write(tmp_path, eol.join(rows) + eol)
    assert read(path)[1] == [
        (2, ["1", "a, b", "2"]),
        (3, ["2", 'say "hi"', "3"]),
        (4, ["3", f"two{eol}lines{eol}{eol}end", "4"]),
        (8, ["4", "after", "5"]),
    ]


def test_line_endings_empty_lines_and_final_record_without_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\r\n\r\n1,2\n\n,\n3,4")
    assert read(path)[1] == [(3, ["1", "2"]), (5, [None, None]), (6, ["3", "4"])]


def test_escape_character(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b\n"x\\"y","p\\\\q\\n"\n')
    assert read(path, escape="\\")[1] == [(2, ['x"y', "p\\q\\n"])]


def test_bom_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfid,name\n1,x\n")
    for encoding in ("utf-8", "utf-8-sig"):
        assert read(path, encoding=encoding) == (["id", "name"], [(2, ["1", "x"])])


def test_leading_zeros_stay_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'zip,code\n00123,"007"\n')
    assert read(path)[1] == [(2, ["00123", "007"])]


def test_unicode(tmp_path: Path) -> None:
    path = write(tmp_path, 'city,emoji\nZürich,"🎉, 東京"\n東京,🙂\n')
    assert read(path)[1] == [(2, ["Zürich", "🎉, 東京"]), (3, ["東京", "🙂"])]


def test_other_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "name\nZürich\n".encode("cp1252"))
    assert read(path, encoding="cp1252")[1] == [(2, ["Zürich"])]


def test_no_header(tmp_path: Path) -> None:
    path = write(tmp_path, "\n1,x,\n2,y,z\n")
    with CsvFile(path, CsvOptions(header=False)) as f:
        assert f.header == ["column1", "column2", "column3"]
        assert f.header_line == 2
        assert [(r.line, r.fields) for r in f.records()] == [
            (2, ["1", "x", None]),
            (3, ["2", "y", "z"]),
        ]


def test_ragged_row(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b,c\n1,2,3\n"x\ny",2,3,4\n')
    exc = error(path)
    assert (exc.location.line, exc.location.column) == (3, None)  # type: ignore[union-attr]
    assert exc.location.file.endswith("data.csv")  # type: ignore[union-attr]
    assert exc.message == "row has 4 fields, the header has 3"
    assert exc.hint and "delimiter" in exc.hint


def test_unterminated_quote(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b\n1,2\nxy,"open\nmore\n')
    exc = error(path)
    assert (exc.location.line, exc.location.column) == (3, 4)  # type: ignore[union-attr]
    assert "never closed" in exc.message


def test_junk_after_closing_quote(tmp_path: Path) -> None:
    exc = error(write(tmp_path, 'a,b\n1,"ab"c\n'))
    assert (exc.location.line, exc.location.column) == (2, 7)  # type: ignore[union-attr]
    assert "'c' after a closing quote" in exc.message


def test_quote_inside_unquoted_field(tmp_path: Path) -> None:
    exc = error(write(tmp_path, 'a,b\n1,5" pipe\n'))
    assert (exc.location.line, exc.location.column) == (2, 4)  # type: ignore[union-attr]


def test_bad_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n1,ok\n2,Z\xfcrich\n")
    exc = error(path)
    assert exc.location.line == 3  # type: ignore[union-attr]
    assert "utf-8" in exc.message
    assert exc.hint and "encoding" in exc.hint


def test_duplicate_header(tmp_path: Path) -> None:
    exc = error(write(tmp_path, 'id,"name", id\n1,2,3\n'))
    assert (exc.location.line, exc.location.column) == (1, 11)  # type: ignore[union-attr]
    assert "'id'" in exc.message


def test_empty_header_name(tmp_path: Path) -> None:
    exc = error(write(tmp_path, "id,,x\n"))
    assert (exc.location.line, exc.location.column) == (1, 4)  # type: ignore[union-attr]
    assert "column 2" in exc.message


def test_empty_file_with_header(tmp_path: Path) -> None:
    assert "empty" in error(write(tmp_path, "")).message


def test_field_column_after_quoted_comma(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b,c\n1,"x, y",zz\n')
    with CsvFile(path, CsvOptions()) as f:
        assert f.field_column(2, 0) == 1
        assert f.field_column(2, 1) == 3
        assert f.field_column(2, 2) == 10


def test_batches(tmp_path: Path) -> None:
    path = write(tmp_path, "n\n" + "".join(f"{i}\n" for i in range(5)))
    with CsvFile(path, CsvOptions()) as f:
        batches = list(f.batches(2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [r.fields[0] for b in batches for r in b] == ["0", "1", "2", "3", "4"]


def test_records_is_single_pass(tmp_path: Path) -> None:
    with CsvFile(write(tmp_path, "a\n1\n"), CsvOptions()) as f:
        f.records()
        with pytest.raises(RuntimeError):
            f.records()
