"""Cycle detection: Tarjan's components and cycle paths."""

from iaas.graph import Graph, GraphCycleError, find_cycles


def _is_closed_path(g: Graph, path: list) -> bool:
    return all(g.has_edge(path[i], path[(i + 1) % len(path)]) for i in range(len(path)))


def test_no_cycles_in_a_dag() -> None:
    g = Graph(edges=[("a", "b"), ("b", "c"), ("a", "c")])
    assert find_cycles(g) == []


def test_two_node_cycle() -> None:
    g = Graph(edges=[("web", "db"), ("db", "web")])
    assert find_cycles(g) == [["web", "db"]]


def test_path_follows_edges_from_earliest_node() -> None:
    g = Graph(nodes=["c", "b", "a"])
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", "a")
    assert find_cycles(g) == [["c", "a", "b"]]


def test_self_loop_is_a_cycle() -> None:
    g = Graph(edges=[("a", "a"), ("b", "a")])
    assert find_cycles(g) == [["a"]]


def test_self_loop_inside_a_bigger_cycle_is_reported_once() -> None:
    g = Graph(edges=[("a", "a"), ("a", "b"), ("b", "a")])
    assert find_cycles(g) == [["a", "b"]]


def test_every_cycle_in_graph_order() -> None:
    g = Graph(nodes=["x", "p"])
    g.add_edge("p", "q")
    g.add_edge("q", "p")
    g.add_edge("x", "y")
    g.add_edge("y", "x")
    g.add_edge("x", "p")  # joins the two cycles one way only
    g.add_edge("solo", "solo")
    assert find_cycles(g) == [["x", "y"], ["p", "q"], ["solo"]]


def test_component_without_simple_cycle_repeats_the_hub() -> None:
    # b and c only connect through a: no simple cycle holds all three.
    g = Graph(edges=[("a", "b"), ("b", "a"), ("a", "c"), ("c", "a")])
    cycles = find_cycles(g)
    assert cycles == [["a", "b", "a", "c"]]
    assert _is_closed_path(g, cycles[0])


def test_large_star_component() -> None:
    g = Graph()
    for i in range(2_000):
        g.add_edge("hub", i)
        g.add_edge(i, "hub")
    [path] = find_cycles(g)
    assert set(path) == {"hub", *range(2_000)}
    assert _is_closed_path(g, path)


def test_deep_ring_needs_no_recursion() -> None:
    n = 100_000
    g = Graph(nodes=[0])
    for i in range(1, n):
        g.add_edge(i, i - 1)
    g.add_edge(0, n - 1)
    [path] = find_cycles(g)
    assert path == [0, *range(n - 1, 0, -1)]


def test_strongly_connected_components_cover_every_node() -> None:
    g = Graph(edges=[("a", "b"), ("b", "a"), ("c", "a")])
    components = g.strongly_connected_components()
    assert sorted(sorted(c) for c in components) == [["a", "b"], ["c"]]
    # A component comes before the components that depend on it.
    assert components.index(["c"]) > 0


def test_graph_cycle_error_message_names_each_cycle() -> None:
    err = GraphCycleError([["a", "b"], ["c"]])
    assert err.cycles == [["a", "b"], ["c"]]
    assert str(err) == "2 dependency cycles: a -> b -> a; c -> c"
    assert str(GraphCycleError([["x", "y"]])) == "dependency cycle: x -> y -> x"
