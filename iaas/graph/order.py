"""Ordering and reachability over adjacency maps (``node -> ordered set``).

These functions take the raw adjacency dicts of a :class:`~iaas.graph.Graph`
so that the graph can run them in either direction.  All are iterative: deep
graphs never reach Python's recursion limit.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)

Adjacency = Mapping[N, Mapping[N, None]]


def topological(waits: Adjacency[N], releases: Adjacency[N]) -> list[N]:
    """Nodes ordered so that each comes after every node it ``waits`` on.

    ``releases`` is the inverse of ``waits``.  Ties go to the node that comes
    first in ``waits``.  Nodes on or behind a cycle are left out, so a result
    shorter than ``waits`` means the graph has a cycle.
    """
    position = {node: i for i, node in enumerate(waits)}
    remaining = {node: len(deps) for node, deps in waits.items()}
    # Built in position order, so the list already is a valid heap.
    ready = [(position[n], n) for n, count in remaining.items() if count == 0]
    result: list[N] = []
    while ready:
        node = heapq.heappop(ready)[1]
        result.append(node)
        for other in releases[node]:
            remaining[other] -= 1
            if remaining[other] == 0:
                heapq.heappush(ready, (position[other], other))
    return result


def is_acyclic(waits: Adjacency[N], releases: Adjacency[N]) -> bool:
    """Tell whether the graph described by ``waits``/``releases`` has no cycle."""
    remaining = {node: len(deps) for node, deps in waits.items()}
    ready = [n for n, count in remaining.items() if count == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for other in releases[node]:
            remaining[other] -= 1
            if remaining[other] == 0:
                ready.append(other)
    return seen == len(remaining)


def reachable(adjacency: Adjacency[N], starts: Iterable[N]) -> set[N]:
    """Every node reachable from ``starts`` by following one or more edges."""
    seen: set[N] = set()
    stack: list[N] = []
    for start in starts:
        stack.extend(adjacency[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(n for n in adjacency[node] if n not in seen)
    return seen
