"""Moving a cloud home's inventory into a team's database (with ``iaas state migrate``).

Every object and what it holds is copied, in one transaction, into the
inventory at the destination; the source is left as it was.  Running the same
move again changes nothing.  An object, claim or reservation whose key is held
by something else at the destination is a conflict: nothing is copied.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from iaas.cloud.store import Store
from iaas.db import is_postgres_url
from iaas.errors import StateError


@attrs.frozen
class InventoryMove:
    """What a move did: the objects of the source, how many were added, and where they went."""

    objects: int
    added: int  # objects the destination did not hold yet
    location: str  # the destination, password masked


def migrate_inventory(source: str | Path, target: str) -> InventoryMove | None:
    """Copy the inventory at ``source`` (a ``cloud.db``) into the PostgreSQL database ``target``.

    None when there is nothing to move: ``source`` does not exist, or
    ``target`` is not a PostgreSQL URL (a cloud then keeps its inventory in
    its home, whatever file its stacks' state is in).
    """
    if not Path(source).is_file() or not is_postgres_url(target):
        return None
    src = Store(source)
    try:
        rows = src.rows()
    finally:
        src.close()
    dst = Store(target)
    try:
        added, conflicts = dst.take_rows(rows)
        location = dst.location
    finally:
        dst.close()
    if conflicts:
        shown = "; ".join(conflicts[:3]) + (f"; and {len(conflicts) - 3} more" if len(conflicts) > 3 else "")
        raise StateError(
            f"cloud inventory {location}: already holds other objects or holdings under the same keys as "
            f"{source} ({shown}); nothing of the inventory was copied"
        )
    return InventoryMove(len(rows["objects"]), added["objects"], location)
