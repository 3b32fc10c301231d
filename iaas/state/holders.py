"""Who is this process, and is a lock's holder still alive?

Shared by every backend: a lock records the holder's hostname and pid, and a
lock whose holder is provably gone may be taken over.  Only a holder on this
host can be proven gone; a lock from another host is never judged stale.
"""

from __future__ import annotations

import datetime
import getpass
import os

from iaas.state.records import LockInfo

# A process that started this many seconds after the lock was taken cannot be
# the holder: its pid was reused.  The margin covers clock granularity.
_PID_REUSE_MARGIN = 2.0


def hostname() -> str:
    """Return this host's name as recorded in locks (``socket.gethostname()``, without loading the socket module)."""
    return os.uname().nodename


def default_owner() -> str:
    """Return a description of this process: ``"user@host pid 123"``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"{user}@{hostname()} pid {os.getpid()}"


def describe_time(timestamp: float) -> str:
    """Return ``timestamp`` as readable UTC, e.g. ``2024-05-01 12:00:03 UTC``."""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def holder_is_dead(info: LockInfo) -> bool:
    """Return True when the lock's holder ran on this host and is gone.

    Gone means: no such process, a zombie, or a process that started after
    the lock was taken (its pid was reused).
    """
    if info.hostname != hostname() or info.pid <= 0:
        return False
    if info.pid != os.getpid():
        try:
            os.kill(info.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, owned by another user
        except OSError:
            return False
    state, started = _proc_stat(info.pid)
    if state == "Z":
        return True
    return started is not None and started > info.acquired_at + _PID_REUSE_MARGIN


def stopped_note(info: LockInfo) -> str:
    """A sentence for messages when the lock's holder is a stopped process on this host, else ''."""
    if info.hostname != hostname() or info.pid <= 0:
        return ""
    state, _ = _proc_stat(info.pid)
    if state not in ("T", "t"):
        return ""
    return (
        f" Process {info.pid} is stopped (suspended, as Ctrl-Z does): resume it with 'fg' in its "
        f"terminal or 'kill -CONT {info.pid}'."
    )


def _proc_stat(pid: int) -> tuple[str | None, float | None]:
    """Return the process state letter and start time from /proc, when there is one."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None, None
    # The command name is in parentheses and may hold spaces; fields follow it.
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None, None
    return fields[0], _start_time(int(fields[19]))


def _start_time(ticks_since_boot: int) -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
        return boot + ticks_since_boot / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError):
        return None
