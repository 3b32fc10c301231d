"""Guest snapshot primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

Snapshots are libvirt *internal* snapshots: the disks' states are kept inside
their qcow2 files (and, for a running guest, its memory too), so they can be
reverted with the libvirt of Debian 12 (9.0), which cannot revert external
snapshots.  libvirt takes an internal snapshot of a running guest only with
its memory; of a stopped guest, only of its disks.

A snapshot is named per domain.  On a simulated host, snapshots are kept in
the sim store with their domain and defined again when the host reconnects.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import attrs
import libvirt

from iaas.drivers.libvirt import _lookup
from iaas.drivers.libvirt.domains import DomainOps
from iaas.errors import NotFoundError


@attrs.frozen
class SnapshotInfo:
    """One snapshot of a guest as its host reports it."""

    name: str
    domain_uuid: str
    description: str
    created_at: int  # seconds since the epoch
    state: str  # the guest's state when it was taken: running, paused or shutoff
    memory: bool  # the guest's memory is saved with it
    disks: tuple[str, ...]  # targets (vda, ...) whose state it keeps


def snapshot_info(snap: libvirt.virDomainSnapshot, domain_uuid: str) -> SnapshotInfo:
    """Describe a libvirt snapshot from its XML."""
    root = ET.fromstring(snap.getXMLDesc(0))
    memory = root.find("memory")
    disks = tuple(
        str(d.get("name"))
        for d in root.findall("disks/disk")
        if d.get("snapshot") not in ("no", None) and d.get("name")
    )
    return SnapshotInfo(
        name=snap.getName(),
        domain_uuid=domain_uuid,
        description=root.findtext("description") or "",
        created_at=int(root.findtext("creationTime") or 0),
        state=root.findtext("state") or "",
        memory=memory is not None and memory.get("snapshot") == "internal",
        disks=disks,
    )


def snapshot_xml(name: str, description: str, memory: bool) -> str:
    """The ``<domainsnapshot>`` document asking for an internal snapshot (escaped by ElementTree)."""
    root = ET.Element("domainsnapshot")
    ET.SubElement(root, "name").text = name
    if description:
        ET.SubElement(root, "description").text = description
    ET.SubElement(root, "memory", snapshot="internal" if memory else "no")
    return ET.tostring(root, encoding="unicode")


class SnapshotOps(DomainOps):
    """Create, read, revert and delete internal snapshots of guests."""

    def _require_snapshot(self, dom: libvirt.virDomain, name: str) -> libvirt.virDomainSnapshot:
        snap = _snapshot(dom, name)
        if snap is None:
            raise NotFoundError(f"host {self.name}: domain {dom.name()} has no snapshot {name!r}")
        return snap

    def create_snapshot(self, ref: str, name: str, description: str = "") -> SnapshotInfo:
        """Snapshot a guest's disks, with its memory when it runs (libvirt takes no other internal snapshot)."""

        def run(conn: libvirt.virConnect) -> SnapshotInfo:
            dom = self._require_domain(conn, ref)
            snap = dom.snapshotCreateXML(snapshot_xml(name, description, dom.isActive() == 1), 0)
            self._save_snapshot(dom, snap)
            return snapshot_info(snap, dom.UUIDString())

        return self._call(f"snapshot domain {ref} as {name}", run)

    def get_snapshot(self, ref: str, name: str) -> SnapshotInfo | None:
        """A snapshot of a guest, or None when the guest or the snapshot is gone."""

        def run(conn: libvirt.virConnect) -> SnapshotInfo | None:
            dom = _lookup.domain(conn, ref)
            snap = _snapshot(dom, name) if dom is not None else None
            return snapshot_info(snap, dom.UUIDString()) if dom is not None and snap is not None else None

        return self._call(f"read snapshot {name} of domain {ref}", run)

    def list_snapshots(self, ref: str) -> list[SnapshotInfo]:
        """Every snapshot of a guest, oldest first (none when the guest is gone)."""

        def run(conn: libvirt.virConnect) -> list[SnapshotInfo]:
            dom = _lookup.domain(conn, ref)
            if dom is None:
                return []
            found = [snapshot_info(s, dom.UUIDString()) for s in dom.listAllSnapshots(0)]
            return sorted(found, key=lambda s: (s.created_at, s.name))

        return self._call(f"list snapshots of domain {ref}", run)

    def describe_snapshot(self, ref: str, name: str, description: str) -> SnapshotInfo:
        """Change a snapshot's description (its saved state is untouched)."""

        def run(conn: libvirt.virConnect) -> SnapshotInfo:
            dom = self._require_domain(conn, ref)
            root = ET.fromstring(self._require_snapshot(dom, name).getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE))
            node = root.find("description")
            if node is None:
                node = ET.Element("description")
                root.insert(1, node)
            node.text = description
            snap = dom.snapshotCreateXML(
                ET.tostring(root, encoding="unicode"), libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
            )
            self._save_snapshot(dom, snap)
            return snapshot_info(snap, dom.UUIDString())

        return self._call(f"describe snapshot {name} of domain {ref}", run)

    def revert_snapshot(self, ref: str, name: str, *, start: bool, with_memory: bool) -> None:
        """Put a guest's disks back to a snapshot; then run it (``start``) or leave it shut off.

        With ``with_memory`` (and a snapshot holding memory) the guest resumes
        where it was when the snapshot was taken.  Otherwise the guest, if it
        runs, is powered off first (its disks are being thrown away), and
        boots afresh from the restored disks when ``start``.
        """

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            snap = self._require_snapshot(dom, name)
            held = snapshot_info(snap, dom.UUIDString())
            if with_memory and held.memory and start:
                dom.revertToSnapshot(snap, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
            else:
                if dom.isActive():
                    dom.destroy()
                paused = libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED if held.memory else 0
                dom.revertToSnapshot(snap, paused)
                if dom.isActive():  # the memory of the snapshot was loaded: discard it
                    dom.destroy()
                if start:
                    dom.create()
            self._save_domain(dom)

        self._call(f"revert domain {ref} to snapshot {name}", run)

    def delete_snapshot(self, ref: str, name: str) -> None:
        """Delete a snapshot and the state it keeps; a guest or snapshot already gone is fine."""

        def run(conn: libvirt.virConnect) -> None:
            dom = _lookup.domain(conn, ref)
            snap = _snapshot(dom, name) if dom is not None else None
            if dom is not None and snap is not None:
                snap.delete(0)
                self._forget("snapshot", name, parent=dom.UUIDString())

        self._call(f"delete snapshot {name} of domain {ref}", run)

    def _save_snapshot(self, dom: libvirt.virDomain, snap: libvirt.virDomainSnapshot) -> None:
        if self._store is not None:
            xml = snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)
            self._store.put("snapshot", snap.getName(), xml, parent=dom.UUIDString())


def _snapshot(dom: libvirt.virDomain, name: str) -> libvirt.virDomainSnapshot | None:
    try:
        return dom.snapshotLookupByName(name, 0)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
            return None
        raise
