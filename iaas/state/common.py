"""Rules every state backend applies the same way: pushing a snapshot, and telling who holds a lock."""

from __future__ import annotations

import attrs

from iaas.errors import StateError
from iaas.state import holders
from iaas.state.records import LockInfo, ResourceRecord, Snapshot


def stamped(record: ResourceRecord, updated_at: float) -> ResourceRecord:
    """A copy of ``record`` stamped with the time it was written."""
    return attrs.evolve(record, updated_at=updated_at)


def check_push(current: Snapshot, pushed: Snapshot) -> None:
    """Refuse to replace ``current`` with ``pushed`` when that would lose or mix up states."""
    lineage, serial = current.lineage, current.serial
    if serial == 0 and not current.resources and not current.outputs:
        return  # a stack that was never written takes any state
    if pushed.lineage != lineage:
        raise StateError(
            f"cannot push: the state has lineage {pushed.lineage}, the stack {current.stack!r} "
            f"has {lineage}; they are different states (use force to replace anyway)"
        )
    if pushed.serial < serial:
        raise StateError(
            f"cannot push: the stored state (serial {serial}) is newer than the pushed one "
            f"(serial {pushed.serial}); pull again (or use force)"
        )
    same = pushed.resources == current.resources and pushed.outputs == current.outputs
    if pushed.serial == serial and not same:
        raise StateError(
            f"cannot push: the pushed state differs from the stored one but has the same "
            f"serial {serial}; raise its serial (or use force)"
        )


def locked_message(holder: LockInfo, timeout: float) -> str:
    """What a LockError says about the lock's holder."""
    waited = f"; gave up after waiting {timeout:g}s" if timeout > 0 else ""
    return (
        f"stack {holder.stack!r} is locked by {holder.owner} ({holder.operation}) since "
        f"{holders.describe_time(holder.acquired_at)}; the holder is process {holder.pid} on {holder.hostname}"
        f"{waited}. Wait for that operation to finish, or, if it is no longer running, remove the lock "
        f"with force-unlock.{holders.stopped_note(holder)}"
    )
