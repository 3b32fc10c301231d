"""How long the dependency graph takes to build, order and walk a large graph.

For each shape it builds a graph of N nodes named like resource addresses,
computes the topological order, and walks it with a function that does
nothing, so what is measured is the graph's own overhead.  Each figure is
the best of ``--repeat`` runs.  The walk's peak of Python memory is measured
in one more run under ``tracemalloc`` (which slows that run down, so it is
not part of the timings).

Shapes (the same graphs as ``terraform_peer.py``):

- ``independent``: no dependencies.
- ``chain``: every node depends on the one before it.
- ``layers50``: 50 layers; the k-th node of a layer depends on the k-th and
  the next node of the layer before, wrapping around.

Usage, from the repository root::

    python bench/graph_walk.py                       # N=10000, parallelism 10
    python bench/graph_walk.py --n 50000 --parallelism 4 --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iaas.graph import Graph, walk  # noqa: E402

SHAPES = ("independent", "chain", "layers50")


def dependencies(shape: str, n: int) -> list[list[int]]:
    """For each of ``n`` nodes, the indices of the nodes it depends on."""
    if shape == "independent":
        return [[] for _ in range(n)]
    if shape == "chain":
        return [[i - 1] if i else [] for i in range(n)]
    layers = min(50, n)
    members: list[list[int]] = [[] for _ in range(layers)]
    for i in range(n):
        members[i * layers // n].append(i)
    deps: list[list[int]] = [[] for _ in range(n)]
    for below, layer in zip(members, members[1:], strict=False):
        for k, i in enumerate(layer):
            deps[i] = [below[k % len(below)], below[(k + 1) % len(below)]]
    return deps


def build(deps: list[list[int]]) -> Graph[str]:
    """A graph whose node ``i`` is ``null.r<i>`` with the given dependencies."""
    names = [f"null.r{i}" for i in range(len(deps))]
    graph: Graph[str] = Graph()
    for i, on in enumerate(deps):
        graph.add_node(names[i])
        for j in on:
            graph.add_edge(names[i], names[j])
    return graph


def best(fn: Callable[[], object], repeat: int) -> float:
    """The shortest wall time of ``repeat`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(shape: str, n: int, parallelism: int, repeat: int) -> dict[str, float]:
    """Timings (seconds) and walk memory (KiB) for one shape."""
    deps = dependencies(shape, n)
    graph = build(deps)

    def run_walk() -> None:
        result = walk(graph, lambda node: None, parallelism=parallelism)
        assert result.ok and len(result.done) == n

    row = {
        "build_s": best(lambda: build(deps), repeat),
        "order_s": best(graph.topological_order, repeat),
        "walk_s": best(run_walk, repeat),
    }
    row["total_s"] = row["build_s"] + row["order_s"] + row["walk_s"]
    tracemalloc.start()
    run_walk()
    row["walk_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    return row


def main(argv: list[str] | None = None) -> None:
    """Print one line of figures per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="nodes per graph (default 10000)")
    parser.add_argument("--parallelism", type=int, default=10, help="walk parallelism (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, best kept (default 3)")
    args = parser.parse_args(argv)
    print(f"N={args.n} parallelism={args.parallelism} best of {args.repeat}")
    print(f"{'shape':<12} {'build':>8} {'order':>8} {'walk':>8} {'total':>8} {'walk peak':>10}")
    for shape in SHAPES:
        r = measure(shape, args.n, args.parallelism, args.repeat)
        print(
            f"{shape:<12} {r['build_s']:>7.3f}s {r['order_s']:>7.3f}s {r['walk_s']:>7.3f}s"
            f" {r['total_s']:>7.3f}s {r['walk_peak_kib']:>7.0f} KiB"
        )


if __name__ == "__main__":
    main()
