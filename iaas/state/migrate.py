"""Moving stacks' state from one database to another (a SQLite home into a team's PostgreSQL).

Each stack moves whole, with its lineage, serial, resources and outputs, while
both sides hold its lock; the source is left as it was.  Running the same move
again changes nothing; a stack that already holds another state at the
destination is refused, never overwritten.  The history of operations stays
with the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import attrs

from iaas.db import parse_url
from iaas.errors import DatabaseError, StateError
from iaas.state.backends import open_store
from iaas.state.holders import default_owner


@attrs.frozen
class Moved:
    """One stack that was copied: its name, how many resources it holds, and where it went."""

    stack: str
    resources: int
    unchanged: bool  # the destination held this very state already
    location: str  # the destination, password masked


def migrate_state(
    source: str, target: str, stacks: Iterable[str] = (), *, owner: str | None = None, lock_timeout: float = 0.0
) -> list[Moved]:
    """Copy the state of ``stacks`` (every stack of ``source`` when empty) from ``source`` to ``target``."""
    who = owner or default_owner()
    _check_source(source)
    with open_store(source, "default") as probe:
        names = sorted(set(stacks)) or probe.list_stacks()
        missing = [name for name in names if name not in probe.list_stacks()]
    if missing:
        raise StateError(f"state database {source}: has no stack {', '.join(map(repr, missing))}")
    return [_move(source, target, name, who, lock_timeout) for name in names]


def _move(source: str, target: str, stack: str, owner: str, lock_timeout: float) -> Moved:
    with open_store(source, stack) as src, open_store(target, stack) as dst:
        with src.lock(owner, "migrate", lock_timeout), dst.lock(owner, "migrate", lock_timeout):
            snapshot = src.read()
            current = dst.read()
            same = current.resources == snapshot.resources and current.outputs == snapshot.outputs
            if current.lineage == snapshot.lineage and same:
                return Moved(stack, len(snapshot.resources), unchanged=True, location=dst.location)
            try:
                dst.push(snapshot)
            except StateError as exc:
                raise StateError(
                    f"stack {stack!r}: {dst.location} already holds another state of it ({exc}); nothing was moved"
                ) from None
            return Moved(stack, len(snapshot.resources), unchanged=False, location=dst.location)


def _check_source(source: str) -> None:
    """Refuse a source that does not exist (opening a SQLite path would create it)."""
    try:
        url = parse_url(source)
    except DatabaseError as exc:
        raise StateError(f"state location: {exc}") from None
    if url.path is not None and not Path(url.path).is_file():
        raise StateError(f"state database {url.path}: does not exist; nothing to move")
