"""What every state backend's store does alike, whatever keeps its rows.

The stack's name and its checks, the ``with`` block, waiting for the lock,
the warnings about locks taken over or removed, and the checks of arguments
done before any database is touched.  A backend provides ``_try_acquire``,
``_release`` and ``close``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Self

from iaas.errors import LockError, StateError
from iaas.state import holders
from iaas.state.common import locked_message
from iaas.state.jsontext import dump_text
from iaas.state.records import APPLY_STATUSES, LockInfo, Snapshot

log = logging.getLogger(__name__)

#: Seconds between two attempts to take a held lock.
LOCK_POLL_INTERVAL = 0.1


class StoreBase:
    """The part of a store (see :class:`iaas.state.StateStore`) that every backend shares."""

    def __init__(self, stack: str) -> None:
        if not isinstance(stack, str) or not stack.strip() or not stack.isprintable():
            raise StateError(f"invalid stack name {stack!r}: must be a non-empty printable string")
        self._stack = stack
        self._mutex = threading.RLock()
        self._held: set[str] = set()  # tokens of locks this store holds

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store's locks and connections."""
        raise NotImplementedError

    @property
    def stack(self) -> str:
        """The name of the stack this store reads and writes."""
        return self._stack

    # -- lock ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, owner: str, operation: str, timeout: float = 0.0) -> Iterator[LockInfo]:
        """Hold the stack's lock for the ``with`` block.

        Waits up to ``timeout`` seconds for another holder, then raises
        :class:`LockError`.  A lock left by a dead process is taken over,
        with a warning.
        """
        info, token = self._acquire(owner, operation, timeout)
        try:
            yield info
        finally:
            self._release(token)

    def _acquire(self, owner: str, operation: str, timeout: float) -> tuple[LockInfo, str]:
        if not owner or not operation:
            raise StateError("taking a lock needs a non-empty owner and operation")
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            info, token = self._try_acquire(owner, operation)
            if token is not None:
                return info, token
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockError(locked_message(info, timeout), owner=info.owner)
            time.sleep(min(LOCK_POLL_INTERVAL, remaining))

    def _try_acquire(self, owner: str, operation: str) -> tuple[LockInfo, str | None]:
        """Take the lock if it is free or stale: return it and its token, else its holder and None."""
        raise NotImplementedError

    def _release(self, token: str) -> None:
        raise NotImplementedError

    def _new_lock(self, owner: str, operation: str) -> tuple[LockInfo, str]:
        """The lock this process would hold, and a token that is its own."""
        info = LockInfo(
            stack=self._stack,
            owner=owner,
            operation=operation,
            acquired_at=time.time(),
            pid=os.getpid(),
            hostname=holders.hostname(),
        )
        return info, uuid.uuid4().hex

    def _check_running(self, apply_id: int, status: str | None, where: str) -> None:
        """Refuse to end a history entry that does not exist (None) or that ended already."""
        if status is None:
            raise StateError(f"{where}: no history entry {apply_id}")
        if status != "running":
            raise StateError(f"{where}: history entry {apply_id} already ended ({status})")

    def _warn_taken_over(self, holder: LockInfo, why: str) -> None:
        log.warning(
            "stack %r: taking over the lock of %s (%s) since %s: %s",
            self._stack,
            holder.owner,
            holder.operation,
            holders.describe_time(holder.acquired_at),
            why,
        )

    def _warn_removed(self, holder: LockInfo | None) -> None:
        if holder is not None:
            log.warning(
                "stack %r: removed the lock of %s (%s) since %s",
                self._stack,
                holder.owner,
                holder.operation,
                holders.describe_time(holder.acquired_at),
            )

    def _warn_already_removed(self) -> None:
        log.warning("stack %r: the lock was already removed by someone else while held", self._stack)


def outputs_text(outputs: Any, stack: str) -> str:
    """The stack's outputs as the text a store keeps; refuses what is not a dict of JSON values."""
    if not isinstance(outputs, dict):
        raise StateError(f"stack outputs must be a dict, got {type(outputs).__name__}")
    return dump_text(outputs, what=f"outputs of stack {stack!r}")


def check_pushed_addresses(snapshot: Snapshot) -> None:
    """Refuse a snapshot that files a resource under another address than its own."""
    for address, record in snapshot.resources.items():
        if address != getattr(record, "address", None):
            raise StateError(
                f"cannot push: the resource under {address!r} has the address {getattr(record, 'address', None)!r}"
            )


def summary_text(apply_id: int, status: str, summary: Any) -> str:
    """Check how an operation ended; return its summary as text."""
    if status not in APPLY_STATUSES or status == "running":
        raise StateError(f"end_apply: status must be succeeded, failed or interrupted, not {status!r}")
    if not isinstance(summary, dict):
        raise StateError(f"end_apply: summary must be a dict, got {type(summary).__name__}")
    return dump_text(summary, what=f"summary of history entry {apply_id}")
