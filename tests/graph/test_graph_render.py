"""DOT and Mermaid drawings."""

import pytest

from iaas.graph import Graph, to_dot, to_mermaid


def test_dot_draws_dependency_to_dependent() -> None:
    g = Graph(edges=[("instance.app", "network.web")])
    assert to_dot(g) == ('digraph {\n  n0 [label="instance.app"];\n  n1 [label="network.web"];\n  n1 -> n0;\n}\n')


def test_dot_escapes_labels_and_attribute_values() -> None:
    g = Graph(nodes=['say "hi"\\n\nnext'])
    out = to_dot(g, attrs=lambda n: {"tooltip": 'a"b'}, graph_attrs={"rankdir": "LR"})
    assert '  rankdir="LR";' in out
    assert r'n0 [label="say \"hi\"\\n\nnext", tooltip="a\"b"];' in out
    assert "\n" not in out.split("n0 [", 1)[1].split("];", 1)[0]


def test_dot_custom_label_and_distinct_ids_for_equal_text() -> None:
    g = Graph(nodes=[1, "1"])
    out = to_dot(g, label=lambda n: f"<{type(n).__name__}:{n}>")
    assert 'n0 [label="<int:1>"];' in out
    assert 'n1 [label="<str:1>"];' in out


def test_dot_rejects_bad_attribute_names() -> None:
    g = Graph(nodes=["a"])
    with pytest.raises(ValueError):
        to_dot(g, attrs=lambda n: {"x]; evil": "1"})
    with pytest.raises(ValueError):
        to_dot(g, graph_attrs={"a b": "1"})


def test_mermaid_draws_dependency_to_dependent() -> None:
    g = Graph(edges=[("instance.app", "network.web")])
    assert to_mermaid(g) == ('flowchart TD\n  n0["instance.app"]\n  n1["network.web"]\n  n1 --> n0\n')


def test_mermaid_escapes_special_characters() -> None:
    g = Graph(nodes=['a"b]<c>#;&\n'])
    out = to_mermaid(g, direction="LR")
    assert out.startswith("flowchart LR\n")
    assert 'n0["a#34;b#93;#60;c#62;#35;#59;#38;#10;"]' in out


def test_mermaid_rejects_unknown_direction() -> None:
    with pytest.raises(ValueError):
        to_mermaid(Graph(), direction="sideways")


def test_empty_graph_renders() -> None:
    assert to_dot(Graph()) == "digraph {\n}\n"
    assert to_mermaid(Graph()) == "flowchart TD\n"
