"""Runners that call a function on nodes and hand the outcomes back.

The walker submits nodes and then collects ``(node, ok, value)`` outcomes,
where ``value`` is the return value or the exception raised.  Two runners
share that contract: one with worker threads, one inline in the caller's
thread.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)

Outcome = tuple[N, bool, Any]

_QUIT = object()

# How long the walker blocks before looking again; a bound on how late a
# Ctrl-C delivered to another thread is noticed.
POLL_SECONDS = 0.2


def call(fn: Callable[[N], Any], node: N) -> Outcome[N]:
    """Call ``fn(node)`` and capture its outcome, whatever it raises."""
    try:
        return node, True, fn(node)
    except BaseException as exc:  # noqa: BLE001 - recorded, never lost
        return node, False, exc


class InlineRunner(Generic[N]):
    """Runs each node at once, in the calling thread."""

    def __init__(self, fn: Callable[[N], Any]):
        self._fn = fn
        self._outcomes: deque[Outcome[N]] = deque()

    def submit(self, node: N) -> None:
        """Run ``fn(node)`` now and keep its outcome for :meth:`collect`."""
        self._outcomes.append(call(self._fn, node))

    def collect(self) -> Outcome[N] | None:
        """The next outcome, or ``None`` if there is none yet."""
        return self._outcomes.popleft() if self._outcomes else None

    def close(self) -> None:
        """Nothing to release."""


class ThreadRunner(Generic[N]):
    """Runs nodes on a fixed set of daemon worker threads."""

    def __init__(self, fn: Callable[[N], Any], workers: int):
        self._fn = fn
        self._todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Outcome[N]] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"graph-walk-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        todo, done, fn = self._todo, self._done, self._fn
        while True:
            node = todo.get()
            if node is _QUIT:
                return
            done.put(call(fn, node))

    def submit(self, node: N) -> None:
        """Queue ``node`` for the next free worker."""
        self._todo.put(node)

    def collect(self) -> Outcome[N] | None:
        """Wait a little for the next outcome; ``None`` if none came."""
        try:
            return self._done.get(timeout=POLL_SECONDS)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Let every worker exit once it has finished its current node."""
        for _ in self._threads:
            self._todo.put(_QUIT)
