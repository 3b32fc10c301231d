"""Topological order, ancestors and descendants."""

import pytest

from iaas.graph import Graph, GraphCycleError, ancestors, descendants, topological_order


def _chain(n: int) -> Graph[int]:
    g: Graph[int] = Graph(nodes=[0])
    for i in range(1, n):
        g.add_edge(i, i - 1)
    return g


def test_dependencies_come_first() -> None:
    g = Graph(edges=[("app", "db"), ("db", "net"), ("app", "net")])
    assert g.topological_order() == ["net", "db", "app"]


def test_reverse_puts_dependents_first() -> None:
    g = Graph(edges=[("app", "db"), ("db", "net"), ("app", "net")])
    assert g.topological_order(reverse=True) == ["app", "db", "net"]


def test_ties_go_to_insertion_order() -> None:
    g = Graph(nodes=["c", "a", "b"])
    assert g.topological_order() == ["c", "a", "b"]
    assert g.topological_order(reverse=True) == ["c", "a", "b"]


def test_earliest_free_node_goes_next() -> None:
    # "x" and "y" are added before "base" but depend on it; "z" is free.
    g = Graph(nodes=["x", "y", "z", "base"])
    g.add_edge("y", "base")
    g.add_edge("x", "base")
    assert g.topological_order() == ["z", "base", "x", "y"]
    assert g.topological_order(reverse=True) == ["x", "y", "z", "base"]


def test_empty_graph() -> None:
    assert Graph().topological_order() == []
    assert Graph().find_cycles() == []


def test_module_function_matches_method() -> None:
    g = Graph(edges=[("a", "b")])
    assert topological_order(g) == ["b", "a"]
    assert topological_order(g, reverse=True) == ["a", "b"]


def test_cycle_raises_with_cycles() -> None:
    g = Graph(edges=[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")])
    with pytest.raises(GraphCycleError) as info:
        g.topological_order()
    assert info.value.cycles == [["a", "b", "c"]]
    assert "a -> b -> c -> a" in str(info.value)
    with pytest.raises(GraphCycleError):
        g.topological_order(reverse=True)


def test_self_loop_raises() -> None:
    g = Graph(edges=[("a", "a")])
    with pytest.raises(GraphCycleError) as info:
        g.topological_order()
    assert info.value.cycles == [["a"]]


def test_is_acyclic() -> None:
    assert Graph(edges=[("a", "b")]).is_acyclic()
    assert not Graph(edges=[("a", "b"), ("b", "a")]).is_acyclic()
    assert not Graph(edges=[("a", "a")]).is_acyclic()


def test_ancestors_and_descendants() -> None:
    g = Graph(edges=[("app", "db"), ("db", "net"), ("web", "net"), ("other", "x")])
    assert g.ancestors(["app"]) == {"db", "net"}
    assert g.descendants(["net"]) == {"db", "app", "web"}
    assert g.ancestors(["app", "db"]) == {"db", "net"}
    assert g.descendants(["x", "net"]) == {"other", "db", "app", "web"}
    assert g.ancestors([]) == set()
    assert ancestors(g, ["db"]) == {"net"}
    assert descendants(g, ["db"]) == {"app"}


def test_ancestors_include_start_on_a_cycle() -> None:
    g = Graph(edges=[("a", "b"), ("b", "a"), ("a", "c")])
    assert g.ancestors(["a"]) == {"a", "b", "c"}
    assert g.descendants(["c"]) == {"a", "b"}


def test_ancestors_reject_unknown_nodes_and_plain_strings() -> None:
    g = Graph(edges=[("a", "b")])
    with pytest.raises(KeyError):
        g.ancestors(["nope"])
    with pytest.raises(TypeError):
        g.ancestors("a")  # type: ignore[arg-type]


def test_deep_chain_needs_no_recursion() -> None:
    n = 100_000
    g = _chain(n)
    assert g.topological_order() == list(range(n))
    assert g.topological_order(reverse=True) == list(range(n - 1, -1, -1))
    assert len(g.ancestors([n - 1])) == n - 1
    assert len(g.descendants([0])) == n - 1
    assert g.find_cycles() == []
    assert g.is_acyclic()
