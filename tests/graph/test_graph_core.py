"""The Graph container: building, reading, copying and removing."""

import pytest

from iaas.graph import Graph


def test_add_edge_means_first_depends_on_second() -> None:
    g = Graph()
    g.add_edge("instance.app", "network.web")
    assert g.dependencies("instance.app") == ["network.web"]
    assert g.dependents("network.web") == ["instance.app"]
    assert g.dependencies("network.web") == []
    assert g.has_edge("instance.app", "network.web")
    assert not g.has_edge("network.web", "instance.app")


def test_add_edge_adds_missing_nodes_in_order() -> None:
    g = Graph()
    g.add_node("c")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    assert g.nodes == ["c", "a", "b"]
    assert len(g) == 3
    assert list(g) == ["c", "a", "b"]


def test_duplicates_are_ignored() -> None:
    g = Graph(nodes=["a", "a"], edges=[("a", "b"), ("a", "b")])
    assert g.nodes == ["a", "b"]
    assert g.edges() == [("a", "b")]


def test_constructor_takes_nodes_and_edges() -> None:
    g = Graph(nodes=[3, 1], edges=[(1, 2), (3, 2)])
    assert g.nodes == [3, 1, 2]
    assert g.edges() == [(3, 2), (1, 2)]


def test_nodes_is_a_copy() -> None:
    g = Graph(nodes=["a"])
    g.nodes.append("b")
    assert g.nodes == ["a"]


def test_contains() -> None:
    g = Graph(nodes=["a", None, (1, 2)])
    assert "a" in g
    assert None in g
    assert (1, 2) in g
    assert "b" not in g
    assert [1, 2] not in g  # unhashable: never a node


def test_any_hashable_node() -> None:
    g = Graph(edges=[((1, "x"), frozenset({2})), (None, 0)])
    assert g.dependencies((1, "x")) == [frozenset({2})]
    assert g.dependencies(None) == [0]


def test_unknown_node_raises_key_error() -> None:
    g = Graph(nodes=["a"])
    for call in (g.dependencies, g.dependents, g.remove_node):
        with pytest.raises(KeyError):
            call("zzz")


def test_dependencies_keep_edge_order() -> None:
    g = Graph(edges=[("a", "z"), ("a", "b"), ("a", "m")])
    assert g.dependencies("a") == ["z", "b", "m"]


def test_remove_node_removes_its_edges() -> None:
    g = Graph(edges=[("a", "b"), ("b", "c"), ("d", "b")])
    g.remove_node("b")
    assert g.nodes == ["a", "c", "d"]
    assert g.edges() == []
    assert g.dependencies("a") == []
    assert g.dependents("c") == []


def test_remove_node_with_self_loop() -> None:
    g = Graph(edges=[("a", "a"), ("b", "a")])
    g.remove_node("a")
    assert g.nodes == ["b"]
    assert g.dependencies("b") == []


def test_remove_edge() -> None:
    g = Graph(edges=[("a", "b")])
    g.remove_edge("a", "b")
    assert g.edges() == []
    assert g.nodes == ["a", "b"]
    with pytest.raises(KeyError):
        g.remove_edge("a", "b")


def test_copy_is_independent() -> None:
    g = Graph(edges=[("a", "b")])
    c = g.copy()
    c.add_edge("b", "c")
    c.remove_edge("a", "b")
    assert g.edges() == [("a", "b")]
    assert g.nodes == ["a", "b"]
    assert c.edges() == [("b", "c")]
    assert c.dependents("b") == []
    assert g.dependents("b") == ["a"]


def test_subgraph_keeps_edges_among_chosen_nodes_in_graph_order() -> None:
    g = Graph(edges=[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a")])
    s = g.subgraph(["c", "a", "b"])
    assert s.nodes == ["a", "b", "c"]
    assert s.edges() == [("a", "b"), ("a", "c"), ("b", "c")]
    assert s.dependents("a") == []
    s.add_edge("c", "x")
    assert "x" not in g


def test_subgraph_rejects_unknown_nodes() -> None:
    with pytest.raises(KeyError):
        Graph(nodes=["a"]).subgraph(["a", "b"])


def test_repr_counts() -> None:
    assert repr(Graph(edges=[("a", "b")])) == "<Graph 2 nodes, 1 edges>"


def test_graph_package_imports_nothing_else_from_iaas() -> None:
    import ast
    import pathlib

    import iaas.graph

    root = pathlib.Path(iaas.graph.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith("iaas"), (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("iaas") for a in node.names), path.name
