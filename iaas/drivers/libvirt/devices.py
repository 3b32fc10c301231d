"""Disk and NIC hotplug of a :class:`~iaas.drivers.libvirt.host.Host`.

Each call changes the guest's definition and, with ``live=True`` on a running
guest, the running guest too.  Calls are idempotent: attaching a device that
is there, or detaching one that is not, does nothing.  Disks are found by
target (``vdb``), NICs by MAC.

Real hosts need ``<features><acpi/></features>`` in the guest (the domain
template has it); a live detach only asks the guest to let go of the device.
A disk in use by a running guest grows with :meth:`DeviceOps.resize_disk_live`
(libvirt's block resize: the guest sees the new size at once).

The test driver cannot hotplug at all: there the definition is rewritten, and
a running guest that should see the change at once is restarted (instantly,
it is a simulation), so both the definition and the live view read back as a
real host would show them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import libvirt

from iaas.drivers.libvirt import readback
from iaas.drivers.libvirt.domains import DomainOps
from iaas.drivers.libvirt.render import disk_xml, interface_xml
from iaas.drivers.libvirt.specs import DiskSpec, NicSpec
from iaas.errors import NotFoundError

Finder = Callable[[ET.Element], ET.Element | None]
_INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE


def _disk_by_target(target: str) -> Finder:
    def find(devices: ET.Element) -> ET.Element | None:
        for disk in devices.findall("disk"):
            found = disk.find("target")
            if found is not None and found.get("dev") == target:
                return disk
        return None

    return find


def _nic_by_mac(mac: str) -> Finder:
    mac = mac.lower()

    def find(devices: ET.Element) -> ET.Element | None:
        for iface in devices.findall("interface"):
            found = iface.find("mac")
            if found is not None and (found.get("address") or "").lower() == mac:
                return iface
        return None

    return find


def _devices(xml: str) -> ET.Element:
    found = ET.fromstring(xml).find("devices")
    return found if found is not None else ET.Element("devices")


def _replace_devices(xml: str, devices: ET.Element) -> str:
    """Swap the ``<devices>`` element of a domain's XML text, leaving the rest byte for byte."""
    xml = xml.replace("<devices/>", "<devices></devices>")
    start, end = xml.find("<devices>"), xml.rfind("</devices>")
    if start < 0 or end < 0:
        start = end = xml.rindex("</domain>")
        return xml[:start] + ET.tostring(devices, encoding="unicode") + xml[end:]
    return xml[:start] + ET.tostring(devices, encoding="unicode") + xml[end + len("</devices>") :]


