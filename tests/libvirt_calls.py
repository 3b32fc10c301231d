"""Counting the calls into libvirt's C library: on a real host each one is a round trip to the daemon.

Used by the tests that keep per-object costs linear (tests/engine/test_linear.py) and by the real-host benchmark
(bench/realhost_refresh.py), which prints the round trips of one refresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import libvirt
import pytest

#: libvirt calls answered by the client library alone (names and UUIDs are kept in the object; freeing is local;
#: the event loop's iterations wait for what the daemon sends, on a thread of their own).
_LOCAL = ("Free", "GetName", "GetUUIDString", "GetConnect", "EventRunDefaultImpl")


class LibvirtCalls:
    """Counts the calls into libvirt's C library (each one a round trip to the daemon on a real host).

    The counting wrappers are set through ``patch`` and stay until it is undone.
    """

    def __init__(self, patch: pytest.MonkeyPatch):
        self.counts: Counter[str] = Counter()
        self.on = False
        mod = libvirt.libvirtmod
        for name in dir(mod):
            fn = getattr(mod, name)
            if name.startswith("vir") and callable(fn) and not name.endswith(_LOCAL):
                patch.setattr(mod, name, self._counted(name, fn))

    def _counted(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.counts[name] += 1
            return fn(*args, **kwargs)

        return call

    def during(self, action: Callable[[], object]) -> Counter[str]:
        """The calls made while ``action`` runs."""
        self.counts.clear()
        self.on = True
        try:
            action()
        finally:
            self.on = False
        return Counter(self.counts)
