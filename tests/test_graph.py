"""The DAG: levels, named cycles, self-references, dbt-style selection."""

from __future__ import annotations

import pytest

from seedkit.errors import GraphError
from seedkit.graph import DAG, CycleError


def market() -> DAG:
    dag = DAG(["rules", "tickers", "exchanges", "sectors", "holidays"])
    dag.add_edge("tickers", "exchanges", "inferred")
    dag.add_edge("tickers", "sectors", "inferred")
    dag.add_edge("rules", "tickers", "declared")
    dag.add_edge("holidays", "exchanges", "declared")
    return dag


def test_levels_depend_only_on_earlier_levels() -> None:
    assert market().levels() == [["exchanges", "sectors"], ["holidays", "tickers"], ["rules"]]


def test_declared_edge_wins_over_inferred() -> None:
    dag = market()
    dag.add_edge("tickers", "exchanges", "declared")
    dag.add_edge("rules", "tickers", "inferred")
    kinds = {(e.step, e.on): e.kind for e in dag.edges()}
    assert kinds[("tickers", "exchanges")] == "declared"
    assert kinds[("rules", "tickers")] == "declared"


def test_cycle_names_whole_path() -> None:
    dag = market()
    dag.add_edge("tickers", "rules")
    with pytest.raises(CycleError) as err:
        dag.levels()
    assert err.value.path == ["rules", "tickers", "rules"]
    assert "rules -> tickers -> rules" in str(err.value)
    assert err.value.exit_code == 2


def test_self_reference_is_not_a_cycle() -> None:
    dag = DAG(["employees"])
    dag.add_edge("employees", "employees", "inferred")
    assert dag.levels() == [["employees"]]
    assert dag.edges() == []


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["tickers"], {"tickers"}),
        (["+tickers"], {"tickers", "exchanges", "sectors"}),
        (["tickers+"], {"tickers", "rules"}),
        (["+tickers+"], {"tickers", "exchanges", "sectors", "rules"}),
        (["exchanges+", "sectors"], {"exchanges", "tickers", "rules", "holidays", "sectors"}),
    ],
)
def test_select(patterns: list[str], expected: set[str]) -> None:
    assert market().select(patterns) == expected


def test_select_unknown_step() -> None:
    with pytest.raises(GraphError, match="unknown step `tickerz`"):
        market().select(["tickerz+"])


def test_cycle_of_inferred_edges_is_one_group() -> None:
    dag = DAG(["staff", "store", "rental", "city"])
    dag.add_edge("staff", "store", "inferred")
    dag.add_edge("store", "staff", "inferred")
    dag.add_edge("store", "city", "inferred")
    dag.add_edge("rental", "staff", "declared")
    assert dag.groups() == [["staff", "store"]]
    assert dag.levels() == [["city"], ["staff", "store"], ["rental"]]


def test_three_table_cycle_is_one_group() -> None:
    dag = DAG(["a", "b", "c", "d"])
    dag.add_edge("a", "b", "inferred")
    dag.add_edge("b", "c", "inferred")
    dag.add_edge("c", "a", "inferred")
    dag.add_edge("a", "d", "inferred")
    assert dag.groups() == [["a", "b", "c"]]
    assert dag.levels() == [["d"], ["a", "b", "c"]]


def test_cycle_holding_a_declared_edge_names_its_path_and_what_to_remove() -> None:
    dag = DAG(["a", "b", "c"])
    dag.add_edge("a", "b", "inferred")
    dag.add_edge("b", "c", "inferred")
    dag.add_edge("c", "a", "declared")
    with pytest.raises(CycleError) as err:
        dag.levels()
    assert err.value.path == ["c", "a", "b", "c"]
    assert str(err.value.message) == "dependency cycle: c -> a -> b -> c"
    assert err.value.hint is not None
    assert "remove `a` from the `depends_on` of `c`" in err.value.hint
