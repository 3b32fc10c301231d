"""Find everything iaas made on a host.

Domains and networks are recognised by their iaas metadata, volumes and
network filters (which cannot carry metadata) by the ``iaas-`` prefix of
their names.  A crashed run can thus always find what it created, to adopt
it or clean it up.
"""

from __future__ import annotations

from functools import partial

import libvirt

from iaas.drivers.libvirt import _lookup
from iaas.drivers.libvirt._connection import Connection
from iaas.drivers.libvirt.meta import parse_meta
from iaas.drivers.libvirt.specs import ManagedObject

#: Name prefix of every volume and network filter iaas creates.
VOLUME_PREFIX = "iaas-"


def _domain(dom: libvirt.virDomain) -> ManagedObject | None:
    meta = parse_meta(dom.XMLDesc(0))
    return ManagedObject("domain", dom.name(), dom.UUIDString(), meta) if meta else None


def _network(net: libvirt.virNetwork) -> ManagedObject | None:
    meta = parse_meta(net.XMLDesc(0))
    return ManagedObject("network", net.name(), net.UUIDString(), meta) if meta else None


def _volumes(pool: libvirt.virStoragePool) -> list[ManagedObject]:
    if not pool.isActive():
        return []
    return [
        ManagedObject("volume", vol.name(), None, None, pool=pool.name())
        for vol in pool.listAllVolumes(0)
        if vol.name().startswith(VOLUME_PREFIX)
    ]


class InventoryOps(Connection):
    """List what iaas manages on a host."""

    def list_managed(self) -> list[ManagedObject]:
        """Every domain and network with iaas metadata, every ``iaas-`` volume and network filter.

        Sorted by type, then pool, then name.
        """

        def run(conn: libvirt.virConnect) -> list[ManagedObject]:
            found: list[ManagedObject | None] = []
            found += [_lookup.unless_gone(partial(_domain, d)) for d in conn.listAllDomains(0)]
            found += [_lookup.unless_gone(partial(_network, n)) for n in conn.listAllNetworks(0)]
            for pool in conn.listAllStoragePools(0):
                found += _lookup.unless_gone(partial(_volumes, pool)) or []
            if not self.simulated:  # the test driver has no network filters
                found += [
                    ManagedObject("nwfilter", f.name(), None, None)
                    for f in conn.listAllNWFilters(0)
                    if f.name().startswith(VOLUME_PREFIX)
                ]
            objects = [o for o in found if o is not None]
            return sorted(objects, key=lambda o: (o.type, o.pool or "", o.name))

        return self._call("list managed objects", run)
