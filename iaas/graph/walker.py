"""Walk a graph: call a function on every node, in dependency order.

A node starts only once everything it waits on has finished successfully.
When a call raises, every node that (transitively) waits on it is skipped,
while the independent branches go on.  Calls run on up to ``parallelism``
worker threads; all bookkeeping and every event happen in the thread that
called :func:`walk`.
"""

from __future__ import annotations

import heapq
import signal
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from ._runners import InlineRunner, ThreadRunner
from .errors import GraphCycleError
from .graph import Graph

N = TypeVar("N", bound=Hashable)

EventKind = Literal["start", "done", "failed", "skipped"]
OnEvent = Callable[[EventKind, Any, Any], None]


@dataclass
class WalkResult(Generic[N]):
    """What happened to each node of a walk; every node is in exactly one list.

    ``done`` and ``skipped`` are in the order it happened; ``not_started``
    is in graph order.  ``results`` maps each done node to what ``fn``
    returned.  ``interrupted`` is true when Ctrl-C (``KeyboardInterrupt``)
    stopped the walk.
    """

    done: list[N] = field(default_factory=list)
    failed: dict[N, BaseException] = field(default_factory=dict)
    skipped: list[N] = field(default_factory=list)
    not_started: list[N] = field(default_factory=list)
    results: dict[N, Any] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when every node finished successfully."""
        return not (self.failed or self.skipped or self.not_started)


def walk(
    graph: Graph[N],
    fn: Callable[[N], Any],
    *,
    parallelism: int = 10,
    reverse: bool = False,
    on_event: OnEvent | None = None,
    stop: threading.Event | None = None,
) -> WalkResult[N]:
    """Call ``fn(node)`` for every node of ``graph``, dependencies first.

    With ``reverse=True`` dependents go first (the order for deletes), and a
    failure skips the failed node's dependencies instead of its dependents.
    At most ``parallelism`` calls run at once, on worker threads;
    ``parallelism=1`` runs every call in the calling thread.  Nodes that are
    free to start at the same time start in graph order.

    ``on_event(kind, node, info)`` is called in the calling thread, never
    concurrently, with ``kind`` one of ``"start"`` (info ``None``),
    ``"done"`` (info: the return value), ``"failed"`` (info: the exception)
    and ``"skipped"`` (info: the failed node that caused the skip).  If it
    raises, no further node starts, running nodes are waited for, and the
    exception propagates.

    Once ``stop`` is set no new node starts; running nodes finish and the
    rest are reported as ``not_started``.  Ctrl-C (in the main thread) or a
    ``KeyboardInterrupt`` raised by ``fn`` or ``on_event`` sets ``stop`` and
    waits for the running nodes in the same way; the result then has
    ``interrupted`` set.  A second Ctrl-C raises ``KeyboardInterrupt`` at
    once without waiting.

    Raises :class:`~iaas.graph.GraphCycleError` before calling anything if
    the graph has a cycle.  The graph must not change during the walk.
    """
    if parallelism < 1:
        raise ValueError(f"parallelism must be at least 1, got {parallelism}")
    if not graph.is_acyclic():
        raise GraphCycleError(graph.find_cycles())
    walker = _Walker(graph, fn, parallelism, reverse, on_event, stop)
    return walker.run()


class _Walker(Generic[N]):
    """The state of one walk."""

    def __init__(
        self,
        graph: Graph[N],
        fn: Callable[[N], Any],
        parallelism: int,
        reverse: bool,
        on_event: OnEvent | None,
        stop: threading.Event | None,
    ):
        self.waits = graph._dependents if reverse else graph._deps
        self.releases = graph._deps if reverse else graph._dependents
        self.fn = fn
        self.parallelism = parallelism
        self.on_event = on_event
        self.stop = stop if stop is not None else threading.Event()
        self.halted = False  # on_event raised: start nothing more
        self.forced = False  # Ctrl-C pressed twice: leave at once
        self.position = {node: i for i, node in enumerate(self.waits)}
        self.remaining = {node: len(deps) for node, deps in self.waits.items()}
        # Built in position order, so the list already is a valid heap.
        self.ready = [(self.position[n], n) for n, c in self.remaining.items() if c == 0]
        self.running = 0
        self.skipped: set[N] = set()
        self.result: WalkResult[N] = WalkResult()

    def run(self) -> WalkResult[N]:
        """Walk every node and return the result."""
        if self.parallelism == 1:
            runner: InlineRunner[N] | ThreadRunner[N] = InlineRunner(self.fn)
        else:
            runner = ThreadRunner(self.fn, min(self.parallelism, len(self.waits)))
        try:
            with _ctrl_c_stops(self):
                self._run_guarded(runner)
        finally:
            runner.close()
        done = set(self.result.done)
        finished = done.union(self.result.failed, self.skipped)
        self.result.not_started = [n for n in self.waits if n not in finished]
        return self.result

    def _run_guarded(self, runner: InlineRunner[N] | ThreadRunner[N]) -> None:
        try:
            self._loop(runner)
        except KeyboardInterrupt:
            if self.forced:
                raise  # asked twice: leave without waiting
            self.interrupt()
            self._loop(runner)
        except BaseException:
            self.halted = True
            self.on_event = None
            self._loop(runner)
            raise

    def interrupt(self) -> None:
        """Stop starting nodes because the user interrupted the walk."""
        self.result.interrupted = True
        self.stop.set()

    def _loop(self, runner: InlineRunner[N] | ThreadRunner[N]) -> None:
        while True:
            self._start_ready(runner)
            if self.running == 0:
                return
            outcome = runner.collect()
            if outcome is not None:
                self._finish(*outcome)

    def _start_ready(self, runner: InlineRunner[N] | ThreadRunner[N]) -> None:
        ready, stop = self.ready, self.stop
        while ready and self.running < self.parallelism:
            if self.halted or stop.is_set():
                return
            node = heapq.heappop(ready)[1]
            self.running += 1
            try:
                self._emit("start", node, None)
            finally:  # announced, so it runs even if on_event raised
                runner.submit(node)

    def _finish(self, node: N, ok: bool, value: Any) -> None:
        self.running -= 1
        if ok:
            self.result.done.append(node)
            self.result.results[node] = value
            self._release(node)
            self._emit("done", node, value)
            return
        if self.forced and isinstance(value, KeyboardInterrupt):
            raise value  # the second Ctrl-C landed inside an inline call
        self.result.failed[node] = value
        skipped = self._skip_behind(node)
        if isinstance(value, KeyboardInterrupt):
            self.interrupt()
        self._emit("failed", node, value)
        for other in skipped:
            self._emit("skipped", other, node)

    def _release(self, node: N) -> None:
        remaining, position, ready = self.remaining, self.position, self.ready
        for other in self.releases[node]:
            remaining[other] -= 1
            if remaining[other] == 0:
                heapq.heappush(ready, (position[other], other))

    def _skip_behind(self, failed: N) -> list[N]:
        """Mark every node that waits, directly or not, on ``failed`` as skipped."""
        newly: list[N] = []
        stack = list(self.releases[failed])
        while stack:
            node = stack.pop()
            if node in self.skipped:
                continue
            self.skipped.add(node)
            newly.append(node)
            stack.extend(self.releases[node])
        self.result.skipped.extend(newly)
        return newly

    def _emit(self, kind: EventKind, node: N, info: Any) -> None:
        if self.on_event is not None:
            self.on_event(kind, node, info)


@contextmanager
def _ctrl_c_stops(walker: _Walker[Any]) -> Iterator[None]:
    """While walking, make the first Ctrl-C stop the walk instead of raising.

    Only in the main thread, and only when Python's default Ctrl-C handler
    is in place (a program's own handler is left alone).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return

    def on_ctrl_c(signum: int, frame: object) -> None:
        if walker.result.interrupted:
            walker.forced = True
            raise KeyboardInterrupt
        walker.interrupt()

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
