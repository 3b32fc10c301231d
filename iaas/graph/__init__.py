"""A generic dependency graph: cycles, ordering, a parallel walker, drawings.

Nodes are any hashable values; ``graph.add_edge(a, b)`` means *a depends on
b*, so ``b`` comes first.  The package knows nothing about what the nodes
stand for.

>>> g = Graph(edges=[("app", "db"), ("db", "net")])
>>> g.topological_order()
['net', 'db', 'app']
>>> g.add_edge("net", "app")
>>> find_cycles(g)
[['app', 'db', 'net']]
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import GraphCycleError
from .graph import Graph, ancestors, descendants, find_cycles, topological_order
from .render import to_dot, to_mermaid

if TYPE_CHECKING:
    from .walker import EventKind, OnEvent, WalkResult, walk

_WALK = frozenset({"EventKind", "OnEvent", "WalkResult", "walk"})


def __getattr__(name: str) -> Any:
    """The parallel walker's names, loaded on first use (planning walks nothing)."""
    if name not in _WALK:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.walker"), name)
    globals()[name] = value
    return value


__all__ = [
    "EventKind",
    "Graph",
    "GraphCycleError",
    "OnEvent",
    "WalkResult",
    "ancestors",
    "descendants",
    "find_cycles",
    "to_dot",
    "to_mermaid",
    "topological_order",
    "walk",
]
