"""JSON and NDJSON sources: the market example's exchanges and tickers, loaded from JSON
instead of CSV, give the same rows on four databases; bad data is located."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from example import EXPECTED, copy_example, read_table
from typer.testing import CliRunner

from seedkit import api
from seedkit.cli import app
from seedkit.errors import DataError
from seedkit.sources import jsonstream
from seedkit.sources.json import JsonOptions, JsonSource

COLUMNS = {
    "exchanges": ["exchange_id", "mic", "name", "city", "opens_at", "closes_at", "timezone"],
    "tickers": [
        "ticker_sym",
        "exchange_id",
        "sector_id",
        "isin",
        "name",
        "lot_size",
        "tick_size",
        "listed_on",
        "is_active",
        "notes",
    ],
}
CSV_LINES = {
    "exchanges": 'csv = "../../data/market/exchanges.csv"',
    "tickers": 'csv = { path = "../../data/market/tickers.csv", delimiter = ";" }',
}


def expected_objects(table: str, omit_nulls: bool) -> list[dict[str, Any]]:
    """The expected rows as objects; NULLs left out (a missing key) or kept as None."""
    return [
        {k: v for k, v in zip(COLUMNS[table], row, strict=True) if not (omit_nulls and v is None)}
        for row in EXPECTED[table]
    ]


def to_json(value: Any) -> str:
    """One JSON value: Decimals as exact number literals, dates and times as ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def object_text(item: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in item.items()) + "}"


def market_with(
    tmp_path: Path, kind: str, write: Callable[[Path, str], None], options: str = ""
) -> Path:
    """The market example with exchanges and tickers read by `kind` from files `write` makes."""
    manifest = copy_example(tmp_path)
    data = tmp_path / "data" / "market"
    text = manifest.read_text(encoding="utf-8")
    for table in ("exchanges", "tickers"):
        write(data, table)
        path = f"../../data/market/{table}.{kind}"
        line = f'source = {{ kind = "{kind}", path = "{path}"{options} }}'
        assert CSV_LINES[table] in text
        text = text.replace(CSV_LINES[table], line)
    manifest.write_text(text, encoding="utf-8")
    return manifest


def write_json(data: Path, table: str) -> None:
    """A document with the rows under data.items; tickers leave NULL keys out."""
    items = expected_objects(table, omit_nulls=table == "tickers")
    body = ",\n".join("    " + object_text(item) for item in items)
    text = f'{{"meta": {{"table": "{table}"}}, "data": {{"items": [\n{body}\n]}}}}\n'
    (data / f"{table}.json").write_text(text, encoding="utf-8")


def write_ndjson(data: Path, table: str) -> None:
    """One object per line, with a blank line in the middle; exchanges keep explicit nulls."""
    lines = [object_text(item) for item in expected_objects(table, omit_nulls=table == "tickers")]
    lines.insert(2, "")
    (data / f"{table}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")


def assert_market(url: str, manifest: Path) -> None:
    for table, rows in EXPECTED.items():
        assert read_table(url, manifest, table) == rows, table


def test_json_loads_the_same_rows_as_csv(url: str, tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    assert_market(url, manifest)


def test_ndjson_loads_the_same_rows_as_csv(url: str, tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "ndjson", write_ndjson)
    result = CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url])
    assert result.exit_code == 0, result.output
    assert_market(url, manifest)


def test_plan_counts_json_and_ndjson_rows(tmp_path: Path) -> None:
    manifest = market_with(tmp_path / "a", "json", write_json, ', pointer = "/data/items"')
    plan = api.validate(manifest)
    assert plan.steps["tickers"].source.count_rows() == 6
    manifest = market_with(tmp_path / "b", "ndjson", write_ndjson)
    plan = api.validate(manifest)
    assert (plan.steps["exchanges"].source.count_rows(), plan.steps["tickers"].source.kind) == (
        5,
        "ndjson",
    )


