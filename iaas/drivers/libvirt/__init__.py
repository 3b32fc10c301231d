"""The libvirt driver: typed primitives over one libvirt host.

The driver knows nothing of stacks, plans or resource kinds; it defines,
reads, changes and deletes libvirt objects and marks the ones iaas makes.

Connection (:class:`Host`, see :mod:`iaas.drivers.libvirt.host`)::

    Host(name, uri, *, sim_store=None, sim_cpus=64, sim_memory_mib=262144, domain_type=None, timeout=30.0)
    host.simulated -> bool;  host.domain_type -> str;  host.info() -> HostInfo;  host.close()

Networks (by UUID or name)::

    define_network(NetworkSpec, Meta) -> NetworkInfo      define, autostart, start
    redefine_network(NetworkSpec, Meta) -> NetworkInfo    stop, define, start
    update_network_live(NetworkSpec) -> NetworkInfo       DHCP range and DNS hosts, without a restart
    get_network(ref) -> NetworkInfo | None
    network_names(ref) -> (uuid, name) | None             without reading the definition
    delete_network(ref) -> None                           absent is fine
    update_dhcp_host(network, "add"|"modify"|"delete", mac, ip, name=None) -> NetworkInfo

Storage::

    ensure_pool(name, path) -> PoolInfo                   dir pool, active, autostart
    pool_info(name) -> PoolInfo | None
    create_volume(pool, VolumeSpec) -> VolumeInfo         existing volume is returned
    get_volume(pool, name) -> VolumeInfo | None
    list_volumes(pool) -> list[VolumeInfo]
    resize_volume(pool, name, capacity_bytes) -> VolumeInfo
    delete_volume(pool, name) -> None                     absent is fine

Domains (by UUID or name)::

    define_domain(DomainSpec, Meta) -> DomainInfo         not started
    get_domain(ref) -> DomainInfo | None
    start_domain(ref);  reboot_domain(ref);  set_domain_autostart(ref, bool)
    stop_domain(ref, timeout=60.0, force=True) -> bool    True if it stopped by itself
    delete_domain(ref) -> None                            absent is fine; disks are kept
    set_memory(ref, mib, live=True, *, max_mib=None)
    set_vcpus(ref, count, live=True, *, max_count=None)
    attach_disk(ref, DiskSpec, live=True);  detach_disk(ref, target, live=True)
    attach_nic(ref, NicSpec, live=True);    detach_nic(ref, mac, live=True)
    domain_addresses(ref, source="lease") -> list[DomainAddress]      source "lease" or "agent" (guest agent)
    wait_for_addresses(ref, timeout=60.0, *, macs=None, interval=0.5, source="lease", labels=None)
                                                          -> list[DomainAddress] once every NIC holds an
                                                          address; HostError says what each NIC held

Reaching guests from this machine (:mod:`iaas.drivers.libvirt.reach`)::

    libvirtd_netns(uri) -> str | None                     the network namespace of a local libvirtd
    wait_for_port(host_name, address, port, timeout, *, netns=None, probe=None) -> seconds
                                                          a TCP port accepts; HostError says the last failure

Network filters (real hosts; the test driver has none)::

    define_nwfilter(xml) -> str                           returns the filter's name
    undefine_nwfilter(name) -> None                       absent (or simulated host) is fine
    nwfilter_names() -> list[str]
    nwfilter_xml(name) -> str | None                      absent (or simulated host): None

Inventory::

    list_managed() -> list[ManagedObject]    domains and networks with iaas metadata,
                                             iaas-* volumes and network filters

Metadata: :class:`Meta` (stack, address, project) is rendered into every
domain and network; :func:`parse_meta` reads it back from XML.

Errors: every libvirt failure is :class:`iaas.errors.HostError` (host and
operation named); changing an object that does not exist is
:class:`iaas.errors.NotFoundError`.

The names below load on first use: the data types (:mod:`iaas.drivers.libvirt.specs`) come without libvirt-python,
which loads with :class:`Host`, when a host is first used.
"""

# ruff: noqa: F401  (names below are imported for type checkers only; runtime loading is lazy)
from __future__ import annotations

from typing import TYPE_CHECKING

from iaas._lazy import lazy_exports

_SPECS = (
    "DhcpHost",
    "DiskSpec",
    "DomainAddress",
    "DomainInfo",
    "DomainSpec",
    "GuestCaps",
    "HostInfo",
    "ManagedObject",
    "Meta",
    "NetworkInfo",
    "NetworkSpec",
    "NicSpec",
    "PoolInfo",
    "VolumeInfo",
    "VolumeSpec",
)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(_SPECS, "iaas.drivers.libvirt.specs"),
    "Host": "iaas.drivers.libvirt.host",
    "VOLUME_PREFIX": "iaas.drivers.libvirt.inventory",
    "DEFAULT_TIMEOUT": "iaas.drivers.libvirt.uri",
    **dict.fromkeys(("META_NS", "parse_meta"), "iaas.drivers.libvirt.meta"),
    **dict.fromkeys(("libvirtd_netns", "wait_for_port"), "iaas.drivers.libvirt.reach"),
}

__all__ = [
    "DEFAULT_TIMEOUT",
    "META_NS",
    "VOLUME_PREFIX",
    "DhcpHost",
    "DiskSpec",
    "DomainAddress",
    "DomainInfo",
    "DomainSpec",
    "GuestCaps",
    "Host",
    "HostInfo",
    "ManagedObject",
    "Meta",
    "NetworkInfo",
    "NetworkSpec",
    "NicSpec",
    "PoolInfo",
    "VolumeInfo",
    "VolumeSpec",
    "libvirtd_netns",
    "parse_meta",
    "wait_for_port",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from iaas.drivers.libvirt.host import Host
    from iaas.drivers.libvirt.inventory import VOLUME_PREFIX
    from iaas.drivers.libvirt.meta import META_NS, parse_meta
    from iaas.drivers.libvirt.reach import libvirtd_netns, wait_for_port
    from iaas.drivers.libvirt.specs import (
        DhcpHost,
        DiskSpec,
        DomainAddress,
        DomainInfo,
        DomainSpec,
        GuestCaps,
        HostInfo,
        ManagedObject,
        Meta,
        NetworkInfo,
        NetworkSpec,
        NicSpec,
        PoolInfo,
        VolumeInfo,
        VolumeSpec,
    )
    from iaas.drivers.libvirt.uri import DEFAULT_TIMEOUT
