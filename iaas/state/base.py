"""The contract every state backend fulfils.

A store is bound to one stack of one database.  The engine talks to it only
through :class:`StateStore`, so a new backend (PostgreSQL for teams) slots in
without the engine changing.  Every backend must:

- make each write (``put``, ``delete``, ``put_many``, ``set_outputs``,
  ``push``) one transaction that bumps the stack's serial, with a cost that
  grows with what changed, not with the size of the stack;
- give at most one lock holder per stack, across processes and hosts;
- be safe to call from several threads of one process;
- report every failure of the storage itself as :class:`iaas.errors.StateError`
  naming where the state lives and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from iaas.state.records import ApplyRecord, LockInfo, ResourceRecord, Snapshot


@runtime_checkable
class StateStore(Protocol):
    """Durable state of one stack: resources, outputs, lock and history."""

    @property
    def stack(self) -> str:
        """The name of the stack this store reads and writes."""
        ...

    @property
    def location(self) -> str:
        """Where the state lives (a file path or a URL without password), for messages."""
        ...

    def read(self) -> Snapshot:
        """Return the stack's current state; the first call creates its lineage."""
        ...

    def get(self, address: str) -> ResourceRecord | None:
        """Return the record at ``address``, or None if there is none."""
        ...

    def put(self, record: ResourceRecord) -> ResourceRecord:
        """Insert or replace one record in its own transaction; return it as stored."""
        ...

    def delete(self, address: str) -> bool:
        """Remove one record in its own transaction; return whether it existed."""
        ...

    def put_many(self, records: Iterable[ResourceRecord]) -> int:
        """Insert or replace many records in one transaction; return how many."""
        ...

    def set_outputs(self, outputs: dict[str, Any]) -> None:
        """Replace the stack's outputs."""
        ...

    def push(self, snapshot: Snapshot, *, force: bool = False) -> Snapshot:
        """Replace the whole state of the stack with ``snapshot`` in one transaction.

        Refused, unless ``force``, when the lineage differs or the snapshot's
        serial is older than the stored one.
        """
        ...

    def checkpoint(self) -> None:
        """Make what was written durable in the backend's main storage (a no-op where that is always so)."""
        ...

    def lock(self, owner: str, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        """Hold the stack's lock for the ``with`` block.

        Waits up to ``timeout`` seconds for another holder, then raises
        :class:`iaas.errors.LockError`.  A lock left by a dead process on this
        host is taken over.
        """
        ...

    def lock_info(self) -> LockInfo | None:
        """Return who holds the stack's lock, or None."""
        ...

    def force_unlock(self) -> LockInfo | None:
        """Remove the stack's lock whoever holds it; return what was removed."""
        ...

    def begin_apply(self, operation: str, owner: str) -> int:
        """Record the start of an operation; return its history id."""
        ...

    def end_apply(self, apply_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how the operation ``apply_id`` ended."""
        ...

    def history(self, limit: int = 20) -> list[ApplyRecord]:
        """Return the stack's latest operations, newest first."""
        ...

    def list_stacks(self) -> list[str]:
        """Return the names of all stacks kept in the same database, sorted."""
        ...

    def close(self) -> None:
        """Release the store's connections; later calls raise StateError."""
        ...

    def __enter__(self) -> StateStore:
        """Return the store itself, to close it at the end of a ``with`` block."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        ...
