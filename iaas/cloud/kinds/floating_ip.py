"""Floating IPs: an address of a host's floating pool carried 1:1 to an instance, moved live.

Admission takes the address (see :mod:`iaas.cloud.floating`).  On a real host
iaas can run commands on, the address goes on the host's external interface
with DNAT and SNAT rules towards the instance's first address (see
:mod:`iaas.cloud.kinds._floating`); a change of ``instance`` takes them off the
old instance's host and puts them on the new one's, and clearing it leaves the
address held and carried nowhere.  Simulated hosts, and remote hosts iaas
cannot run commands on, record the floating IP only, as for port forwards.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from iaas.cloud import floating
from iaas.cloud.base import OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds import _floating, port_forward
from iaas.errors import IaasError
from iaas.model.base import DATAPLANE, PRESENT

log = logging.getLogger(__name__)

DETACHED = {"host": None, "target_address": None, "interface": None}


class Handler(port_forward.Handler):
    """Floating IPs: the address and its NAT rules on local real hosts, recorded only elsewhere."""

    kind = "floating_ip"

    def computed(self, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The address admission took, and the instance's host and address (none while detached)."""
        address = {"ip_address": floating.value_of(inputs, self.cloud, id)}
        if not inputs.get("instance"):
            return {**address, **DETACHED, DATAPLANE: PRESENT, "programmed": "detached: carried to no instance"}
        return {**address, "interface": None, **super().computed(ctx, id, inputs)}

    def apply(self, id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        """Put the address and its rules on the instance's host, when it is a host iaas can program."""
        host_name = outputs.get("host")
        if not inputs.get("instance"):
            return {}
        if not self._programmable(host_name):
            note = self._note(host_name).replace("DNAT rules", "floating IP rules")
            log.warning("floating IP %s: %s", id, note)
            return {DATAPLANE: PRESENT, "programmed": note}
        instance = self.instance_of(f"floating_ip {id}", inputs, None)
        target = outputs.get("target_address") or self._wait_for_address(instance)
        where = self._where(str(host_name))
        address = str(outputs["ip_address"])
        interface = self._interface(str(host_name), where)
        which = _floating.add(where, id, address, target, interface)
        done = f"{which}: {address} on {interface}, DNAT to {target}, SNAT from it"
        return {"target_address": target, "interface": interface, DATAPLANE: PRESENT, "programmed": done}

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Take the address off where it was, then carry it where the new inputs say (a move, or a repair)."""
        self.remove(id, outputs)
        return super().update(ctx, id, old, new, changed, {**outputs, "target_address": None})

    def remove(self, id: str, outputs: dict[str, Any]) -> None:
        """Delete the address and rules from the host that carries them (a host that is gone has none)."""
        host_name = outputs.get("host")
        if host_name and self._programmable(host_name):
            try:
                _floating.remove(self._where(str(host_name)), id, outputs.get("ip_address"), outputs.get("interface"))
            except IaasError as exc:
                log.warning("floating IP %s: rules not removed: %s", id, exc)

    def lost(self, rec: InventoryRecord, outputs: dict[str, Any]) -> list[str]:
        """What the host no longer carries of a floating IP it was given (the host rebooted, say)."""
        host_name, interface = outputs.get("host"), outputs.get("interface")
        if not (outputs.get("target_address") and interface and self._programmable(host_name)):
            return []
        gone = _floating.missing(self._where(str(host_name)), rec.id, str(outputs["ip_address"]), str(interface))
        return [f"floating IP {', '.join(gone)} on host {host_name}"] if gone else []

    def _interface(self, host_name: str, where: tuple[str, ...]) -> str:
        """The host's external interface: the one the cloud config names, else the one its pool is routed by."""
        config = self.cloud.host_configs[host_name]
        if config.floating_interface:
            return config.floating_interface
        pool = floating.pools(self.cloud).get(host_name)
        if pool is None:
            raise IaasError(f"host {host_name} has no floating_pool in the cloud config")
        return _floating.interface_for(where, str(ipaddress.IPv4Network(pool).network_address))
