"""Moving a running guest from one host to another: libvirt's live migration with its local disks copied.

The disks stay where each host keeps its files: the guest's definition on the
destination names the destination's paths (:func:`relocated_xml`), and the
disk files must exist there before the migration starts (made empty, or as an
overlay on the same image); QEMU then copies their content while the guest
runs (``VIR_MIGRATE_NON_SHARED_INC``: only what the overlay holds when its
image is present on both hosts).  Read-only disks (a cloud-init seed) are not
copied: the destination must hold its own copy.

The migration is driven from this process (libvirt's managed, non
peer-to-peer protocol): each daemon is reached through its own connection, and
the guest's memory and disks travel straight from the source's QEMU to the
destination's, to the address given as ``address`` (the destination's address
on the network between the hosts).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import libvirt

from iaas.drivers.libvirt import _lookup
from iaas.errors import HostError, NotFoundError

if TYPE_CHECKING:
    from iaas.drivers.libvirt.host import Host

#: Live, defined on the destination and no longer on the source, local disks copied (overlays: their top only).
LIVE_FLAGS = (
    libvirt.VIR_MIGRATE_LIVE
    | libvirt.VIR_MIGRATE_PERSIST_DEST
    | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
    | libvirt.VIR_MIGRATE_NON_SHARED_INC
)


def relocated_xml(xml: str, paths: Mapping[str, str]) -> str:
    """A domain's XML with every file it names (disks, serial log) moved per ``paths``; backing chains left
    out (the destination reads its own files' chains)."""
    root = ET.fromstring(xml)
    for element in root.iter():
        for attr in ("file", "path"):
            value = element.get(attr)
            if value is not None and value in paths:
                element.set(attr, paths[value])
    for disk in root.iter("disk"):
        for chain in disk.findall("backingStore"):
            disk.remove(chain)
    return ET.tostring(root, encoding="unicode")


def live_migrate(
    source: Host, dest: Host, ref: str, *, address: str, paths: Mapping[str, str], disks: Sequence[str]
) -> None:
    """Move the running guest ``ref`` from ``source`` to ``dest`` while it runs.

    ``address`` is where the source's QEMU reaches the destination (its
    migration stream and the copy of the disks ``disks``, by target name);
    ``paths`` maps each file of the guest on the source to its path on the
    destination.  On failure the guest keeps running on the source (libvirt
    cancels the job and removes the half-made guest on the destination) and a
    :class:`HostError` names both hosts.
    """
    operation = f"migrate domain {ref} to host {dest.name}"

    def run(conn: libvirt.virConnect) -> None:
        dom = _lookup.domain(conn, ref)
        if dom is None:
            raise NotFoundError(f"host {source.name!r}: no domain {ref!r}")
        live = relocated_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE | libvirt.VIR_DOMAIN_XML_SECURE), paths)
        inactive = dom.XMLDesc(
            libvirt.VIR_DOMAIN_XML_MIGRATABLE | libvirt.VIR_DOMAIN_XML_SECURE | libvirt.VIR_DOMAIN_XML_INACTIVE
        )
        params: dict[str, object] = {
            libvirt.VIR_MIGRATE_PARAM_URI: f"tcp://{address}",
            libvirt.VIR_MIGRATE_PARAM_DEST_XML: live,
            libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: relocated_xml(inactive, paths),
            libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: list(disks),
        }
        try:
            dom.migrate3(dest._connection(), params, LIVE_FLAGS)
        except libvirt.libvirtError as exc:
            raise HostError(source.name, operation, str(exc.get_error_message() or exc)) from None

    source._call(operation, run)
