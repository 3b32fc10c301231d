"""The parallel walker."""

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from iaas.graph import Graph, GraphCycleError, WalkResult, walk

# Safety net so a broken walker fails a test instead of hanging it; never
# part of what is asserted.
HANG = 30


class Recorder:
    """Thread-safe log of what a walk did, with a global sequence number."""

    def __init__(self, fail: set = frozenset(), returns: Any = None):
        self.lock = threading.Lock()
        self.seq = 0
        self.started: dict = {}
        self.finished: dict = {}
        self.threads: dict = {}
        self.fail = fail
        self.returns = returns

    def __call__(self, node: Any) -> Any:
        with self.lock:
            self.seq += 1
            self.started[node] = self.seq
            self.threads[node] = threading.current_thread()
        try:
            if node in self.fail:
                raise RuntimeError(f"boom {node}")
            return self.returns if self.returns is not None else f"result {node}"
        finally:
            with self.lock:
                self.seq += 1
                self.finished[node] = self.seq


def _diamond() -> Graph[str]:
    # app depends on db and cache; both depend on net.
    return Graph(edges=[("app", "db"), ("app", "cache"), ("db", "net"), ("cache", "net")])


@pytest.mark.parametrize("parallelism", [1, 2, 10])
def test_every_node_runs_after_its_dependencies(parallelism: int) -> None:
    g = _diamond()
    rec = Recorder()
    result = walk(g, rec, parallelism=parallelism)
    assert result.ok
    assert sorted(result.done) == sorted(g.nodes)
    assert result.results == {n: f"result {n}" for n in g.nodes}
    for node in g.nodes:
        for dep in g.dependencies(node):
            assert rec.finished[dep] < rec.started[node]


@pytest.mark.parametrize("parallelism", [1, 3])
def test_reverse_runs_dependents_first(parallelism: int) -> None:
    g = _diamond()
    rec = Recorder()
    result = walk(g, rec, parallelism=parallelism, reverse=True)
    assert result.ok
    for node in g.nodes:
        for dep in g.dependencies(node):
            assert rec.finished[node] < rec.started[dep]


def test_inline_order_matches_topological_order() -> None:
    g = Graph(nodes=["x", "y", "z", "base"], edges=[("y", "base"), ("x", "base")])
    assert walk(g, lambda n: None, parallelism=1).done == g.topological_order()
    assert walk(g, lambda n: None, parallelism=1, reverse=True).done == g.topological_order(reverse=True)


def test_parallelism_one_runs_in_the_calling_thread() -> None:
    rec = Recorder()
    walk(_diamond(), rec, parallelism=1)
    assert set(rec.threads.values()) == {threading.current_thread()}


def test_parallel_walk_runs_in_worker_threads() -> None:
    rec = Recorder()
    walk(_diamond(), rec, parallelism=4)
    assert threading.current_thread() not in set(rec.threads.values())


def test_parallel_calls_really_overlap() -> None:
    barrier = threading.Barrier(3, timeout=HANG)
    result = walk(Graph(nodes=["a", "b", "c"]), lambda n: barrier.wait(), parallelism=3)
    assert result.ok, result.failed


def test_never_more_than_parallelism_at_once() -> None:
    lock = threading.Lock()
    running = [0]
    peak = [0]
    release = threading.Event()

    def fn(node: int) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if peak[0] == 3:
                release.set()
        release.wait(HANG)
        with lock:
            running[0] -= 1

    result = walk(Graph(nodes=range(20)), fn, parallelism=3)
    assert result.ok
    assert peak[0] == 3


def test_failure_skips_transitive_dependents_only() -> None:
    g = _diamond()
    g.add_edge("top", "app")
    g.add_edge("other", "net")
    g.add_node("alone")
    rec = Recorder(fail={"db"})
    events: list = []
    result = walk(g, rec, parallelism=2, on_event=lambda k, n, i: events.append((k, n, i)))
    assert not result.ok
    assert list(result.failed) == ["db"]
    assert isinstance(result.failed["db"], RuntimeError)
    assert sorted(result.skipped) == ["app", "top"]
    assert sorted(result.done) == ["alone", "cache", "net", "other"]
    assert result.not_started == []
    assert "app" not in rec.started and "top" not in rec.started
    assert ("skipped", "app", "db") in events
    assert ("skipped", "top", "db") in events
    assert [e for e in events if e[0] == "failed"] == [("failed", "db", result.failed["db"])]


