"""The :class:`Graph` container: nodes, dependency edges and simple queries.

An edge ``a -> b`` means *a depends on b*: ``b`` must be handled before ``a``.
Nodes are any hashable values and keep the order in which they were first
added; every algorithm in this package breaks ties by that order, so the same
graph always gives the same answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

from . import order, tarjan
from .errors import GraphCycleError

N = TypeVar("N", bound=Hashable)


class Graph(Generic[N]):
    """A directed dependency graph over hashable nodes.

    ``Graph(nodes=[...], edges=[(a, b), ...])`` builds a graph in one call;
    each edge ``(a, b)`` means *a depends on b*.
    """

    def __init__(self, nodes: Iterable[N] = (), edges: Iterable[tuple[N, N]] = ()):
        """Create a graph holding ``nodes`` and ``edges`` (both optional)."""
        # node -> its direct dependencies / direct dependents, as ordered sets.
        # Both dicts always hold the same keys in the same order.
        self._deps: dict[N, dict[N, None]] = {}
        self._dependents: dict[N, dict[N, None]] = {}
        for node in nodes:
            self.add_node(node)
        for a, b in edges:
            self.add_edge(a, b)

    # -- building -----------------------------------------------------------

    def add_node(self, node: N) -> None:
        """Add ``node``; adding a node that is already present does nothing."""
        if node not in self._deps:
            self._deps[node] = {}
            self._dependents[node] = {}

    def add_edge(self, a: N, b: N) -> None:
        """Record that ``a`` depends on ``b``, adding either node if missing.

        ``a == b`` makes a self-loop, which is a cycle.
        """
        self.add_node(a)
        self.add_node(b)
        self._deps[a][b] = None
        self._dependents[b][a] = None

    def remove_edge(self, a: N, b: N) -> None:
        """Remove the edge ``a -> b``; raise ``KeyError`` if there is none."""
        if not self.has_edge(a, b):
            raise KeyError((a, b))
        del self._deps[a][b]
        del self._dependents[b][a]

    def remove_node(self, node: N) -> None:
        """Remove ``node`` and every edge touching it; ``KeyError`` if absent."""
        self._check(node)
        for dep in self._deps.pop(node):
            if dep != node:
                del self._dependents[dep][node]
        for user in self._dependents.pop(node):
            if user != node:
                del self._deps[user][node]

    # -- reading ------------------------------------------------------------

    @property
    def nodes(self) -> list[N]:
        """Every node, in the order it was first added."""
        return list(self._deps)

    def edges(self) -> list[tuple[N, N]]:
        """Every edge as ``(a, b)`` meaning *a depends on b*, in insertion order."""
        return [(a, b) for a, deps in self._deps.items() for b in deps]

    def has_edge(self, a: N, b: N) -> bool:
        """Tell whether ``a`` directly depends on ``b``."""
        deps = self._deps.get(a)
        return deps is not None and b in deps

    def dependencies(self, node: N) -> list[N]:
        """The nodes ``node`` directly depends on; ``KeyError`` if absent."""
        self._check(node)
        return list(self._deps[node])

    def dependents(self, node: N) -> list[N]:
        """The nodes that directly depend on ``node``; ``KeyError`` if absent."""
        self._check(node)
        return list(self._dependents[node])

    def __contains__(self, node: object) -> bool:
        """Tell whether ``node`` is in the graph."""
        try:
            return node in self._deps
        except TypeError:  # unhashable values are never nodes
            return False

    def __len__(self) -> int:
        """The number of nodes."""
        return len(self._deps)

    def __iter__(self) -> Iterator[N]:
        """Iterate over the nodes in insertion order."""
        return iter(list(self._deps))

    def __repr__(self) -> str:
        edges = sum(len(d) for d in self._deps.values())
        return f"<Graph {len(self._deps)} nodes, {edges} edges>"

    # -- derived graphs -----------------------------------------------------

    def copy(self) -> Graph[N]:
        """An independent copy with the same nodes, edges and order."""
        new: Graph[N] = Graph()
        new._deps = {n: dict(d) for n, d in self._deps.items()}
        new._dependents = {n: dict(d) for n, d in self._dependents.items()}
        return new

    def subgraph(self, nodes: Iterable[N]) -> Graph[N]:
        """The graph induced by ``nodes``: those nodes and the edges among them.

        Nodes keep this graph's order; ``KeyError`` names a node not present.
        """
        keep = set(nodes)
        for node in keep:
            self._check(node)
        new: Graph[N] = Graph()
        for node, deps in self._deps.items():
            if node in keep:
                new._deps[node] = {d: None for d in deps if d in keep}
                new._dependents[node] = {u: None for u in self._dependents[node] if u in keep}
        return new

    # -- algorithms ---------------------------------------------------------

    def ancestors(self, nodes: Iterable[N]) -> set[N]:
        """Every transitive dependency of ``nodes``.

        A given node is included only if it is itself a dependency of one of
        the given nodes (for example when it lies on a cycle).
        """
        return order.reachable(self._deps, self._starts(nodes))

    def descendants(self, nodes: Iterable[N]) -> set[N]:
        """Every transitive dependent of ``nodes`` (same rule as :meth:`ancestors`)."""
        return order.reachable(self._dependents, self._starts(nodes))

    def find_cycles(self) -> list[list[N]]:
        """Every cycle of the graph; see :func:`iaas.graph.find_cycles`."""
        return tarjan.find_cycles(self._deps)

    def strongly_connected_components(self) -> list[list[N]]:
        """Every strongly connected component, single nodes included.

        A component comes before every component that depends on it.
        """
        return tarjan.strongly_connected_components(self._deps)

    def is_acyclic(self) -> bool:
        """Tell whether the graph has no cycle (cheaper than :meth:`find_cycles`)."""
        return order.is_acyclic(self._deps, self._dependents)

    def topological_order(self, reverse: bool = False) -> list[N]:
        """Every node, dependencies first (``reverse=True``: dependents first).

        Among nodes that are free to go next, the earliest added goes first,
        so the order is deterministic.  Raises
        :class:`~iaas.graph.GraphCycleError` naming every cycle.
        """
        if reverse:
            result = order.topological(self._dependents, self._deps)
        else:
            result = order.topological(self._deps, self._dependents)
        if len(result) != len(self._deps):
            raise GraphCycleError(self.find_cycles())
        return result

    # -- helpers ------------------------------------------------------------

    def _check(self, node: N) -> None:
        if node not in self._deps:
            raise KeyError(node)

    def _starts(self, nodes: Iterable[N]) -> list[N]:
        if isinstance(nodes, (str, bytes)):
            raise TypeError("pass an iterable of nodes, such as [node], not one string")
        starts = list(nodes)
        for node in starts:
            self._check(node)
        return starts


def find_cycles(graph: Graph[N]) -> list[list[N]]:
    """Every cycle of ``graph``, each as a closed path along its edges.

    One list per strongly connected component that holds a cycle: two or
    more nodes, or a single node that depends on itself.  ``[a, b, c]``
    reads ``a -> b -> c -> a`` (a depends on b, b on c, c on a).  Every node
    of the component appears; a node repeats only when the path must pass it
    again to reach the rest of its component.  Each path starts at its
    component's earliest-added node, and paths are sorted by that node.
    Iterative, so arbitrarily deep graphs are fine.
    """
    return graph.find_cycles()


def topological_order(graph: Graph[N], reverse: bool = False) -> list[N]:
    """Every node of ``graph``, dependencies first; see :meth:`Graph.topological_order`."""
    return graph.topological_order(reverse=reverse)


def ancestors(graph: Graph[N], nodes: Iterable[N]) -> set[N]:
    """Every transitive dependency of ``nodes``; see :meth:`Graph.ancestors`."""
    return graph.ancestors(nodes)


def descendants(graph: Graph[N], nodes: Iterable[N]) -> set[N]:
    """Every transitive dependent of ``nodes``; see :meth:`Graph.descendants`."""
    return graph.descendants(nodes)
