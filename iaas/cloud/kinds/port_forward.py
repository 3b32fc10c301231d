"""Port forwards: a host address and port forwarded to a port of an instance.

A port forward lives in the cloud's inventory, on the host of its instance
and towards the instance's first address.  The forwarding rules themselves
(DNAT on the host) are not programmed yet, on any host: the ``dataplane``
output says so, and a warning is logged, so nobody mistakes the record for a
working forward.
"""

from __future__ import annotations

import logging
from typing import Any

from iaas.cloud.base import OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._record import RecordHandler
from iaas.errors import NotFoundError

log = logging.getLogger(__name__)


class Handler(RecordHandler):
    """Port forwards, kept in the inventory (recorded only: no DNAT rules are made)."""

    kind = "port_forward"

    def computed(self, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The instance's host and address; a note that no forwarding rule was programmed."""
        value = inputs.get("instance")
        instance = self.find(value, prefer_stack=ctx.stack, kind="instance") if isinstance(value, str) else None
        if instance is None:
            raise NotFoundError(f"{ctx.address}: instance {value!r} is not in the cloud")
        out = self._target(instance)
        out["dataplane"] = self._note(out["host"])
        log.warning("%s: %s", ctx.address, out["dataplane"])
        return out

    def refresh(self, rec: InventoryRecord, outputs: dict[str, Any]) -> dict[str, Any]:
        """Follow the instance: its host and address as the inventory has them now."""
        value = (rec.data.get("inputs") or {}).get("instance")
        instance = self.find(value, kind="instance") if isinstance(value, str) else None
        return {**outputs, **self._target(instance)} if instance else outputs

    def _target(self, instance: InventoryRecord) -> dict[str, Any]:
        outputs = instance.data.get("outputs") or {}
        return {"host": instance.host or outputs.get("host"), "target_address": outputs.get("ip_address")}

    def _note(self, host: str | None) -> str:
        real = self.cloud.hosts.get(host or "")
        if real is not None and real.simulated:
            return f"recorded only: host {host} is simulated, no traffic is forwarded"
        return f"recorded only: DNAT rules for port forwards are not programmed on host {host} yet"
