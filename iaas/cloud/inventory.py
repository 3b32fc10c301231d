"""The cloud's inventory: every object it manages, whichever stack made it.

Kinds that are not libvirt objects (projects, key pairs, security groups,
server groups, port forwards) live only here; libvirt-backed kinds are recorded
here too, so quotas count across stacks and nothing is unfindable.  The
records and what they hold are kept by :class:`iaas.cloud.store.Store`.
"""

from __future__ import annotations

from iaas.cloud.store import InventoryRecord
from iaas.cloud.store import Store as Inventory

__all__ = ["Inventory", "InventoryRecord"]