class DeviceOps(DomainOps):
    """Attach and detach disks and NICs."""

    def attach_disk(self, ref: str, disk: DiskSpec, live: bool = True) -> None:
        """Attach a disk to a guest (found by its target, e.g. "vdb")."""
        self._change(
            ref, f"attach disk {disk.target} to domain {ref}", _disk_by_target(disk.target), disk_xml(disk), live
        )

    def detach_disk(self, ref: str, target: str, live: bool = True) -> None:
        """Detach the disk with this target from a guest."""
        self._change(ref, f"detach disk {target} from domain {ref}", _disk_by_target(target), None, live)

    def attach_nic(self, ref: str, nic: NicSpec, live: bool = True) -> None:
        """Attach a NIC to a guest (found by its MAC)."""
        self._change(ref, f"attach NIC {nic.mac} to domain {ref}", _nic_by_mac(nic.mac), interface_xml(nic), live)

    def detach_nic(self, ref: str, mac: str, live: bool = True) -> None:
        """Detach the NIC with this MAC from a guest."""
        self._change(ref, f"detach NIC {mac} from domain {ref}", _nic_by_mac(mac), None, live)

    def disk_users(self, path: str) -> list[tuple[str, str]]:
        """The running guests that have the file ``path`` as a disk now, as (UUID, target) pairs."""

        def run(conn: libvirt.virConnect) -> list[tuple[str, str]]:
            found = []
            for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                for disk in readback.disks(ET.fromstring(dom.XMLDesc(0))):
                    if disk.path == path:
                        found.append((dom.UUIDString(), disk.target))
            return sorted(found)

        return self._call(f"find guests using {path}", run)

    def resize_disk_live(self, ref: str, target: str, capacity_bytes: int) -> bool:
        """Grow the disk ``target`` of a running guest to ``capacity_bytes``; the guest sees it at once.

        The disk's file grows with it.  Returns False, changing nothing, when
        the guest is not running or the host is simulated (the test driver
        cannot resize a disk: grow its volume with
        :meth:`~iaas.drivers.libvirt.storage.StorageOps.resize_volume` instead).
        """

        def run(conn: libvirt.virConnect) -> bool:
            dom = self._require_domain(conn, ref)
            if self.simulated or not dom.isActive():
                return False
            dom.blockResize(target, capacity_bytes, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
            return True

        return self._call(f"resize disk {target} of domain {ref}", run)

    def disk_capacity_live(self, ref: str, target: str) -> int | None:
        """The size in bytes a running guest sees for its disk ``target``; None when it is not running.

        On a simulated host this is the size of the disk's volume.
        """

        def run(conn: libvirt.virConnect) -> int | None:
            dom = self._require_domain(conn, ref)
            if not dom.isActive():
                return None
            if self.simulated:  # the test driver reports a fixed size for every disk
                disk = next((d for d in readback.disks(ET.fromstring(dom.XMLDesc(0))) if d.target == target), None)
                if disk is None or disk.path is None:
                    raise NotFoundError(f"host {self.name!r}: domain {ref} has no disk {target}")
                return int(conn.storageVolLookupByPath(disk.path).info()[1])
            return int(dom.blockInfo(target, 0)[0])

        return self._call(f"read size of disk {target} of domain {ref}", run)

    def _change(self, ref: str, operation: str, find: Finder, attach_xml: str | None, live: bool) -> None:
        """Attach (``attach_xml`` given) or detach the device ``find`` picks out."""
        attach = attach_xml is not None

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            in_config = find(_devices(dom.XMLDesc(_INACTIVE)))
            in_live = find(_devices(dom.XMLDesc(0))) if dom.isActive() else None
            todo_config = (in_config is None) if attach else (in_config is not None)
            todo_live = bool(live and dom.isActive()) and ((in_live is None) if attach else (in_live is not None))
            if not (todo_config or todo_live):
                return
            if self.simulated:
                self._simulate_change(conn, dom, find, attach_xml, todo_config, todo_live)
            else:
                present = in_live if in_live is not None else in_config
                xml = attach_xml if attach_xml is not None else ET.tostring(present, encoding="unicode")  # type: ignore[arg-type]
                flags = (libvirt.VIR_DOMAIN_AFFECT_CONFIG if todo_config else 0) | (
                    libvirt.VIR_DOMAIN_AFFECT_LIVE if todo_live else 0
                )
                (dom.attachDeviceFlags if attach else dom.detachDeviceFlags)(xml, flags)
            self._save_domain(dom)

        self._call(operation, run)

    def _simulate_change(
        self,
        conn: libvirt.virConnect,
        dom: libvirt.virDomain,
        find: Finder,
        attach_xml: str | None,
        todo_config: bool,
        todo_live: bool,
    ) -> None:
        """Test driver: rewrite the definition, and restart the guest to make it live."""
        if todo_config:
            xml = dom.XMLDesc(_INACTIVE)
            devices = _devices(xml)
            if attach_xml is not None:
                devices.append(ET.fromstring(attach_xml))
            else:
                devices.remove(find(devices))  # type: ignore[arg-type]
            conn.defineXML(_replace_devices(xml, devices))
        if todo_live and dom.isActive():
            paused = dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED
            dom.destroy()
            dom.create()
            if paused:
                dom.suspend()
