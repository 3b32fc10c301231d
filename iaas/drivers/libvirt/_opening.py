"""Opening a connection to a real libvirt host within a bounded time.

``libvirt.open`` blocks in C for as long as the daemon does not answer (a
stopped or hung libvirtd accepts the socket connection and then says
nothing), and no libvirt setting bounds it.  So the open runs in a worker
thread and the caller waits at most the host's timeout.  One attempt per host
is in flight at a time: callers that come while it is pending wait for the
same attempt, and once its deadline has passed they fail at once, so a hung
host costs each operation one timeout at most, not one per call.  An attempt
that succeeds after its deadline (the daemon woke up) is kept for the next call.

On an open connection, libvirt's keepalive bounds every call: probes go out
every ``interval`` seconds and the connection is closed after ``count`` of
them go unanswered (measured: a call on a stopped daemon fails after
``interval * (count + 1)`` seconds).  :func:`keepalive_for` derives both from
the host's timeout.
"""

from __future__ import annotations

import threading
import time

import libvirt

from iaas.errors import HostUnreachableError

#: Unanswered keepalive probes after which a connection is closed.
KEEPALIVE_COUNT = 3


def keepalive_for(timeout: float) -> tuple[int, int]:
    """(interval, count) of libvirt keepalive that gives up on a silent daemon after about ``timeout`` seconds."""
    return max(1, round(timeout / (KEEPALIVE_COUNT + 1))), KEEPALIVE_COUNT


def hung(name: str, operation: str, timeout: float) -> HostUnreachableError:
    """The error of a call that got no answer within ``timeout`` seconds."""
    return HostUnreachableError(
        name,
        operation,
        f"no answer from libvirtd within {timeout:g} s (the daemon is hung or the host is unreachable; "
        "the host's 'timeout' in the cloud config sets this bound)",
    )


class _Attempt:
    """One ``libvirt.open`` running in a daemon thread."""

    def __init__(self, uri: str, timeout: float):
        self.deadline = time.monotonic() + timeout
        self.done = threading.Event()
        self.conn: libvirt.virConnect | None = None
        self.error: libvirt.libvirtError | None = None
        threading.Thread(target=self._run, args=(uri, timeout), name="libvirt-open", daemon=True).start()

    def _run(self, uri: str, timeout: float) -> None:
        try:
            conn = libvirt.open(uri)
            try:
                conn.setKeepAlive(*keepalive_for(timeout))
            except libvirt.libvirtError:
                pass  # a transport without keepalive (e.g. a local driver): calls are then unbounded
            self.conn = conn
        except libvirt.libvirtError as exc:
            self.error = exc
        finally:
            self.done.set()


class Opener:
    """Opens connections to one real host, each open bounded by ``timeout`` seconds."""

    def __init__(self, name: str, uri: str, timeout: float):
        self.name, self.uri, self.timeout = name, uri, timeout
        self._lock = threading.Lock()
        self._pending: _Attempt | None = None

    def open(self) -> libvirt.virConnect:
        """A new connection; :class:`HostUnreachableError` when the daemon refuses or does not answer in time."""
        with self._lock:
            attempt = self._pending
            if attempt is None or (attempt.done.is_set() and attempt.conn is None):
                attempt = self._pending = _Attempt(self.uri, self.timeout)
        if not attempt.done.wait(max(0.0, attempt.deadline - time.monotonic())):
            raise hung(self.name, "connect", self.timeout)
        with self._lock:
            if self._pending is attempt:
                self._pending = None
        if attempt.conn is None:
            assert attempt.error is not None
            detail = attempt.error.get_error_message() or str(attempt.error)
            raise HostUnreachableError(self.name, "connect", detail)
        return attempt.conn
