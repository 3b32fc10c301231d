"""Property-based tests: the graph algorithms against brute-force answers."""

import threading
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iaas.graph import Graph, GraphCycleError, find_cycles, walk

# Walk tests use threads: their run time varies, which is not a failure.
WALK_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 10) -> Graph[int]:
    """Any directed graph, self-loops included, with a random insertion order."""
    n = draw(st.integers(0, max_nodes))
    order = draw(st.permutations(range(n)))
    if n == 0:
        return Graph()
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node), max_size=3 * n))
    return Graph(nodes=order, edges=edges)


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 14) -> Graph[int]:
    """A random DAG: a node only depends on nodes with a smaller number."""
    n = draw(st.integers(0, max_nodes))
    order = draw(st.permutations(range(n)))
    if n < 2:
        return Graph(nodes=order)
    node = st.integers(0, n - 1)
    pairs = draw(st.lists(st.tuples(node, node).filter(lambda p: p[0] != p[1]), max_size=3 * n))
    return Graph(nodes=order, edges=[(max(p), min(p)) for p in pairs])


def reach(g: Graph[int], start: int, reverse: bool = False) -> set[int]:
    """Nodes reachable from ``start`` along one or more edges (brute force)."""
    step = g.dependents if reverse else g.dependencies
    seen: set[int] = set()
    todo = list(step(start))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step(node))
    return seen


def brute_components(g: Graph[int]) -> set[frozenset[int]]:
    """All strongly connected components, by mutual reachability."""
    reachable = {n: reach(g, n) for n in g.nodes}
    return {frozenset({n} | {m for m in reachable[n] if n in reachable[m]}) for n in g.nodes}


def brute_cycles(g: Graph[int]) -> set[frozenset[int]]:
    """The components that hold a cycle: two or more nodes, or a self-loop."""
    return {c for c in brute_components(g) if len(c) > 1 or g.has_edge(next(iter(c)), next(iter(c)))}


@given(dags())
def test_topological_order_puts_dependencies_first(g: Graph[int]) -> None:
    forward = g.topological_order()
    backward = g.topological_order(reverse=True)
    assert sorted(forward) == sorted(g.nodes) == sorted(backward)
    pos = {n: i for i, n in enumerate(forward)}
    rpos = {n: i for i, n in enumerate(backward)}
    for a, b in g.edges():
        assert pos[b] < pos[a]
        assert rpos[a] < rpos[b]


@given(dags())
def test_topological_order_takes_the_earliest_free_node(g: Graph[int]) -> None:
    rank = {n: i for i, n in enumerate(g.nodes)}
    placed: set[int] = set()
    for node in g.topological_order():
        free = [n for n in g.nodes if n not in placed and all(d in placed for d in g.dependencies(n))]
        assert node == min(free, key=rank.__getitem__)
        placed.add(node)


@given(dags())
def test_same_graph_same_answers(g: Graph[int]) -> None:
    again = Graph(nodes=g.nodes, edges=g.edges())
    assert again.topological_order() == g.topological_order()
    assert again.topological_order(reverse=True) == g.topological_order(reverse=True)


@given(graphs())
def test_find_cycles_is_exact(g: Graph[int]) -> None:
    cycles = find_cycles(g)
    expected = brute_cycles(g)
    assert bool(cycles) == bool(expected) == (not g.is_acyclic())
    assert {frozenset(c) for c in cycles} == expected
    assert len(cycles) == len(expected)
    for path in cycles:
        for i, node in enumerate(path):
            assert g.has_edge(node, path[(i + 1) % len(path)]), (path, i)


@given(graphs())
def test_cycles_are_deterministic_and_start_at_earliest_node(g: Graph[int]) -> None:
    rank = {n: i for i, n in enumerate(g.nodes)}
    cycles = find_cycles(g)
    assert cycles == find_cycles(g.copy())
    assert [c[0] for c in cycles] == sorted((c[0] for c in cycles), key=rank.__getitem__)
    for path in cycles:
        assert path[0] == min(path, key=rank.__getitem__)


@given(graphs())
def test_components_partition_the_graph(g: Graph[int]) -> None:
    components = g.strongly_connected_components()
    assert {frozenset(c) for c in components} == brute_components(g)
    assert sum(len(c) for c in components) == len(g)