def break_tickers(manifest: Path, old: str, new: str, suffix: str) -> None:
    path = manifest.parent.parent.parent / "data" / "market" / f"tickers.{suffix}"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def apply_error(manifest: Path, tmp_path: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        api.apply(manifest, url=f"sqlite:///{tmp_path / 'bad.db'}")
    return caught.value


def test_json_bad_value_is_located_at_index_and_key(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    break_tickers(manifest, '"lot_size": 1,', '"lot_size": "ten",', "json")  # item 2 (AAPL)
    error = apply_error(manifest, tmp_path)
    assert error.location is not None
    assert error.location.file is not None and error.location.file.endswith("tickers.json")
    assert error.location.key == "data.items[2].lot_size"
    assert error.message == "item 2, key `lot_size`: 'ten' is not an integer"
    result = CliRunner().invoke(
        app, ["apply", "-m", str(manifest), "--url", f"sqlite:///{tmp_path / 'c.db'}"]
    )
    assert result.exit_code == 1
    assert "tickers.json [data.items[2].lot_size]" in " ".join(result.output.split())


def test_json_number_for_a_text_column_is_an_error_not_a_guess(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    break_tickers(manifest, '"isin": "00012345"', '"isin": 12345', "json")  # item 5 (OLDX)
    error = apply_error(manifest, tmp_path)
    assert error.location is not None and error.location.key == "data.items[5].isin"
    assert "cannot take the integer 12345" in error.message


def test_json_pointer_and_shape_errors(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.itemz"')
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.message == "`pointer` 'data.itemz': data (object) has no `itemz`"
    assert caught.value.hint == "keys there: `items`"

    manifest = market_with(tmp_path / "b", "json", write_json)
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.message == "the file is a JSON object, not an array of objects"


def test_json_syntax_error_keeps_line_and_column(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    break_tickers(manifest, '"lot_size": 100,', '"lot_size": 100,,', "json")  # line 2
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    location = caught.value.location
    line = (tmp_path / "data" / "market" / "tickers.json").read_text().splitlines()[1]
    assert location is not None and (location.line, location.column) == (2, line.index(",,") + 2)
    assert caught.value.message == "invalid JSON: Expecting property name enclosed in double quotes"


def test_json_key_that_is_no_column_is_located(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    break_tickers(manifest, '"lot_size": 1,', '"lot_sise": 1,', "json")
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.location is not None
    assert caught.value.location.key == "data.items[2].lot_sise"
    assert caught.value.message == "key `lot_sise` names no column of table tickers"


def test_ndjson_bad_value_is_located_at_line_and_key(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "ndjson", write_ndjson)
    # Line 4 (after the blank line 3) is AAPL's.
    break_tickers(manifest, '"listed_on": "1980-12-12"', '"listed_on": "12/12/1980"', "ndjson")
    error = apply_error(manifest, tmp_path)
    location = error.location
    assert location is not None and location.file is not None
    assert location.file.endswith("tickers.ndjson")
    line = (tmp_path / "data" / "market" / "tickers.ndjson").read_text().splitlines()[3]
    assert (location.line, location.column, location.key) == (
        4,
        line.index('"listed_on"') + 1,
        "listed_on",
    )
    assert error.message == "key `listed_on`: '12/12/1980' is not a date (YYYY-MM-DD)"


def test_ndjson_line_that_is_not_an_object(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "ndjson", write_ndjson)
    path = tmp_path / "data" / "market" / "tickers.ndjson"
    path.write_text(path.read_text() + "[1, 2]\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        api.validate(manifest)
    assert caught.value.location is not None and caught.value.location.line == 8
    assert caught.value.message == "the line holds a JSON array, not an object"


def test_json_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    manifest = market_with(tmp_path, "json", write_json, ', pointer = "data.items"')
    before = api.validate(manifest).steps["tickers"].source.fingerprint()
    break_tickers(manifest, '"lot_size": 1,', '"lot_size": 2,', "json")
    assert api.validate(manifest).steps["tickers"].source.fingerprint() != before


def json_source(root: Path, name: str, pointer: str | None = None) -> JsonSource:
    """A JsonSource for `root / name`, outside any manifest."""
    options = JsonOptions(path=name, pointer=pointer)
    return JsonSource(options, SimpleNamespace(root=root))


def all_rows(source: JsonSource, size: int = 10_000) -> list[tuple[Any, ...]]:
    return [row for batch in source.batches(None, size) for row in batch.rows]


# Siblings of every JSON type, with quotes, braces and brackets inside strings.
SIBLINGS = (
    '"s": "a \\"quoted\\" {brace} [bracket] \\\\", "o": {"items": [1, {"x": "}"}]}, '
    '"a": [[], {}, "]", -1.5e3, null], "n": 12345.678, "t": true, "f": false, "z": null'
)


def test_json_streams_past_siblings_of_every_type_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        '{"id": 1, "name": "x \\"{[", "price": 1.25}, '
        '{"id": 2, "tags": ["a", "b"], "price": -0.5E+2},\r\n'
        '{"id": 3, "name": "\\u00e9€😀", "price": null, "ok": true}'
    )
    text = (
        f'\ufeff{{{SIBLINGS}, "pages": [{{{SIBLINGS}}}, 7, {{{SIBLINGS}, "rows": [\r\n'
        f"{body}\r\n], {SIBLINGS}}}, [1, 2]], {SIBLINGS}}}\n"
    )
    (tmp_path / "x.json").write_text(text, encoding="utf-8")
    expected = [
        (1, 'x "{[', Decimal("1.25"), None, None),
        (2, None, Decimal("-0.5E+2"), ["a", "b"], None),
        (3, "é€😀", None, None, True),
    ]
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", 7)
    for pointer in ("pages.2.rows", "/pages/2/rows"):
        source = json_source(tmp_path, "x.json", pointer)
        assert source.columns(None) == ["id", "name", "price", "tags", "ok"]
        assert source.count_rows() == 3
        assert all_rows(source, size=2) == expected
        assert [b.keys for b in source.batches(None, 2)] == [
            [f"{pointer}[0]", f"{pointer}[1]"],
            [f"{pointer}[2]"],
        ]
    # The same text parsed whole gives the same objects.
    whole = json.loads(text.lstrip("\ufeff"), parse_float=Decimal)["pages"][2]["rows"]
    assert [
        item for _, item in jsonstream.array_items(tmp_path / "x.json", "pages.2.rows")
    ] == whole


def test_json_pointer_misses_keep_their_hints_when_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", 7)
    (tmp_path / "x.json").write_text(
        f'{{{SIBLINGS}, "pages": [{{"rows": []}}, {{"rows": "no"}}]}}', encoding="utf-8"
    )
    cases = {
        "pages.2.rows": (
            "`pointer` 'pages.2.rows': pages (array) has no `2`",
            "an array of 2 items: index it with 0…1",
        ),
        "pages.0.rowz": (
            "`pointer` 'pages.0.rowz': pages.0 (object) has no `rowz`",
            "keys there: `rows`",
        ),
        "/x": (
            "`pointer` '/x': the document (object) has no `x`",
            "keys there: `s`, `o`, `a`, `n`, `t`, `f`, `z`, `pages`",
        ),
        "s.0": ("`pointer` 's.0': s (string) has no `0`", "the pointer goes below a plain value"),
        "pages.1.rows": (
            "`pointer` 'pages.1.rows' names a JSON string, not an array of objects",
            'set `pointer` to the array inside the document, e.g. pointer = "data.items"',
        ),
        "pages.0.rows.0": (
            "`pointer` 'pages.0.rows.0': pages.0.rows (array) has no `0`",
            "an array of 0 items: index it with 0…0",
        ),
    }
    for pointer, (message, hint) in cases.items():
        with pytest.raises(DataError) as caught:
            json_source(tmp_path, "x.json", pointer).count_rows()
        assert caught.value.message == message
        assert caught.value.location is not None and caught.value.location.key == pointer
        assert caught.value.hint == hint


def test_json_shape_error_waits_for_a_later_syntax_error(tmp_path: Path) -> None:
    """As with a whole parse, a syntax error anywhere wins over a bad item before it."""
    (tmp_path / "x.json").write_text('{"rows": [{"a": 1}, 2, {"a": 3}], "z": [1 2]}')
    with pytest.raises(DataError) as caught:
        json_source(tmp_path, "x.json", "rows").count_rows()
    assert caught.value.message == "invalid JSON: Expecting ',' delimiter"
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (1, 43)
    (tmp_path / "x.json").write_text('{"rows": [{"a": 1}, 2, {"a": 3}], "z": [1, 2]}')
    with pytest.raises(DataError) as caught:
        json_source(tmp_path, "x.json", "rows").count_rows()
    assert caught.value.message == "item 1 is a JSON number, not an object"
    assert caught.value.location is not None and caught.value.location.key == "rows[1]"


def big_items_text(count: int) -> str:
    lines = [
        f'  {{"id": {i}, "name": "item {i}", "price": {i}.25, "ok": {str(i % 2 == 0).lower()}}}'
        for i in range(count)
    ]
    body = ",\n".join(lines)
    return f'{{"meta": {{"count": {count}}},\n "items": [\n{body}\n]}}\n'


def test_json_syntax_error_deep_in_a_large_file_is_located_like_json_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", 4096)
    text = big_items_text(10_000)
    broken = text.replace('"name": "item 5000",', '"name": "item 5000" "x": 1,', 1)
    assert broken != text
    (tmp_path / "x.json").write_text(broken, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    assert (expected.value.lineno, expected.value.colno) == (5003, 36)
    with pytest.raises(DataError) as caught:
        json_source(tmp_path, "x.json", "items").count_rows()
    assert caught.value.message == "invalid JSON: Expecting ',' delimiter"
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (5003, 36)


def test_json_non_utf8_byte_after_a_bom_is_located_like_a_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", 5)
    (tmp_path / "x.json").write_bytes(b'\xef\xbb\xbf[{"a": "\xc3\xa9\xc3"}, {"b": 1}]')
    with pytest.raises(DataError) as caught:
        json_source(tmp_path, "x.json").count_rows()
    with pytest.raises(UnicodeDecodeError) as whole:
        (tmp_path / "x.json").read_text(encoding="utf-8-sig")
    assert whole.value.start == 10
    assert caught.value.message == "not UTF-8 text (invalid continuation byte at byte 10)"


def test_json_batches_stream_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small read chunk lets 20,000 items show what 200,000 would, quickly under tracemalloc.
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", 8192)
    path = tmp_path / "big.json"
    path.write_text(big_items_text(20_000), encoding="utf-8")
    source = json_source(tmp_path, "big.json", "items")
    assert source.count_rows() == 20_000  # the first pass, outside the measure
    tracemalloc.start()
    try:
        whole = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        assert len(whole["items"]) == 20_000
        del whole
        whole_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        rows = 0
        last = None
        for batch in source.batches(None, size=1_000):
            rows += len(batch.rows)
            last = batch.rows[-1]
        stream_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (rows, last) == (20_000, (19_999, "item 19999", Decimal("19999.25"), False))
    assert stream_peak < whole_peak / 5, (stream_peak, whole_peak)