def test_reverse_failure_skips_dependencies() -> None:
    g = _diamond()
    result = walk(g, Recorder(fail={"db"}), parallelism=2, reverse=True)
    assert result.skipped == ["net"]
    assert sorted(result.done) == ["app", "cache"]


def test_failures_can_come_from_base_exceptions() -> None:
    def fn(node: str) -> None:
        if node == "a":
            raise SystemExit(3)

    for parallelism in (1, 2):
        result = walk(Graph(edges=[("b", "a")], nodes=["c"]), fn, parallelism=parallelism)
        assert isinstance(result.failed["a"], SystemExit)
        assert result.skipped == ["b"]
        assert result.done == ["c"]


def test_events_in_order_from_the_calling_thread() -> None:
    g = _diamond()
    seen: list = []
    threads = set()
    busy = threading.Lock()

    def on_event(kind: str, node: str, info: Any) -> None:
        assert busy.acquire(blocking=False), "on_event called concurrently"
        try:
            threads.add(threading.current_thread())
            seen.append((kind, node))
        finally:
            busy.release()

    walk(g, Recorder(), parallelism=3, on_event=on_event)
    assert threads == {threading.current_thread()}
    for node in g.nodes:
        assert seen.index(("start", node)) < seen.index(("done", node))
        for dep in g.dependencies(node):
            assert seen.index(("done", dep)) < seen.index(("start", node))
    assert len(seen) == 2 * len(g)


def test_done_event_carries_the_return_value() -> None:
    events: list = []
    walk(Graph(nodes=["a"]), lambda n: 42, on_event=lambda k, n, i: events.append((k, n, i)))
    assert events == [("start", "a", None), ("done", "a", 42)]


def test_stop_prevents_new_starts() -> None:
    stop = threading.Event()
    g = Graph(nodes=[0])
    for i in range(1, 5):
        g.add_edge(i, i - 1)
    g.add_edge("x", 4)

    def fn(node: Any) -> None:
        if node == 1:
            stop.set()

    for parallelism in (1, 3):
        stop.clear()
        result = walk(g, fn, parallelism=parallelism, stop=stop)
        assert result.done == [0, 1]
        assert result.not_started == [2, 3, 4, "x"]
        assert not result.ok
        assert not result.interrupted


def test_stop_set_before_walk_starts_nothing() -> None:
    stop = threading.Event()
    stop.set()
    rec = Recorder()
    result = walk(_diamond(), rec, stop=stop)
    assert rec.started == {}
    assert result.not_started == _diamond().nodes


def test_every_node_is_in_exactly_one_outcome() -> None:
    g = _diamond()
    g.add_node("late")
    g.add_edge("late2", "late")
    stop = threading.Event()

    def fn(node: str) -> None:
        if node == "db":
            stop.set()
            raise ValueError("x")

    result = walk(g, fn, parallelism=1, stop=stop)
    outcomes = [*result.done, *result.failed, *result.skipped, *result.not_started]
    assert sorted(outcomes) == sorted(g.nodes)
    assert result.failed.keys() == {"db"}
    assert result.skipped == ["app"]


def test_keyboard_interrupt_from_on_event_waits_for_running_nodes() -> None:
    g = Graph(nodes=["a", "b"], edges=[("c", "a")])
    rec = Recorder()
    stop = threading.Event()

    def on_event(kind: str, node: str, info: Any) -> None:
        if (kind, node) == ("start", "b"):
            raise KeyboardInterrupt

    result = walk(g, rec, parallelism=2, on_event=on_event, stop=stop)
    assert result.interrupted
    assert stop.is_set()
    assert sorted(result.done) == ["a", "b"]
    assert result.not_started == ["c"]
    assert set(rec.finished) == {"a", "b"}


def test_keyboard_interrupt_inside_fn_inline() -> None:
    g = Graph(nodes=["a", "b"], edges=[("c", "a")])

    def fn(node: str) -> None:
        if node == "a":
            raise KeyboardInterrupt

    result = walk(g, fn, parallelism=1)
    assert result.interrupted
    assert isinstance(result.failed["a"], KeyboardInterrupt)
    assert result.skipped == ["c"]
    assert result.not_started == ["b"]


