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
import xml.etree.ElementTree as ET

import libvirt

from iaas.drivers.libvirt.specs import DomainAddress


def _lease(net_xml: str, mac: str) -> DomainAddress | None:
    ip = ET.fromstring(net_xml).find("ip")
    if ip is None or ip.get("address") is None:
        return None
    prefix = int(ip.get("prefix") or ipaddress.IPv4Network(f"0.0.0.0/{ip.get('netmask')}").prefixlen)
    for host in ip.iterfind("dhcp/host"):
        if (host.get("mac") or "").lower() == mac and host.get("ip"):
            return DomainAddress(mac=mac, address=host.get("ip") or "", prefix=prefix, family="ipv4")
    rng = ip.find("dhcp/range")
    if rng is None:
        return None
    start = int(ipaddress.IPv4Address(rng.get("start")))
    size = int(ipaddress.IPv4Address(rng.get("end"))) - start + 1
    offset = int.from_bytes(hashlib.sha256(mac.encode()).digest()[:4], "big") % max(size, 1)
    return DomainAddress(mac=mac, address=str(ipaddress.IPv4Address(start + offset)), prefix=prefix, family="ipv4")


def simulated_addresses(conn: libvirt.virConnect, dom: libvirt.virDomain) -> list[DomainAddress]:
    """The addresses a running guest of a simulated host would have leased, one per NIC on a DHCP network."""
    out = []
    for iface in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/interface"):
        mac_el, src = iface.find("mac"), iface.find("source")
        if mac_el is None or src is None or src.get("network") is None:
            continue
        try:
            net_xml = conn.networkLookupByName(src.get("network")).XMLDesc(0)
        except libvirt.libvirtError:
            continue  # the network is gone: no lease
        lease = _lease(net_xml, (mac_el.get("address") or "").lower())
        if lease is not None:
            out.append(lease)
    return out
