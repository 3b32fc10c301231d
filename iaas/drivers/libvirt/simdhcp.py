"""DHCP on a simulated host: stable addresses that follow the networks' DHCP settings.

libvirt's test driver makes up one address per NIC from the guest's runtime
id, which changes whenever the simulated host is loaded again.  A simulated
host answers instead as dnsmasq would: a static entry for the MAC if the
network has one, else an address of the network's DHCP range chosen from the
MAC, so the same guest keeps the same address across runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Iterable

from iaas.drivers.libvirt.specs import DomainAddress, NetworkSpec, NicSpec


def lease(spec: NetworkSpec, mac: str) -> DomainAddress | None:
    """The address a NIC with ``mac`` gets from the DHCP of the network ``spec`` describes, if any."""
    if spec.ipv4_address is None or spec.ipv4_prefix is None:
        return None
    prefix = spec.ipv4_prefix
    for host in spec.dhcp_hosts:
        if host.mac == mac and host.ip:
            return DomainAddress(mac=mac, address=host.ip, prefix=prefix, family="ipv4")
    if spec.dhcp_start is None or spec.dhcp_end is None:
        return None
    start = int(ipaddress.IPv4Address(spec.dhcp_start))
    size = int(ipaddress.IPv4Address(spec.dhcp_end)) - start + 1
    offset = int.from_bytes(hashlib.sha256(mac.encode()).digest()[:4], "big") % max(size, 1)
    return DomainAddress(mac=mac, address=str(ipaddress.IPv4Address(start + offset)), prefix=prefix, family="ipv4")


def simulated_addresses(nics: Iterable[NicSpec], network: Callable[[str], NetworkSpec | None]) -> list[DomainAddress]:
    """The addresses a running guest with ``nics`` would have leased, one per NIC on a DHCP network.

    ``network(name)`` gives a network's definition, or None when it is gone (no lease then).
    """
    out = []
    for nic in nics:
        spec = network(nic.network)
        found = lease(spec, nic.mac) if spec is not None else None
        if found is not None:
            out.append(found)
    return out
