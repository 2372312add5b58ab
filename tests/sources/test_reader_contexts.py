"""Sources that read earlier steps (the faker plugin's generated foreign keys) outside an
apply: `plan --url` counts them when the target holds their parents and says "after
parents load" when it does not, reading only; `check` gives them the dry run's own rows
and reports a step that reads its parents too early as a located problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seedkit.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "plugins" / "seedkit-faker" / "examples" / "shop"
COUNT = 40


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in reports are shown relative to the working folder: make it the test's."""
    monkeypatch.chdir(tmp_path)


def shop(tmp_path: Path, *edits: tuple[str, str], schema: tuple[str, str] | None = None) -> Path:
    """A copy of the faker shop example making COUNT orders, with `old -> new` manifest edits."""
    pytest.importorskip("seedkit_faker")
    folder = tmp_path / "shop"
    shutil.copytree(EXAMPLE, folder)
    manifest = folder / "seed.toml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in (("count = 10000", f"count = {COUNT}"), *edits):
        assert old in text
        text = text.replace(old, new)
    manifest.write_text(text, encoding="utf-8")
    if schema is not None:
        ddl = folder / "schema.sql"
        sql = ddl.read_text(encoding="utf-8")
        assert schema[0] in sql
        ddl.write_text(sql.replace(*schema), encoding="utf-8")
    return manifest


