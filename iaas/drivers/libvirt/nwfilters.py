"""Network filter (nwfilter) primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

The caller renders the filter XML (filters carry no metadata; iaas names its
filters ``iaas-...``, which is how
:meth:`~iaas.drivers.libvirt.inventory.InventoryOps.list_managed` finds them).
libvirt's test driver has no network filters: on a simulated host defining
one is an error and undefining one does nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt

from iaas.drivers.libvirt import _lookup
from iaas.drivers.libvirt._connection import Connection
from iaas.errors import HostError


class NwfilterOps(Connection):
    """Define and undefine network filters on real hosts."""

    def define_nwfilter(self, xml: str) -> str:
        """Define (or redefine, by name and UUID) a network filter; returns its name."""
        name = ET.fromstring(xml).get("name") or ""
        operation = f"define network filter {name}"
        if self.simulated:
            raise HostError(self.name, operation, "simulated hosts have no network filters")
        return self._call(operation, lambda conn: str(conn.nwfilterDefineXML(xml).name()))

    def undefine_nwfilter(self, name: str) -> None:
        """Undefine a network filter; nothing happens if it does not exist (or the host is simulated)."""
        if self.simulated:
            return

        def run(conn: libvirt.virConnect) -> None:
            try:
                conn.nwfilterLookupByName(name).undefine()
            except libvirt.libvirtError as exc:
                if not _lookup.absent(exc):
                    raise

        self._call(f"undefine network filter {name}", run)

    def nwfilter_xml(self, name: str) -> str | None:
        """The definition of a network filter, or None when there is none (always on a simulated host)."""
        if self.simulated:
            return None

        def run(conn: libvirt.virConnect) -> str | None:
            try:
                return str(conn.nwfilterLookupByName(name).XMLDesc(0))
            except libvirt.libvirtError as exc:
                if _lookup.absent(exc):
                    return None
                raise

        return self._call(f"read network filter {name}", run)

    def nwfilter_names(self) -> list[str]:
        """Names of every network filter on the host, sorted (none on a simulated host)."""
        if self.simulated:
            return []
        return self._call("list network filters", lambda conn: sorted(f.name() for f in conn.listAllNWFilters(0)))
