"""Network: a virtual L2 network with an IPv4 subnet, optional DHCP, DNS and IPv6."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import attrs

from iaas.model import checks
from iaas.model.base import Reference, Resource, dataplane_field, field
from iaas.model.subnets import PROVIDER_MODES


@attrs.define(kw_only=True)
class Network(Resource):
    """A libvirt network: NAT, isolated or routed, with dnsmasq DHCP."""

    kind: ClassVar[str] = "network"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "project"
    name_check: ClassVar[Callable[[Any], str | None]] = staticmethod(checks.name)  # names a libvirt network
    description_doc: ClassVar[str] = "A virtual network with an IPv4 subnet, DHCP and DNS."

    cidr: str = field(
        "IPv4 subnet in CIDR notation; the first address is the gateway.",
        required=True,
        update="replace",
        check=checks.ipv4_cidr,
    )
    mode: str = field(
        "Forwarding mode: nat (outbound through the host), isolated, routed; or a provider network on the "
        "operator's LAN: bridge (an existing host bridge) or macvtap (a host interface).",
        default="nat",
        update="replace",
        choices=("nat", "isolated", "routed", "bridge", "macvtap"),
    )
    dhcp: bool = field("Serve addresses by DHCP.", default=True, update="offline")
    dhcp_start: str | None = field(
        "First address of the DHCP range (default: gateway + 1); changed without restarting the network.",
        check=checks.ipv4_address,
    )
    dhcp_end: str | None = field(
        "Last address of the DHCP range (default: last usable address); changed without restarting the network.",
        check=checks.ipv4_address,
    )
    domain: str | None = field("DNS domain served to guests.", update="offline", check=checks.dns_domain)
    dns_hosts: dict[str, str] = field(
        "DNS records the network's DNS service answers guests with: host name to IPv4 address; changed without "
        "restarting the network.",
        factory=dict,
        check=checks.dns_hosts,
    )
    mtu: int | None = field("MTU of the bridge.", update="offline", minimum=576, maximum=9216)
    ipv6_cidr: str | None = field(
        "IPv6 subnet in CIDR notation. Not supported yet: the hosts' networks are IPv4 only, and a value is refused.",
        update="replace",
        check=checks.ipv6_cidr,
    )
    project: str | None = field("Project the network counts against.", ref="project", update="replace")
    host: str | None = field(
        "Host to create the network on; chosen by the scheduler when unset.", update="replace", chosen=True
    )
    interface: str | None = field(
        "Mode macvtap: the host interface the guests sit on (it must exist on every host of the network).",
        update="replace",
        check=checks.name,
    )
    id: str | None = field("UUID of the network.", computed=True)
    bridge: str | None = field(
        "Name of the host bridge. Mode bridge: the existing bridge on each host, which iaas never creates or "
        "deletes; nat, isolated, routed: the bridge iaas makes (default: iaas- and the start of the id).",
        update="replace",
        chosen=True,
        check=checks.name,
    )
    gateway: str | None = field("Gateway address of the subnet.", computed=True)
    dataplane: str | None = dataplane_field()

    @classmethod
    def check(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """DHCP range inside the subnet and in order; a provider network names its bridge or interface; no IPv6
        subnet (not supported yet)."""
        errors = _provider_errors(values)
        v6 = values.get("ipv6_cidr")
        if isinstance(v6, str) and not checks.ipv6_cidr(v6):
            errors.append(
                ("ipv6_cidr", "IPv6 subnets are not supported yet (networks are IPv4 only): remove ipv6_cidr")
            )
        cidr = values.get("cidr")
        if not isinstance(cidr, str) or checks.ipv4_cidr(cidr):
            return errors
        net = ipaddress.IPv4Network(cidr)
        bounds = {}
        for key in ("dhcp_start", "dhcp_end"):
            value = values.get(key)
            if isinstance(value, str) and not checks.ipv4_address(value):
                addr = ipaddress.IPv4Address(value)
                if addr not in net or addr in (net.network_address, net.broadcast_address, net.network_address + 1):
                    errors.append(
                        (key, f"{value} is not a usable address of {cidr} (the gateway is {net.network_address + 1})")
                    )
                bounds[key] = addr
        if len(bounds) == 2 and bounds["dhcp_start"] > bounds["dhcp_end"]:
            errors.append(
                ("dhcp_end", f"DHCP range ends ({bounds['dhcp_end']}) before it starts ({bounds['dhcp_start']})")
            )
        return errors


def _provider_errors(values: dict[str, Any]) -> list[tuple[str, str]]:
    """``bridge`` with mode bridge, ``interface`` with mode macvtap (and only then)."""
    mode = values.get("mode") or "nat"
    if isinstance(mode, Reference):
        return []
    errors = []
    for want_mode, key in PROVIDER_MODES.items():
        value = values.get(key)
        if mode == want_mode and not value:
            errors.append((key, f"a network of mode {mode} needs the name of the host's {key}"))
        elif mode != want_mode and key == "interface" and isinstance(value, str) and value:
            errors.append((key, f"set only with mode {want_mode} (this network's mode is {mode})"))
    if mode in PROVIDER_MODES and isinstance(values.get("dns_hosts"), dict) and values.get("dns_hosts"):
        errors.append(("dns_hosts", f"a network of mode {mode} is the LAN's: its DNS is not served by iaas"))
    if mode == "macvtap" and isinstance(values.get("bridge"), str) and values.get("bridge"):
        errors.append(("bridge", "a network of mode macvtap has no bridge: its guests sit on `interface`"))
    return errors