@given(graphs())
def test_topological_order_raises_exactly_on_cycles(g: Graph[int]) -> None:
    try:
        g.topological_order()
    except GraphCycleError as err:
        assert err.cycles == find_cycles(g)
        assert err.cycles
    else:
        assert not brute_cycles(g)


@given(graphs(), st.data())
def test_ancestors_and_descendants_match_reachability(g: Graph[int], data: st.DataObject) -> None:
    starts = data.draw(st.lists(st.sampled_from(g.nodes), max_size=3)) if len(g) else []
    assert g.ancestors(starts) == set().union(*(reach(g, s) for s in starts))
    assert g.descendants(starts) == set().union(*(reach(g, s, reverse=True) for s in starts))


@given(graphs(), st.data())
def test_subgraph_keeps_exactly_the_inner_edges(g: Graph[int], data: st.DataObject) -> None:
    keep = set(data.draw(st.lists(st.sampled_from(g.nodes)))) if len(g) else set()
    sub = g.subgraph(keep)
    assert sub.nodes == [n for n in g.nodes if n in keep]
    assert sub.edges() == [(a, b) for a, b in g.edges() if a in keep and b in keep]
    for node in sub.nodes:
        assert sub.dependents(node) == [d for d in g.dependents(node) if d in keep]


class Log:
    """Thread-safe record of starts and finishes with a global sequence."""

    def __init__(self, fail: set[int]):
        self.fail = fail
        self.lock = threading.Lock()
        self.seq = 0
        self.started: dict[int, int] = {}
        self.calls: dict[int, int] = {}
        self.finished: dict[int, int] = {}
        self.running = 0
        self.peak = 0

    def __call__(self, node: int) -> int:
        with self.lock:
            self.seq += 1
            self.started[node] = self.seq
            self.calls[node] = self.calls.get(node, 0) + 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.0002 * (node % 3))  # shuffles which call ends first
        with self.lock:
            self.seq += 1
            self.finished[node] = self.seq
            self.running -= 1
        if node in self.fail:
            raise RuntimeError(node)
        return node * 10


@WALK_SETTINGS
@given(dags(), st.data(), st.sampled_from([1, 2, 3, 8]), st.booleans())
def test_walk_order_skips_and_completeness(g: Graph[int], data: st.DataObject, parallelism: int, reverse: bool) -> None:
    fail = set(data.draw(st.lists(st.sampled_from(g.nodes), max_size=3))) if len(g) else set()
    log = Log(fail)
    result = walk(g, log, parallelism=parallelism, reverse=reverse)

    waits_on = g.dependents if reverse else g.dependencies
    behind_failure = {n for n in g.nodes if reach(g, n, reverse=reverse) & fail}
    ran = set(g.nodes) - behind_failure

    assert set(log.started) == ran
    assert all(count == 1 for count in log.calls.values())
    assert set(result.skipped) == behind_failure
    assert len(result.skipped) == len(behind_failure)
    assert set(result.failed) == fail & ran
    assert sorted(result.done) == sorted(ran - fail)
    assert result.results == {n: n * 10 for n in ran - fail}
    assert result.not_started == []
    assert result.ok == (not fail)
    assert log.peak <= parallelism
    for node in ran:
        for dep in waits_on(node):
            assert log.finished[dep] < log.started[node]


@WALK_SETTINGS
@given(dags(), st.sampled_from([1, 4]))
def test_walk_events_tell_the_same_story(g: Graph[int], parallelism: int) -> None:
    fail = {n for n in g.nodes if n % 5 == 4}
    events: list[tuple[str, Any, Any]] = []
    result = walk(g, Log(fail), parallelism=parallelism, on_event=lambda *e: events.append(e))
    kinds: dict[str, list[Any]] = {"start": [], "done": [], "failed": [], "skipped": []}
    for kind, node, _ in events:
        kinds[kind].append(node)
    assert kinds["done"] == result.done
    assert kinds["failed"] == list(result.failed)
    assert kinds["skipped"] == result.skipped
    assert sorted(kinds["start"]) == sorted(result.done + list(result.failed))
    for kind, node, info in events:
        if kind == "skipped":
            assert info in result.failed and node in g.descendants([info])