@pytest.fixture
def ctrl_c_interrupts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in an interactive shell, even when this process was started with SIGINT
    ignored (``nohup``, a background job of a script): the walk then rightly leaves Ctrl-C alone."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_ctrl_c_stops_the_walk_gracefully(ctrl_c_interrupts: None) -> None:
    stop = threading.Event()
    g = Graph(edges=[("b", "a")], nodes=["c"])
    main = threading.main_thread().ident
    assert main is not None

    def fn(node: str) -> str:
        if node == "a":
            signal.pthread_kill(main, signal.SIGINT)
            assert stop.wait(HANG), "Ctrl-C did not set stop"
        return node

    result = walk(g, fn, parallelism=2, stop=stop)
    assert result.interrupted
    assert "a" in result.done
    assert "b" in result.not_started
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_second_ctrl_c_raises_without_waiting(ctrl_c_interrupts: None) -> None:
    stop = threading.Event()
    release = threading.Event()

    def fn(node: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(HANG), "first Ctrl-C did not set stop"
        os.kill(os.getpid(), signal.SIGINT)
        release.wait(HANG)
        returned.set()

    returned = threading.Event()
    try:
        with pytest.raises(KeyboardInterrupt):
            walk(Graph(nodes=["a"]), fn, parallelism=2, stop=stop)
        assert not returned.is_set()  # the walk did not wait for "a"
    finally:
        release.set()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_ctrl_c_inline_finishes_the_node_then_stops(ctrl_c_interrupts: None) -> None:
    def fn(node: str) -> str:
        if node == "a":
            signal.raise_signal(signal.SIGINT)
        return node

    result = walk(Graph(nodes=["a", "b"]), fn, parallelism=1)
    assert result.interrupted
    assert result.done == ["a"]
    assert result.not_started == ["b"]


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_second_ctrl_c_inline_raises(ctrl_c_interrupts: None) -> None:
    def fn(node: str) -> None:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        walk(Graph(nodes=["a", "b"]), fn, parallelism=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_single_node_with_parallelism_uses_a_worker_thread() -> None:
    rec = Recorder()
    walk(Graph(nodes=["a"]), rec, parallelism=2)
    assert rec.threads["a"] is not threading.current_thread()


def test_other_on_event_errors_propagate_after_running_nodes_finish() -> None:
    rec = Recorder()

    def on_event(kind: str, node: str, info: Any) -> None:
        if (kind, node) == ("start", "b"):
            raise LookupError("renderer broke")

    with pytest.raises(LookupError):
        walk(Graph(nodes=["a", "b", "c"]), rec, parallelism=2, on_event=on_event)
    assert set(rec.finished) == {"a", "b"}


def test_cycle_is_rejected_before_anything_runs() -> None:
    rec = Recorder()
    with pytest.raises(GraphCycleError) as info:
        walk(Graph(edges=[("a", "b"), ("b", "a"), ("c", "d")]), rec)
    assert info.value.cycles == [["a", "b"]]
    assert rec.started == {}


def test_bad_parallelism() -> None:
    with pytest.raises(ValueError):
        walk(Graph(nodes=["a"]), lambda n: None, parallelism=0)


def test_empty_graph() -> None:
    result = walk(Graph(), lambda n: None)
    assert result == WalkResult()
    assert result.ok


def test_deep_chain_walks_without_recursion() -> None:
    n = 100_000
    g: Graph[int] = Graph(nodes=[0])
    for i in range(1, n):
        g.add_edge(i, i - 1)
    result = walk(g, lambda node: None, parallelism=1)
    assert result.done == list(range(n))
    result = walk(g, lambda node: None, parallelism=1, reverse=True)
    assert result.done == list(range(n - 1, -1, -1))


def test_fail_at_the_bottom_of_a_deep_chain_skips_all() -> None:
    n = 50_000
    g: Graph[int] = Graph(nodes=[0])
    for i in range(1, n):
        g.add_edge(i, i - 1)

    def fn(node: int) -> None:
        raise RuntimeError

    result = walk(g, fn, parallelism=4)
    assert list(result.failed) == [0]
    assert sorted(result.skipped) == list(range(1, n))
