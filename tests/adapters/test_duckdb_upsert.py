"""DuckDB upsert and mirror are set-based and store what the generic loader stores
(issue 19, item 6). Speed is measured in benchmarks/duckdb_upsert.py, not here."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_loaders import FAST_ROWS, SLOW_ROWS, _apply, _Generic, _rows, _seed

#: A key given twice in one batch: the row-by-row upsert keeps the last.
REPEATED = '1,A001,"first",1,1,1,true,,,,\n1,A001,"second",2,2,2,false,,,,\n'


@pytest.mark.parametrize("mode", ["upsert", "mirror"])
@pytest.mark.parametrize("rows", [FAST_ROWS + SLOW_ROWS, REPEATED], ids=["types", "repeated"])
def test_duckdb_upsert_and_mirror_store_what_generic_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, rows: str
) -> None:
    fast_url = f"duckdb:///{tmp_path / 'fast.duckdb'}"
    generic_url = f"duckdb:///{tmp_path / 'generic.duckdb'}"
    first = _seed(tmp_path / "first", FAST_ROWS)
    counter = _Generic(monkeypatch)
    for url in (fast_url, generic_url):
        assert _apply(first, url) is None
    second = _seed(tmp_path / "second", rows, mode)
    counter.calls = 0
    assert _apply(second, fast_url) is None
    assert counter.calls == 0, "the step went through the generic loader"
    counter.force()
    assert _apply(second, generic_url) is None
    stored = _rows(fast_url)
    assert stored == _rows(generic_url)
    expected = {("upsert", False): 8, ("upsert", True): 6, ("mirror", False): 8}
    expected[("mirror", True)] = 1
    assert len(stored) == expected[(mode, rows == REPEATED)]
    if rows == REPEATED:
        assert stored[0][2] == "second"


def test_duckdb_upsert_refusal_names_the_batch(tmp_path: Path) -> None:
    manifest = _seed(tmp_path / "s", "1,A001,x,1,1,1,true,,,,\n2,A001,y,1,1,1,true,,,,\n", "upsert")
    error = _apply(manifest, f"duckdb:///{tmp_path / 'x.duckdb'}")
    assert error is not None
    assert "items.csv:2" in str(error) and "lines 2-3" in str(error)
