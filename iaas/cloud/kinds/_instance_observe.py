"""How an instance is read back from its host: its inputs as the guest shows them, and its outputs.

The half of :class:`iaas.cloud.kinds.instance.Handler` that observes: the
guest's NICs with the static address each has on its network (kept on the
network's own host), its root disk and the image it is built on, its volumes,
and the addresses its NICs hold (from the DHCP leases of every host that
serves one of its networks).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iaas.cloud.base import Observed, OpContext
from iaas.cloud.kinds import _overlay
from iaas.cloud.kinds._instance_parts import ROOT_TARGETS, NicPlan, observed_hardware, root_name
from iaas.cloud.kinds._libvirt import LibvirtHandler, gib, id_of_path
from iaas.cloud.kinds.security_group import CLEAN_TRAFFIC, policy_name
from iaas.cloud.pools import VOLUME_POOL
from iaas.drivers.libvirt import DomainInfo, VolumeInfo
from iaas.errors import HostError, IaasError, NotFoundError

if TYPE_CHECKING:
    from iaas.drivers.libvirt import Host

log = logging.getLogger(__name__)
LEASE_POLL = 0.5  # seconds between two reads of the leases of a network another host serves

BACKING_DEPTH = 8  # layers of a disk's backing chain searched for the image it is built on

#: Recorded inputs that the host cannot show.
EXTRA_INPUTS = (
    "flavor",
    "key_pair",
    "server_group",
    "project",
    "stop_timeout",
    "address_timeout",
    "address_source",
    "wait_for_address",
    "wait_for_port",
)


class Observing(LibvirtHandler):
    """Reading an instance back from its host (see the module docs)."""

    def _find(self, id: str, outputs: dict[str, Any] | None) -> tuple[str, DomainInfo] | None:
        for host_name in self.hosts_to_search(id, outputs):
            info = self.host(host_name).get_domain(id)
            if info is not None and info.uuid == id:
                return host_name, info
        return None

    def _current_nics(self, host: Host, info: DomainInfo | None) -> list[NicPlan]:
        """The NICs a guest has, with the network id and static IP each has on its network (whose DHCP entries
        are on the network's own host)."""
        plans = []
        for nic in info.nics if info is not None else ():
            net = host.get_network(nic.network)
            home = _overlay.home_of(self.cloud, net.uuid, host.name) if net else None
            served = self.host(home).get_network(net.uuid) if net and home else net
            entry = next((h for h in served.spec.dhcp_hosts if h.mac == nic.mac), None) if served else None
            plans.append(NicPlan(nic, net.uuid if net else nic.network, entry.ip if entry else None))
        return plans

    def _observed(self, host_name: str, info: DomainInfo, *, extra: bool) -> Observed:
        host = self.host(host_name)
        rec = self.cloud.inventory.get(info.uuid)
        recorded = dict((rec.data or {}).get("inputs") or {}) if rec is not None else {}
        recorded_out = dict((rec.data or {}).get("outputs") or {}) if rec is not None else {}
        nics = self._current_nics(host, info)
        claims = set(self.cloud.inventory.claimed(info.uuid, "fixed_ip"))
        order = list(recorded_out.get("mac_addresses") or [])
        nics.sort(key=lambda n: order.index(n.spec.mac) if n.spec.mac in order else len(order))
        root = self._root_volume(host, info)
        vol_ids = [v for d in info.disks if d.target not in ROOT_TARGETS and (v := id_of_path(d.path))]
        wanted = list(recorded.get("volumes") or [])
        vol_ids.sort(key=lambda v: wanted.index(v) if v in wanted else len(wanted))
        inputs: dict[str, Any] = {
            "name": info.name,
            "vcpus": info.vcpus,
            "memory_mib": info.memory_mib,
            "max_vcpus": info.max_vcpus,
            "max_memory_mib": info.max_memory_mib,
            "power_state": "running" if info.state == "running" else "stopped",
            "volumes": vol_ids,
            "nics": [self._observed_nic(host, n, recorded, order, claims) for n in nics],
            **observed_hardware(info.spec),
        }
        made_here = info.meta is not None  # made by iaas: a missing root disk is drift (no image: a replacement)
        image = self._image_of(host, root) if root is not None else None
        if image is not None or made_here:  # what cannot be read is left out: an import adopts it from the config
            inputs["image"] = image
        if root is not None or made_here:
            inputs["root_disk_gib"] = gib(root.capacity_bytes) if root is not None else None
        if extra:
            inputs.update({k: recorded[k] for k in EXTRA_INPUTS if recorded.get(k) is not None})
        meta = info.meta
        return Observed(
            info.uuid,
            inputs,
            self._outputs(info.uuid, host_name, info, nics),
            stack=meta.stack if meta else None,
            address=meta.address if meta else None,
        )

    @staticmethod
    def _root_volume(host: Host, info: DomainInfo) -> VolumeInfo | None:
        """The root disk: the one iaas made, else the volume behind the guest's first disk (a domain iaas did not
        create)."""
        root = host.get_volume(VOLUME_POOL, root_name(info.uuid))
        if root is not None:
            return root
        first = next((d.path for d in info.spec.disks if d.path and d.target in ROOT_TARGETS), None)
        return host.volume_at(first) if first else None

    @staticmethod
    def _image_of(host: Host, root: VolumeInfo) -> str | None:
        """The iaas image a disk is built on, found along its backing chain; None when it is not built on one."""
        vol: VolumeInfo | None = root
        for _ in range(BACKING_DEPTH):
            if vol is None or not vol.backing_path:
                return None
            image = id_of_path(vol.backing_path)
            if image is not None:
                return image
            vol = host.volume_at(vol.backing_path)
        return None

    def _observed_nic(
        self, host: Host, nic: NicPlan, recorded: dict[str, Any], order: list[str], claims: set[str]
    ) -> dict[str, Any]:
        groups: list[str] = []
        rec_nics = recorded.get("nics") or []
        index = order.index(nic.spec.mac) if nic.spec.mac in order else -1
        rec_groups = list(rec_nics[index].get("security_groups") or []) if 0 <= index < len(rec_nics) else []
        if host.simulated or (nic.spec.filter or "").startswith("iaas-sgs-"):
            groups = rec_groups
        elif nic.spec.filter and nic.spec.filter != CLEAN_TRAFFIC:
            groups = [g for g in rec_groups if policy_name(g) == nic.spec.filter] or [
                nic.spec.filter.removeprefix("iaas-sg-")
            ]
        fixed = nic.fixed_ip
        asked = rec_nics[index].get("fixed_ip") if 0 <= index < len(rec_nics) else fixed
        if fixed and asked is None and f"{nic.network_id}/{fixed}" in claims:
            fixed = None  # the address iaas gave the NIC, not one the user fixed
        return {"network": nic.network_id, "fixed_ip": fixed, "security_groups": groups}

    def _wait_for_spanned_leases(
        self, ctx: OpContext, host_name: str, id: str, nics: list[NicPlan], deadline: float
    ) -> dict[str, str]:
        """The address per MAC once every NIC holds a lease, on networks whose DHCP runs on another host."""
        while True:
            held = self._leases(host_name, id, nics)
            missing = [f"nics[{i}] ({n.spec.mac})" for i, n in enumerate(nics) if n.spec.mac not in held]
            if not missing:
                return held
            if time.monotonic() >= deadline:
                raise IaasError(f"{ctx.address}: wait_for_address: no lease for {', '.join(missing)} in time")
            time.sleep(LEASE_POLL)

    def _leases(self, host_name: str, id: str, nics: Sequence[NicPlan] = ()) -> dict[str, str]:
        """IPv4 address per MAC from the host's DHCP leases, and for a NIC on a network that another host
        serves, from that host's; none when the hosts cannot tell (best effort)."""
        leases: dict[str, str] = {}
        try:
            for addr in self.host(host_name).domain_addresses(id):
                if addr.family == "ipv4":
                    leases.setdefault(addr.mac, addr.address)
            for nic in nics:
                home = _overlay.home_of(self.cloud, nic.network_id, host_name)
                if home is not None and nic.spec.mac not in leases:
                    served = self.host(home).network_leases(nic.network_id, [nic.spec.mac.lower()])
                    address = served.get(nic.spec.mac.lower())
                    if address:
                        leases[nic.spec.mac] = address
        except (HostError, NotFoundError) as exc:  # e.g. a NIC's network was deleted meanwhile
            log.info("instance %s: no addresses from host %s: %s", id, host_name, exc)
        return leases

    def _outputs(
        self, id: str, host_name: str, info: DomainInfo | None, nics: list[NicPlan], held: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """id, host, MACs and the IP address each NIC holds (None while the guest is off): those an apply waited for
        (``held``), else what the host's leases say, else the NIC's static address (known before the guest boots)."""
        running = info is not None and info.state == "running"
        leases = held if held is not None else self._leases(host_name, id, nics) if running else {}
        ips = [leases.get(n.spec.mac) or (n.fixed_ip if running else None) for n in nics]  # known before the boot
        out = {
            "id": id,
            "host": host_name,
            "ip_address": ips[0] if ips else None,
            "ip_addresses": ips,
            "mac_addresses": [n.spec.mac for n in nics],
        }
        if running and info is not None and info.graphics_address:
            out["graphics_address"] = info.graphics_address  # reported only while a viewer can connect
        return out
