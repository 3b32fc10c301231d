"""The addresses of a network's inputs: its subnet and the DHCP range iaas serves (without the Network class, for
the checks that need only these)."""

from __future__ import annotations

import ipaddress
from typing import Any

from iaas.model import checks
from iaas.model.base import Reference

#: Modes whose segment is the operator's LAN, and the field naming what each sits on.
PROVIDER_MODES = {"bridge": "bridge", "macvtap": "interface"}


def default_range(net: ipaddress.IPv4Network) -> tuple[str, str]:
    """The default DHCP range of a subnet: gateway + 1 to the last usable address."""
    return str(net.network_address + 2), str(net.broadcast_address - 1)


def served_range(values: dict[str, Any]) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address] | None:
    """The DHCP range iaas serves on a network with these inputs (first, last); None for a provider network,
    a network without DHCP or one whose subnet is not known yet."""
    mode = values.get("mode")
    if not isinstance(mode, str | None) or mode in PROVIDER_MODES or values.get("dhcp") is False:
        return None
    net = subnet_of(values)
    if net is None:
        return None
    start, end = default_range(net)
    bounds = [values.get("dhcp_start"), values.get("dhcp_end")]
    if not all(isinstance(b, str | None) for b in bounds):
        return None
    return ipaddress.IPv4Address(bounds[0] or start), ipaddress.IPv4Address(bounds[1] or end)


def subnet_of(values: dict[str, Any]) -> ipaddress.IPv4Network | None:
    """The IPv4 subnet of a network's inputs, or None when unknown or invalid."""
    cidr = values.get("cidr")
    if isinstance(cidr, Reference) or not isinstance(cidr, str) or checks.ipv4_cidr(cidr):
        return None
    return ipaddress.IPv4Network(cidr)
