"""Draw a graph as Graphviz DOT or as a Mermaid flowchart.

Arrows point from a dependency to its dependent, the direction work flows:
``network.web -> instance.app`` means the network is handled before the
instance that depends on it.  Nodes get generated identifiers (``n0``,
``n1``, ...) and their text goes into an escaped label, so any node value,
whatever characters its text holds, is drawn safely and distinct nodes with
the same text stay distinct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

from .graph import Graph

N = TypeVar("N", bound=Hashable)

Label = Callable[[N], str]
NodeAttrs = Callable[[N], Mapping[str, str]]

_DOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/@+=-]")
_MERMAID_DIRECTIONS = {"TD", "TB", "BT", "LR", "RL"}


def to_dot(
    graph: Graph[N],
    label: Label[N] | None = None,
    attrs: NodeAttrs[N] | None = None,
    *,
    graph_attrs: Mapping[str, str] | None = None,
) -> str:
    """Render ``graph`` in the Graphviz DOT language.

    ``label(node)`` gives a node's text (default ``str(node)``);
    ``attrs(node)`` gives extra DOT attributes for a node, such as
    ``{"color": "red"}``; ``graph_attrs`` sets attributes of the whole graph,
    such as ``{"rankdir": "LR"}``.  Attribute names must be plain
    identifiers (``ValueError`` otherwise); every value is quoted.
    """
    text = label or str
    ids = _ids(graph)
    lines = ["digraph {"]
    for key, value in (graph_attrs or {}).items():
        lines.append(f"  {_dot_name(key)}={_dot_quote(value)};")
    for node, node_id in ids.items():
        fields = {"label": text(node), **(attrs(node) if attrs else {})}
        rendered = ", ".join(f"{_dot_name(k)}={_dot_quote(v)}" for k, v in fields.items())
        lines.append(f"  {node_id} [{rendered}];")
    for dependent, dependency in graph.edges():
        lines.append(f"  {ids[dependency]} -> {ids[dependent]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: Graph[N], label: Label[N] | None = None, *, direction: str = "TD") -> str:
    """Render ``graph`` as a Mermaid flowchart.

    ``label(node)`` gives a node's text (default ``str(node)``); every
    character outside a small safe set is written as a Mermaid entity code,
    so quotes, brackets and markup in node names cannot break the chart.
    ``direction`` is one of ``TD``, ``TB``, ``BT``, ``LR``, ``RL``.
    """
    if direction not in _MERMAID_DIRECTIONS:
        raise ValueError(f"unknown Mermaid direction {direction!r}")
    text = label or str
    ids = _ids(graph)
    lines = [f"flowchart {direction}"]
    for node, node_id in ids.items():
        lines.append(f'  {node_id}["{_mermaid_escape(text(node))}"]')
    for dependent, dependency in graph.edges():
        lines.append(f"  {ids[dependency]} --> {ids[dependent]}")
    return "\n".join(lines) + "\n"


def _ids(graph: Graph[N]) -> dict[N, str]:
    return {node: f"n{i}" for i, node in enumerate(graph.nodes)}


def _dot_name(name: str) -> str:
    if not _DOT_NAME.match(name):
        raise ValueError(f"not a valid DOT attribute name: {name!r}")
    return name


def _dot_quote(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return f'"{text}"'


def _mermaid_escape(text: str) -> str:
    return "".join(c if _MERMAID_SAFE.match(c) else f"#{ord(c)};" for c in text)
