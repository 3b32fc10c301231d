"""The first process of a private libvirt host (see libvirtd-host.sh).

Becomes a child subreaper, so guests' QEMU processes and dnsmasq are reaped
here at once when they exit; runs virtlogd and libvirtd in the foreground;
on SIGTERM or SIGINT stops libvirtd, then every process left under it, then
virtlogd, and exits.

    python3 subreaper.py DIR
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
STOP_GRACE = 5.0  # seconds a process gets after SIGTERM before SIGKILL


def become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process instead of PID 1."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def children() -> list[int]:
    """The processes whose parent is this one."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry))
    return found


def reap() -> None:
    """Collect every child that has exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop(pids: list[int]) -> None:
    """SIGTERM, then SIGKILL after a grace period, and reap."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline and any(p in children() for p in pids):
        reap()
        time.sleep(0.05)
    for pid in pids:
        if pid in children():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    time.sleep(0.05)
    reap()


def main(dir: str) -> int:
    """Run the daemons until told to stop."""
    become_subreaper()
    stopping = False

    def on_signal(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logd = subprocess.Popen(["virtlogd", "--pid-file", f"{dir}/run/virtlogd.pid"])
    daemon = subprocess.Popen(["libvirtd", "--pid-file", f"{dir}/run/libvirtd.pid"])
    while not stopping and daemon.poll() is None:
        reap()
        time.sleep(0.1)
    stop([daemon.pid])
    while rest := [p for p in children() if p != logd.pid]:
        stop(rest)
    stop([logd.pid])
    return daemon.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
