"""The README's portable-SQL section is generated from the policy's own table of rules
(seedkit.portable.rules), and a test fails as soon as the two differ."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from seedkit.portable.rules import CONSTRUCT_RULES, STATEMENT_RULES, TARGETS, classify

ROOT = Path(__file__).resolve().parents[2]


def _gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_section_is_the_rule_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == _gen_docs().readme_with_portable(readme), (
        "README.md portable-SQL section is stale: run `python scripts/gen_docs.py`"
    )
    section = readme.split("<!-- portable:start -->")[1].split("<!-- portable:end -->")[0]
    for rule in CONSTRUCT_RULES:
        row = "| " + " | ".join([rule.construct, *(rule.on(t) for t in TARGETS)]) + " |"
        assert row in section
    flat = " ".join(section.split())
    for statement in STATEMENT_RULES:
        assert statement.what in flat


def test_the_table_is_what_classifies_statements() -> None:
    assert classify("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql").kind == (
        "unportable"
    )
    assert classify("-- pg_dump\nSET statement_timeout = 0").kind == "dropped"
    assert classify("ALTER FUNCTION f() OWNER TO bob").kind == "dropped"
    assert classify("CREATE TABLE t (id serial PRIMARY KEY)") is None
