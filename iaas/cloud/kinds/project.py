"""Projects: tenants whose quotas the resources that name them count against.

A project lives only in the cloud's inventory.  It cannot be deleted while
any object in the inventory, of any stack, still belongs to it.
"""

from __future__ import annotations

from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._record import RecordHandler


class Handler(RecordHandler):
    """Projects, kept in the inventory; quotas are checked at plan time (see :mod:`iaas.cloud.placement`)."""

    kind = "project"

    def users(self, rec: InventoryRecord) -> list[str]:
        """Every other object that belongs to the project."""
        return [self.label(r) for r in self.inventory.list() if r.kind != self.kind and self._belongs(r, rec)]

    def _belongs(self, other: InventoryRecord, project: InventoryRecord) -> bool:
        value = (other.data.get("inputs") or {}).get("project") or other.project
        return self.refers_to(value, project)
