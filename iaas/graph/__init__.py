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

from .errors import GraphCycleError
from .graph import Graph, ancestors, descendants, find_cycles, topological_order
from .render import to_dot, to_mermaid
from .walk import EventKind, OnEvent, WalkResult, walk

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
