"""The `faker` kind, end to end: found through its entry point, listed by `seedkit plugins`,
and 10,000 orders referencing seeded customers applied on four databases, identical for
the same seed on every run."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop" / "seed.toml"
CUSTOMER_IDS = {7 * i for i in range(1, 13)}


def read_orders(url: str) -> list[tuple[Any, ...]]:
    """Every order, by id, each value normalised to one Python type whatever the driver."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT order_id, customer_id, placed_on, amount, status, reference, note "
                "FROM orders ORDER BY order_id"
            ).fetchall()
    finally:
        engine.dispose()
    out = []
    for oid, cid, placed, amount, status, ref, note in rows:
        placed = placed if isinstance(placed, dt.date) else dt.date.fromisoformat(placed)
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        out.append((int(oid), int(cid), placed, amount, status, ref, note))
    return out


def apply(manifest: Path, url: str, *more: str) -> Any:
    return CliRunner().invoke(app, ["apply", "-m", str(manifest), "--url", url, *more])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    """The orders of one run of the example into SQLite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    result = apply(EXAMPLE, url)
    assert result.exit_code == 0, result.output
    return read_orders(url)


def test_reference_run_is_plausible(reference: list[tuple[Any, ...]]) -> None:
    assert len(reference) == 10_000
    assert [r[0] for r in reference] == list(range(1, 10_001))
    assert {r[1] for r in reference} == CUSTOMER_IDS  # every key from the customers step
    assert {r[4] for r in reference} == {"new", "paid", "shipped"}
    assert len({r[5] for r in reference}) == 10_000  # unique = true
    assert all(dt.date(2024, 1, 1) <= r[2] <= dt.date(2024, 12, 31) for r in reference)
    assert all(Decimal(0) < r[3] < Decimal(10_000) for r in reference)


def test_example_applies_with_identical_rows_on_every_database(
    any_url: str, reference: list[tuple[Any, ...]]
) -> None:
    result = apply(EXAMPLE, any_url)
    assert result.exit_code == 0, result.output
    assert read_orders(any_url) == reference


def with_source(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the example whose manifest has `old` replaced by `new`."""
    folder = tmp_path / "shop"
    folder.mkdir()
    for name in ("schema.sql", "customers.csv"):
        (folder / name).write_bytes((EXAMPLE.parent / name).read_bytes())
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    (folder / "seed.toml").write_text(text.replace(old, new), encoding="utf-8")
    return folder / "seed.toml"


def test_another_seed_gives_other_rows(tmp_path: Path, reference: list[tuple[Any, ...]]) -> None:
    manifest = with_source(tmp_path, "count = 10000\nseed = 42", "count = 50\nseed = 7")
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert apply(manifest, url).exit_code == 0
    rows = read_orders(url)
    assert len(rows) == 50
    assert [r[2:] for r in rows] != [r[2:] for r in reference[:50]]


def test_fewer_rows_are_a_prefix_of_more(tmp_path: Path, reference: list[tuple[Any, ...]]) -> None:
    manifest = with_source(tmp_path, "count = 10000", "count = 25")
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert apply(manifest, url).exit_code == 0
    assert read_orders(url) == reference[:25]


def test_plugin_is_found_through_its_entry_point_and_listed() -> None:
    [ep] = [ep for ep in entry_points(group="seedkit") if ep.name == "faker"]
    assert ep.value == "seedkit_faker"
    assert ep.dist is not None and ep.dist.name == "seedkit-faker"
    result = CliRunner().invoke(app, ["plugins", "--format", "json"])
    assert result.exit_code == 0, result.output
    [plugin] = [p for p in json.loads(result.stdout)["plugins"] if p["name"] == "faker"]
    assert plugin == {
        "name": "faker",
        "package": "seedkit-faker",
        "version": "0.1.0",
        "builtin": False,
        "kinds": ["faker"],
        "hooks": ["register_sources"],
        "error": None,
    }
    text = CliRunner().invoke(app, ["plugins"])
    assert "seedkit-faker 0.1.0 (entry point: faker)" in text.output


def test_plan_knows_count_and_seed_without_generating() -> None:
    from seedkit import api

    source = api.validate(EXAMPLE).steps["orders"].source
    assert (source.kind, source.count_rows(), source.describe()) == (
        "faker",
        10_000,
        "faker (10000 rows, seed 42)",
    )
    assert source.columns(api.validate(EXAMPLE).steps["orders"].table) == [
        "order_id",
        "placed_on",
        "amount",
        "status",
        "reference",
        "note",
        "customer_id",  # filled from the foreign key, not listed
    ]


def test_unknown_provider_is_located_with_a_suggestion(tmp_path: Path) -> None:
    manifest = with_source(tmp_path, 'note = "sentence"', 'note = "sentense"')
    result = CliRunner().invoke(app, ["validate", "-m", str(manifest)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    line = manifest.read_text().splitlines().index('note = "sentense"') + 1
    assert f"seed.toml:{line}:1 [steps.orders.source.columns.note]" in message, message
    assert "Faker has no provider `sentense`" in message
    assert "did you mean `sentence`?" in message


def test_misspelt_option_is_located(tmp_path: Path) -> None:
    manifest = with_source(tmp_path, "seed = 42", "sed = 42")
    result = CliRunner().invoke(app, ["validate", "-m", str(manifest)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "unknown key `steps.orders.source.sed`" in message
    assert "did you mean `seed`?" in message


def test_foreign_key_without_parent_rows_is_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    result = apply(EXAMPLE, url, "--select", "orders")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "column `customer_id` picks from `customers.customer_id`, which has no rows yet" in (
        message
    )


def test_value_that_does_not_fit_its_column(tmp_path: Path) -> None:
    manifest = with_source(
        tmp_path,
        'amount = { provider = "pydecimal"',
        'amount = { provider = "word", kwargs = {} }\nunused = { provider = "pydecimal"',
    )
    text = manifest.read_text().replace("\nunused = ", "\n# ")
    manifest.write_text(text)
    result = apply(manifest, f"sqlite:///{tmp_path / 'v.db'}")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "[steps.orders.source.columns.amount]: row 0, column `amount`: " in message, message
    assert "is not a decimal number" in message