def cli(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def changes(manifest: Path, url: str) -> dict[str, dict[str, Any]]:
    """`plan --url --format json`'s changes, by step name; the plan must succeed."""
    result = cli("plan", "-m", str(manifest), "--url", url, "--format", "json")
    assert result.exit_code == 0, result.output
    return {c["name"]: c for c in json.loads(result.stdout)["changes"]["steps"]}


def counts(change: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("state", "insert", "update", "delete", "conflicts", "counts_unknown")
    return tuple(change[k] for k in keys)


def scalar(url: str, sql: str) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


def url_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    if kind == "duckdb":
        return f"duckdb:///{tmp_path / 'shop.duckdb'}"
    return str(request.getfixturevalue("pg_url" if kind == "postgres" else "mysql_url"))


# -- plan --url ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_plan_on_a_fresh_database_leaves_orders_for_after_customers(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    manifest = shop(tmp_path)
    url = url_for(kind, tmp_path, request)
    found = changes(manifest, url)
    assert counts(found["customers"]) == ("new", 12, 0, 0, 0, None)
    assert counts(found["orders"]) == ("new", None, None, None, None, "after parents load")
    if kind == "sqlite":
        assert not (tmp_path / "shop.db").exists()  # planning created nothing
    text = cli("plan", "-m", str(manifest), "--url", url)
    assert text.exit_code == 0, text.output
    [row] = [line for line in text.output.splitlines() if line.startswith("│ orders")]
    assert row.split("│")[4:7] == ["      ? ", "      ? ", "      ? "], row
    assert "rows known" in text.output and "after parents" in text.output


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgres", "mysql"])
def test_plan_counts_orders_from_the_customers_the_target_holds(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    manifest = shop(tmp_path)
    url = url_for(kind, tmp_path, request)
    done = cli("apply", "-m", str(manifest), "--url", url, "--select", "customers")
    assert done.exit_code == 0, done.output
    history = "SELECT COUNT(*) FROM seedkit_history"
    recorded = scalar(url, history)
    found = changes(manifest, url)
    assert counts(found["shop/schema.sql"]) == ("unchanged", None, None, None, None, None)
    assert counts(found["customers"]) == ("unchanged", None, None, None, None, None)
    assert counts(found["orders"]) == ("new", COUNT, 0, 0, 0, None)
    # planning only read: no order, and no history row more
    assert scalar(url, "SELECT COUNT(*) FROM orders") == 0
    assert scalar(url, history) == recorded


def test_the_apply_after_the_plan_loads_what_it_counted(tmp_path: Path) -> None:
    manifest = shop(tmp_path)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert cli("apply", "-m", str(manifest), "--url", url, "--select", "customers").exit_code == 0
    assert counts(changes(manifest, url)["orders"]) == ("new", COUNT, 0, 0, 0, None)
    done = cli("apply", "-m", str(manifest), "--url", url)
    assert done.exit_code == 0, done.output
    assert scalar(url, "SELECT COUNT(*) FROM orders") == COUNT
    distinct = "SELECT COUNT(DISTINCT customer_id) FROM orders"
    assert 1 < scalar(url, distinct) <= 12
    joined = "SELECT COUNT(*) FROM orders o JOIN customers c ON c.customer_id = o.customer_id"
    assert scalar(url, joined) == COUNT


def test_plan_empty_customers_table_is_unknown_too(tmp_path: Path) -> None:
    manifest = shop(tmp_path)
    db = tmp_path / "shop.db"
    import sqlite3

    with sqlite3.connect(db) as conn:  # the schema made by hand: tables, no rows, no history
        conn.executescript((manifest.parent / "schema.sql").read_text(encoding="utf-8"))
    found = changes(manifest, f"sqlite:///{db}")
    assert counts(found["shop/schema.sql"]) == ("new", None, None, None, None, None)
    assert counts(found["customers"]) == ("new", 12, 0, 0, 0, None)
    assert counts(found["orders"]) == ("new", None, None, None, None, "after parents load")


def test_plan_waits_for_customers_the_apply_changes_first(tmp_path: Path) -> None:
    manifest = shop(tmp_path, ('csv = "customers.csv"', 'csv = "customers.csv"\nmode = "upsert"'))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert cli("apply", "-m", str(manifest), "--url", url, "--select", "customers").exit_code == 0
    csv = manifest.parent / "customers.csv"
    csv.write_text(csv.read_text() + "91,Tony Hoare,tony@example.com\n")
    found = changes(manifest, url)
    assert counts(found["customers"]) == ("changed", 1, 0, 0, None, None)
    # the orders would pick from 13 customers, the target has 12: no count is better than a wrong one
    assert counts(found["orders"]) == ("new", None, None, None, None, "after parents load")


def test_plan_still_fails_on_a_bad_generated_value(tmp_path: Path) -> None:
    manifest = shop(
        tmp_path,
        (
            'amount = { provider = "pydecimal", kwargs = { left_digits = 4, right_digits = 2, '
            "positive = true } }",
            'amount = { provider = "word" }',
        ),
    )
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert cli("apply", "-m", str(manifest), "--url", url, "--select", "customers").exit_code == 0
    result = cli("plan", "-m", str(manifest), "--url", url)
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "[steps.orders.source.columns.amount]: row 0, column `amount`:" in message, message


def test_plan_reading_a_column_the_customers_lack_is_located(pg_url: str, tmp_path: Path) -> None:
    ref = 'customer_id = { ref = "customers.nope" }'
    manifest = shop(tmp_path, ('note = "sentence"', f'note = "sentence"\n{ref}'))
    done = cli("apply", "-m", str(manifest), "--url", pg_url, "--select", "customers")
    assert done.exit_code == 0, done.output
    result = cli("plan", "-m", str(manifest), "--url", pg_url)
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    line = manifest.read_text().splitlines().index("[steps.orders.source]") + 1
    assert (
        f"shop/seed.toml:{line}:1 [steps.orders.source]: cannot read `customers.nope` on the target:"
        in message
    ), message
    assert 'column "nope" does not exist' in message


# -- check ---------------------------------------------------------------------------------


def check(manifest: Path, *more: str) -> tuple[int, dict[str, Any]]:
    result = cli("check", "-m", str(manifest), "--format", "json", *more)
    return result.exit_code, json.loads(result.stdout)


def test_check_generates_orders_from_the_customers_it_loaded(tmp_path: Path) -> None:
    code, report = check(shop(tmp_path))
    assert (code, report["ok"], report["problems"]) == (0, True, [])
    rows = {s["name"]: (s["status"], s["rows"]) for s in report["steps"]}
    assert rows == {"shop/schema.sql": ("ok", 0), "customers": ("ok", 12), "orders": ("ok", COUNT)}


def test_check_catches_generated_keys_with_no_customer(tmp_path: Path) -> None:
    # the same check with keys not read from customers fails: the pass above is not vacuous
    manifest = shop(
        tmp_path, ('note = "sentence"', 'note = "sentence"\ncustomer_id = { choice = [999] }')
    )
    code, report = check(manifest)
    assert code == 1
    assert {p["kind"] for p in report["problems"]} == {"foreign_key"}


def test_check_orders_reading_customers_before_they_load_is_located(tmp_path: Path) -> None:
    # no foreign key in the DDL (so no edge), an explicit ref, and customers after orders
    manifest = shop(
        tmp_path,
        ('csv = "customers.csv"', 'csv = "customers.csv"\ndepends_on = ["orders"]'),
        ('note = "sentence"', 'note = "sentence"\ncustomer_id = { ref = "customers.customer_id" }'),
        schema=(
            "note        TEXT,\n    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
            "REFERENCES customers (customer_id)",
            "note        TEXT",
        ),
    )
    code, report = check(manifest)
    assert code == 1
    line = (
        manifest.read_text().splitlines().index('customer_id = { ref = "customers.customer_id" }')
    )
    assert report["problems"] == [
        {
            "step": "orders",
            "kind": "foreign_key",
            "message": "column `customer_id` picks from `customers.customer_id`, "
            "which has no rows yet",
            "file": "shop/seed.toml",
            "line": line + 1,
            "column": 1,
            "hint": "seed `customers` in an earlier step (depends_on, or a foreign key in the DDL)",
        }
    ]
    rows = [(s["name"], s["status"], s["rows"]) for s in report["steps"]]
    assert rows == [("shop/schema.sql", "ok", 0), ("orders", "failed", 0), ("customers", "ok", 12)]


def test_check_ref_to_a_missing_table_is_located_at_the_source(tmp_path: Path) -> None:
    manifest = shop(
        tmp_path, ('note = "sentence"', 'note = "sentence"\ncustomer_id = { ref = "clients.id" }')
    )
    code, report = check(manifest)
    assert code == 1
    line = manifest.read_text().splitlines().index("[steps.orders.source]") + 1
    [problem] = report["problems"]
    assert (problem["step"], problem["kind"], problem["file"], problem["line"]) == (
        "orders",
        "data",
        "shop/seed.toml",
        line,
    )
    assert (
        problem["message"]
        == "`clients` is not a table of this seed, so `clients.id` cannot be read"
    )
