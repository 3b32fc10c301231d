"""Reaching hosts and guests from this machine: local URIs, the libvirtd's network namespace, TCP probes.

A libvirtd on this machine may run in a network namespace of its own (a
container, or the private hosts of the test suite); its guests' networks are
then only reachable from inside that namespace.  :func:`libvirtd_netns` finds
it from the daemon's socket, and :func:`wait_for_port` probes a guest's TCP
port from there: the probe runs in a short-lived thread that joins the
namespace (``setns``), so the rest of the process stays where it is.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from iaas.errors import HostError, IaasError

DEFAULT_SOCKET = "/run/libvirt/libvirt-sock"
_CLONE_NEWNET = 0x40000000
CONNECT_TIMEOUT = 3.0  # seconds one connection attempt may take


def libvirtd_netns(uri: str) -> str | None:
    """The network namespace (``/proc/PID/ns/net``) of the libvirtd serving a local URI; None if it is ours."""
    path = (parse_qs(urlsplit(uri).query).get("socket") or [DEFAULT_SOCKET])[0]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
            pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
        except OSError as exc:
            raise IaasError(f"cannot reach libvirtd at {path}: {exc.strerror or exc}") from exc
    theirs = f"/proc/{pid}/ns/net"
    try:
        same = os.readlink(theirs) == os.readlink("/proc/self/ns/net")
    except OSError as exc:
        raise IaasError(f"cannot see the network namespace of libvirtd (pid {pid}): {exc.strerror or exc}") from exc
    return None if same else theirs


def _enter(netns: str) -> None:
    """Move the calling thread (only) into a network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(netns, os.O_RDONLY)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"cannot enter {netns}: {os.strerror(err)}")
    finally:
        os.close(fd)


def try_connect(address: str, port: int, netns: str | None = None, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """One TCP connection attempt (from ``netns`` when given): None on success, else what went wrong."""
    outcome: dict[str, str] = {}

    def attempt() -> None:
        try:
            if netns is not None:
                _enter(netns)
            with socket.create_connection((address, port), timeout=timeout):
                pass
        except OSError as exc:
            outcome["error"] = exc.strerror or str(exc) or type(exc).__name__

    thread = threading.Thread(target=attempt, name="iaas-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1)
    return outcome.get("error") if not thread.is_alive() else "timed out"


#: One connection attempt: ``probe(address, port)`` is None on success, else what went wrong.
Probe = Callable[[str, int], "str | None"]


def wait_for_port(
    host: str,
    address: str,
    port: int,
    timeout: float,
    *,
    netns: str | None = None,
    interval: float = 0.5,
    probe: Probe | None = None,
) -> float:
    """Seconds until ``address:port`` accepts a TCP connection; :class:`HostError` after ``timeout``.

    The attempts are :func:`try_connect` from ``netns``, or ``probe`` (e.g.
    one made on a remote host).  ``host`` names the host in the error, which
    says the last failure seen.
    """
    attempt_timeout = min(CONNECT_TIMEOUT, max(timeout, 0.1))
    attempt = probe or (lambda a, p: try_connect(a, p, netns, attempt_timeout))
    start = time.monotonic()
    while True:
        error = attempt(address, port)
        waited = time.monotonic() - start
        if error is None:
            return waited
        if waited >= timeout:
            raise HostError(
                host,
                f"wait for {address}:{port}",
                f"no connection after {waited:.1f} s (timeout {timeout:g} s); last attempt: {error}",
            )
        time.sleep(interval)
