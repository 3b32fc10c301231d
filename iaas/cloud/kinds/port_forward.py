"""Port forwards: a host address and port forwarded to a port of an instance.

A port forward lives in the cloud's inventory, on the host of its instance
and towards the instance's first address.

On a real host it is carried out as DNAT rules (nftables, else iptables; see
:mod:`iaas.cloud.kinds._dnat`) for connections arriving at the host and
connections made on the host itself: in the network namespace of the host's
libvirtd on this machine, over ``ssh`` on a ``qemu+ssh://`` host, or through
the host's ``command_prefix`` from the cloud config.  When the instance has
no address yet (its DHCP lease comes after it boots), the create waits for the
lease, up to :data:`ADDRESS_TIMEOUT` seconds.  The ``dataplane`` output says
what was done.

Simulated hosts forward nothing, nor do remote hosts iaas has no way to run a
command on (``qemu+tcp://`` without ``command_prefix``): there the forward is
recorded only, ``dataplane`` says so and a warning is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from iaas.cloud.base import OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds import _dnat
from iaas.cloud.kinds._hostcmd import host_runner
from iaas.cloud.kinds._record import RecordHandler
from iaas.errors import IaasError
from iaas.model.base import DATAPLANE, PRESENT

log = logging.getLogger(__name__)

ADDRESS_TIMEOUT = 180.0  # seconds to wait for the instance's lease before programming the rules


class Handler(RecordHandler):
    """Port forwards: DNAT rules on local real hosts, recorded only elsewhere."""

    kind = "port_forward"
    reads_hosts = True  # a refresh asks the hosts whether they still carry it (see lost)

    def computed(self, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The instance's host and address."""
        return self._target(self.instance_of(ctx.address, inputs, ctx.stack))

    def apply(self, id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        """Program the DNAT rules on a real host iaas can run commands on; elsewhere say that nothing is forwarded."""
        host_name = outputs.get("host")
        if not self._programmable(host_name):
            note = self._note(host_name)
            log.warning("port forward %s: %s", id, note)
            return {DATAPLANE: PRESENT, "programmed": note}
        instance = self.instance_of(f"port_forward {id}", inputs, None)
        target = outputs.get("target_address") or self._wait_for_address(instance)
        which = _dnat.add(
            self._where(str(host_name)),
            id,
            str(inputs.get("host_address") or "0.0.0.0"),
            int(inputs["host_port"]),
            target,
            int(inputs["target_port"]),
            str(inputs.get("protocol") or "tcp"),
        )
        return {
            "target_address": target,
            DATAPLANE: PRESENT,
            "programmed": f"{which}: DNAT to {target}:{inputs['target_port']}",
        }

    def remove(self, id: str, outputs: dict[str, Any]) -> None:
        """Delete the DNAT rules (a host that is gone has none left)."""
        host_name = outputs.get("host")
        if self._programmable(host_name):
            try:
                _dnat.remove(self._where(str(host_name)), id)
            except IaasError as exc:
                log.warning("port forward %s: rules not removed: %s", id, exc)

    def refresh(self, rec: InventoryRecord, outputs: dict[str, Any]) -> dict[str, Any]:
        """Follow the instance: its host, and its address unless programmed rules already point at one."""
        value = (rec.data.get("inputs") or {}).get("instance")
        instance = self.find(value, kind="instance") if isinstance(value, str) else None
        if instance is None:
            return outputs
        target = self._target(instance)
        if outputs.get("target_address") and self._programmable(outputs.get("host")):
            target["target_address"] = outputs["target_address"]
        return {**outputs, **target}

    def lost(self, rec: InventoryRecord, outputs: dict[str, Any]) -> list[str]:
        """The DNAT rules, when they were programmed and are no longer there (the host rebooted, say)."""
        host_name = outputs.get("host")
        if not outputs.get("target_address") or not self._programmable(host_name):
            return []
        if _dnat.present(self._where(str(host_name)), rec.id):
            return []
        return [f"DNAT rules on host {host_name}"]

    # ------------------------------------------------------------ helpers

    def _target(self, instance: InventoryRecord) -> dict[str, Any]:
        outputs = instance.data.get("outputs") or {}
        return {"host": instance.host or outputs.get("host"), "target_address": outputs.get("ip_address")}

    def _programmable(self, host_name: Any) -> bool:
        """Whether iaas can run the firewall commands on this host."""
        return host_runner(self.cloud, str(host_name or "")) is not None

    def _where(self, host_name: str) -> tuple[str, ...]:
        """The command prefix that runs a program on a programmable host."""
        where = host_runner(self.cloud, host_name, resolve=True)
        assert where is not None  # see _programmable
        return where

    def _wait_for_address(self, instance: InventoryRecord) -> str:
        outputs = instance.data.get("outputs") or {}
        macs = list(outputs.get("mac_addresses") or [])
        if not macs:
            raise IaasError(f"port forward to instance {instance.name!r}: the instance has no NIC")
        host = self.cloud.hosts[str(instance.host or outputs.get("host"))]
        found = host.wait_for_addresses(instance.id, ADDRESS_TIMEOUT, macs=macs[:1])
        return next(a.address for a in found if a.mac == macs[0].lower())

    def _note(self, host: str | None) -> str:
        real = self.cloud.hosts.get(host or "")
        if real is not None and real.simulated:
            return f"recorded only: host {host} is simulated, no traffic is forwarded"
        return (
            f"recorded only: iaas cannot run commands on remote host {host} to program DNAT rules; give the "
            "host a command_prefix in the cloud config (such as [ssh, root@<host>]) or a qemu+ssh:// URI"
        )
