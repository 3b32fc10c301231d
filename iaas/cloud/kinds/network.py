"""Networks: a libvirt network named after the resource, on one host.

The network's UUID is the resource id and its bridge is ``iaas-`` plus the
first ten hex digits of the id (within the 15 characters Linux allows).  The
gateway is the first address of ``cidr``; the DHCP range defaults to the
gateway + 1 up to the last usable address.  The DHCP range and the DNS host
records change live (virNetworkUpdate); turning DHCP on or off, the domain or
the MTU redefine the network (guests on it lose connectivity for a moment, and
the plan names them); static DHCP entries that instances made are kept.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from iaas.cloud.base import Observed, OpContext, PlannedItem
from iaas.cloud.kinds import _dhcp_left, _overlay
from iaas.cloud.kinds._libvirt import LibvirtHandler
from iaas.cloud.kinds._overlay import PROVIDER_MODES, missing_link
from iaas.drivers.libvirt import NetworkInfo, NetworkSpec
from iaas.drivers.libvirt.specs import NetworkMode
from iaas.errors import NotFoundError
from iaas.model.network import Network
from iaas.model.subnets import default_range
from iaas.model.values import diff

BRIDGE_PREFIX = "iaas-"
BRIDGE_MAX = 15  # Linux interface names: IFNAMSIZ - 1


def bridge_name(id: str) -> str:
    """The bridge of the network with this id."""
    hexdigits = id.replace("-", "")
    return (BRIDGE_PREFIX + hexdigits)[:BRIDGE_MAX]


def network_spec(
    id: str,
    inputs: dict[str, Any],
    *,
    bridge: str | None = None,
    current: NetworkInfo | None = None,
    mtu: int | None = None,
) -> NetworkSpec:
    """The libvirt definition of a network resource (keeping ``current``'s static DHCP hosts).

    ``mtu`` is the MTU when the inputs leave it unset (room for VXLAN on a host that has an underlay).
    """
    mode: NetworkMode = inputs.get("mode") or "nat"
    if mode in PROVIDER_MODES:  # the operator's LAN: its own addresses and DHCP
        return NetworkSpec(
            name=str(inputs["name"]),
            uuid=id,
            mode=mode,
            bridge=inputs.get("bridge") if mode == "bridge" else None,
            interface=inputs.get("interface") if mode == "macvtap" else None,
            mtu=inputs.get("mtu"),
        )
    net = ipaddress.IPv4Network(str(inputs["cidr"]))
    start = end = None
    if inputs.get("dhcp", True):
        start_default, end_default = default_range(net)
        start = str(inputs.get("dhcp_start") or start_default)
        end = str(inputs.get("dhcp_end") or end_default)
    return NetworkSpec(
        name=str(inputs["name"]),
        uuid=id,
        mode=mode,
        bridge=bridge or inputs.get("bridge") or bridge_name(id),
        ipv4_address=str(net.network_address + 1),
        ipv4_prefix=net.prefixlen,
        dhcp_start=start,
        dhcp_end=end,
        dhcp_hosts=current.spec.dhcp_hosts if current is not None else (),
        dns_domain=inputs.get("domain") or None,
        mtu=inputs.get("mtu") or mtu,
        dns_hosts=dns_records(inputs.get("dns_hosts") or {}),
    )


def dns_records(hosts: dict[str, str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """DNS host records as libvirt keeps them: each address with its names, in address order."""
    names: dict[str, list[str]] = {}
    for name, address in hosts.items():
        names.setdefault(str(address), []).append(name)
    return tuple((ip, tuple(sorted(names[ip]))) for ip in sorted(names, key=ipaddress.IPv4Address))


def observed_inputs(info: NetworkInfo, recorded: dict[str, Any]) -> dict[str, Any]:
    """The input fields as a network's definition shows them.

    A DHCP bound equal to its default reads as unset unless it was set
    explicitly, so a network made without bounds shows no drift.  The host
    is reported in the outputs only: a host the scheduler chose is recorded
    as unset in the inputs.
    """
    spec = info.spec
    inputs: dict[str, Any] = {
        "name": info.name,
        "mode": spec.mode,
        "dhcp": spec.dhcp_start is not None,
        "domain": spec.dns_domain,
        "mtu": spec.mtu,
        "dhcp_start": spec.dhcp_start,
        "dhcp_end": spec.dhcp_end,
        "cidr": None,
        "dns_hosts": {name: ip for ip, names in spec.dns_hosts for name in names},
    }
    if spec.mode == "bridge" or recorded.get("bridge"):
        inputs["bridge"] = spec.bridge
    if spec.mode == "macvtap":
        inputs["interface"] = spec.interface
    if spec.mode in PROVIDER_MODES:  # the LAN's subnet and DHCP are not the host's to tell
        inputs.update({k: recorded.get(k) for k in ("cidr", "dhcp_start", "dhcp_end", "domain", "dns_hosts")})
        inputs["dhcp"] = recorded.get("dhcp", True)
    if spec.ipv4_address is not None and spec.ipv4_prefix is not None:
        net = ipaddress.IPv4Interface(f"{spec.ipv4_address}/{spec.ipv4_prefix}").network
        inputs["cidr"] = str(net)
        if spec.mtu == _overlay.OVERLAY_MTU and recorded.get("mtu") is None:
            inputs["mtu"] = None  # the overlay's default
        for key, default in zip(("dhcp_start", "dhcp_end"), default_range(net), strict=True):
            if inputs[key] == default and recorded.get(key) is None:
                inputs[key] = None
    return inputs


def restarts(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether changing a network from ``old`` to ``new`` restarts it (else its host changes it live)."""
    return any(c.update != "live" for c in diff(Network, old, new))


class Handler(LibvirtHandler):
    """Networks on libvirt hosts."""

    kind = "network"

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Define and start the network (or adopt the one an interrupted create left)."""
        id = self.pending_id(ctx)
        name = self.check_name(ctx, inputs.get("name"))
        host_name = self.host_name_for(ctx, inputs, planned)
        host = self.host(host_name)
        info = host.get_network(id)
        if info is None:
            same_name = host.get_network(name)
            if same_name is not None:
                raise self.name_taken(ctx, "network", name, host_name, same_name.meta, same_name.uuid)
            mtu = _overlay.default_mtu(self.cloud, host_name, str(inputs.get("mode") or "nat"))
            info = host.define_network(network_spec(id, inputs, mtu=mtu), self.meta(ctx, inputs))
        return self._outputs(info, host_name)

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The network as its host defines it."""
        found = self._find(id, outputs)
        if found is None:
            return None
        return self._observed(*found)

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Change the DHCP range and DNS records live; redefine (restart) the network for DHCP, domain or MTU."""
        found = self._find(id, outputs)
        if found is None:
            raise NotFoundError(f"{ctx.address}: network {id} no longer exists")
        host_name, current = found
        _dhcp_left.sweep(self.cloud, self.host(host_name), current)
        mtu = _overlay.default_mtu(self.cloud, host_name, current.spec.mode)
        spec = network_spec(
            current.uuid, {**new, "name": current.name}, bridge=current.bridge, current=current, mtu=mtu
        )
        if current.active and not changed:  # a repair: what the hosts it spans lost
            _overlay.repair(self.cloud, current, self.meta(ctx, new))
            return self._outputs(current, host_name)
        if current.active and not restarts(old, new):  # DHCP and DNS are served on the network's own host only
            return self._outputs(self.host(host_name).update_network_live(spec), host_name)
        info = self.host(host_name).redefine_network(spec, self.meta(ctx, new))
        _overlay.rejoin(self.cloud, host_name, info, self.meta(ctx, new))
        return self._outputs(info, host_name)

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Stop and undefine the network, on its host and every host it spans; a network already gone is fine."""
        found = self._find(id, outputs)
        if found is not None:
            self.host(found[0]).delete_network(found[1].uuid)
            _overlay.remove_everywhere(self.cloud, found[0], found[1].uuid)

    def plan_notes(self, item: PlannedItem) -> list[str]:
        """An update that restarts the network names the running guests that lose connectivity meanwhile, on every
        host the network spans."""
        id = (item.outputs or {}).get("id")
        if item.action != "update" or not isinstance(id, str) or not restarts(item.before or {}, item.after or {}):
            return []
        rec = self.cloud.inventory.get(id)
        refs = {id, rec.name} if rec is not None else {id}
        guests: dict[str, list[str]] = {}
        for inst in self.cloud.inventory.list("instance"):
            inputs = inst.inputs
            nics = inputs.get("nics") or []
            if inputs.get("power_state") != "stopped" and any(
                isinstance(n, dict) and n.get("network") in refs for n in nics
            ):
                guests.setdefault(inst.host or "?", []).append(inst.name)
        if not guests:
            return []
        where = "; ".join(f"{', '.join(sorted(names))} on host {host}" for host, names in sorted(guests.items()))
        return [f"restarts the network: running guests lose connectivity for a moment: {where}"]

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """A network by UUID or name on any host (this stack's first), managed by iaas or not."""
        found = self.find_on_hosts(ctx, name_or_id, lambda host, ref: host.get_network(ref))
        return None if found is None else self._observed(*found)

    # ------------------------------------------------------------ helpers

    def locate(self, ref: str, host_name: str) -> NetworkInfo | None:
        """The network with this id or name on a host."""
        return self.host(host_name).get_network(ref)

    def _find(self, id: str, outputs: dict[str, Any] | None) -> tuple[str, NetworkInfo] | None:
        for host_name in self.hosts_to_search(id, outputs):
            info = self.host(host_name).get_network(id)
            if info is not None and info.uuid == id:
                return host_name, info
        return None

    def _observed(self, host_name: str, info: NetworkInfo) -> Observed:
        inputs = observed_inputs(info, self.recorded_inputs(info.uuid))
        meta = info.meta
        return Observed(
            info.uuid,
            inputs,
            self._outputs(info, host_name),
            stack=meta.stack if meta else None,
            address=meta.address if meta else None,
            lost=self._lost(host_name, info),
        )

    def _lost(self, host_name: str, info: NetworkInfo) -> tuple[str, ...]:
        if not info.active:
            return (f"network running on host {host_name}",)
        left = _dhcp_left.problem(self.cloud, info)
        return (*_overlay.link_problems(self.cloud, host_name, info), *([left] if left else []))

    def _outputs(self, info: NetworkInfo, host_name: str) -> dict[str, Any]:
        return {"id": info.uuid, "bridge": info.bridge, "gateway": info.spec.ipv4_address, "host": host_name}


__all__ = ["Handler", "missing_link", "network_spec", "observed_inputs"]
