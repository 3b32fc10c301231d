"""The error raised when a graph that must be acyclic has a cycle."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


class GraphCycleError(Exception):
    """The graph has one or more dependency cycles.

    ``cycles`` holds every cyclic strongly connected component, each as the
    closed path returned by :func:`find_cycles` (``[a, b]`` reads
    ``a -> b -> a``).  Callers that show errors to users can turn it into
    their own error type; the message already names every node of each cycle.
    """

    def __init__(self, cycles: Sequence[Sequence[Hashable]]):
        self.cycles: list[list[Hashable]] = [list(c) for c in cycles]
        super().__init__(self._render())

    def _render(self) -> str:
        paths = [" -> ".join(str(n) for n in [*c, c[0]]) for c in self.cycles if c]
        if len(paths) == 1:
            return f"dependency cycle: {paths[0]}"
        return f"{len(paths)} dependency cycles: " + "; ".join(paths)
