"""Cycle detection: Tarjan's strongly connected components, without recursion.

A *cycle* here is a strongly connected component that contains at least one
edge: a component of two or more nodes, or a single node that depends on
itself.  :func:`find_cycles` reports each one as a closed path along the
edges, so an error message can spell it out as ``a -> b -> c -> a``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterator, Mapping
from typing import Generic, TypeVar

N = TypeVar("N", bound=Hashable)

Adjacency = Mapping[N, Mapping[N, None]]


def strongly_connected_components(adjacency: Adjacency[N]) -> list[list[N]]:
    """Every strongly connected component of the graph, singletons included.

    ``adjacency`` maps each node to its successors.  Components come out in
    Tarjan's order (a component before any component that reaches it).
    """
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    stack: list[N] = []
    on_stack: set[N] = set()
    components: list[list[N]] = []

    def visit(node: N) -> tuple[N, Iterator[N]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return node, iter(adjacency[node])

    for root in adjacency:
        if root in index:
            continue
        work = [visit(root)]
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    work.append(visit(succ))
                    break
                if succ in on_stack and index[succ] < low[node]:
                    low[node] = index[succ]
            else:
                work.pop()
                if work and low[node] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node]
                if low[node] == index[node]:
                    components.append(_pop_component(stack, on_stack, node))
    return components


def _pop_component(stack: list[N], on_stack: set[N], root: N) -> list[N]:
    component: list[N] = []
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.append(node)
        if node == root:
            return component


def find_cycles(adjacency: Adjacency[N]) -> list[list[N]]:
    """Every cycle of the graph, each as a closed path along the edges.

    Returns one list per strongly connected component that holds a cycle (two
    or more nodes, or one node with an edge to itself).  A list ``[n0, n1,
    ..., nk]`` reads ``n0 -> n1 -> ... -> nk -> n0``: each node has an edge to
    the next and the last has an edge back to the first.  Every node of the
    component appears.  A node appears more than once only when the path has
    to pass through it again to reach the rest of its component (a component
    need not have one simple cycle through all its nodes).

    Deterministic: each path starts at the component's earliest-added node,
    follows edges in the order they were added, and the paths are sorted by
    their first node's position.
    """
    position = {node: i for i, node in enumerate(adjacency)}
    cycles = []
    for component in strongly_connected_components(adjacency):
        if len(component) == 1 and component[0] not in adjacency[component[0]]:
            continue
        start = min(component, key=position.__getitem__)
        cycles.append(_closed_path(adjacency, set(component), start))
    cycles.sort(key=lambda path: position[path[0]])
    return cycles


def _closed_path(adjacency: Adjacency[N], members: set[N], start: N) -> list[N]:
    """A closed walk from ``start`` through every node of one component."""
    if len(members) == 1:
        return [start]
    inside = {n: [m for m in adjacency[n] if m in members] for n in members}
    tour = _Tour(inside, start)
    while len(tour.seen) < len(members):
        tour.extend(tour.path_to_unseen())
    path = tour.path
    path.extend(_shortest_path(inside, path[-1], start)[:-1])
    return path


class _Tour(Generic[N]):
    """A walk that keeps moving to the nearest node it has not visited yet."""

    def __init__(self, inside: dict[N, list[N]], start: N):
        self.inside = inside
        self.path = [start]
        self.seen = {start}
        # Per node, how many of its successors are known to be visited; lets
        # each successor list be scanned once over the whole tour.
        self.cursor: dict[N, int] = {}

    def extend(self, steps: list[N]) -> None:
        self.path.extend(steps)
        self.seen.update(steps)

    def first_unseen(self, node: N) -> int:
        """Index of the first unvisited successor of ``node``, or -1."""
        successors = self.inside[node]
        i = self.cursor.get(node, 0)
        while i < len(successors) and successors[i] in self.seen:
            i += 1
        self.cursor[node] = i
        return i if i < len(successors) else -1

    def path_to_unseen(self) -> list[N]:
        """Steps from the walk's end to the nearest unvisited node (BFS)."""
        here = self.path[-1]
        parent = {here: here}
        queue = deque([here])
        while queue:
            node = queue.popleft()
            found = self.first_unseen(node)
            if found >= 0:
                return [*_trace(parent, node, here), self.inside[node][found]]
            for succ in self.inside[node]:
                if succ not in parent:
                    parent[succ] = node
                    queue.append(succ)
        raise AssertionError("component is not strongly connected")


def _shortest_path(inside: dict[N, list[N]], source: N, target: N) -> list[N]:
    """Steps (``source`` excluded, ``target`` included) of a shortest path."""
    parent = {source: source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for succ in inside[node]:
            if succ == target:
                return [*_trace(parent, node, source), target]
            if succ not in parent:
                parent[succ] = node
                queue.append(succ)
    raise AssertionError("component is not strongly connected")


def _trace(parent: dict[N, N], node: N, origin: N) -> list[N]:
    """Steps from ``origin`` (excluded) to ``node`` (included) via ``parent``."""
    steps: list[N] = []
    while node != origin:
        steps.append(node)
        node = parent[node]
    steps.reverse()
    return steps
