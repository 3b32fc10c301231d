"""Server groups: placement policies that the scheduler applies to their member instances.

A group lives only in the cloud's inventory; its members are the instances
whose ``server_group`` names it.  It cannot be deleted while it has members.
"""

from __future__ import annotations

from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._record import RecordHandler


class Handler(RecordHandler):
    """Server groups, kept in the inventory; the policy is enforced at plan time by the scheduler."""

    kind = "server_group"

    def users(self, rec: InventoryRecord) -> list[str]:
        """The instances that are members of the group."""
        return [
            self.label(r)
            for r in self.inventory.list("instance")
            if self.refers_to((r.data.get("inputs") or {}).get("server_group"), rec)
        ]
