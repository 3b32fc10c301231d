"""Storage pool and volume primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

Pools are directory pools (on the test driver they are virtual: no files are
made).  Volumes cannot carry metadata, so the caller names them; iaas names
its volumes ``iaas-...`` so :meth:`~iaas.drivers.libvirt.inventory.InventoryOps.list_managed`
finds them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import libvirt

from iaas.drivers.libvirt import _lookup, readback
from iaas.drivers.libvirt._connection import Connection, error_detail
from iaas.drivers.libvirt.render import pool_xml, volume_xml
from iaas.drivers.libvirt.specs import PoolInfo, VolumeFormat, VolumeInfo, VolumeSpec
from iaas.errors import HostError, NotFoundError

log = logging.getLogger(__name__)

UPLOAD_CHUNK = 1 << 20
#: Suffix of the volume an upload writes before the finished copy takes the volume's own name.
PART_SUFFIX = ".part"


def pool_info(pool: libvirt.virStoragePool) -> PoolInfo:
    """Describe a libvirt storage pool object."""
    _state, capacity, allocation, available = pool.info()
    return PoolInfo(
        name=pool.name(),
        uuid=pool.UUIDString(),
        path=readback.pool_path(pool.XMLDesc(0)),
        active=bool(pool.isActive()),
        capacity_bytes=capacity,
        allocation_bytes=allocation,
        available_bytes=available,
    )


def volume_info(pool: libvirt.virStoragePool, vol: libvirt.virStorageVol) -> VolumeInfo:
    """Describe a libvirt volume object."""
    return readback.volume_info(vol.XMLDesc(0), pool.name())


class StorageOps(Connection):
    """Ensure pools; create, read, resize, list and delete volumes."""

    def _require_pool(self, conn: libvirt.virConnect, name: str) -> libvirt.virStoragePool:
        pool = _lookup.pool(conn, name)
        if pool is None:
            raise NotFoundError(f"host {self.name!r}: no storage pool {name!r}")
        return pool

    def _refresh(self, pool: libvirt.virStoragePool) -> None:
        """Let a real host rescan the pool directory (files may have changed behind its back)."""
        if self.simulated or not pool.isActive():
            return
        try:
            pool.refresh(0)
        except libvirt.libvirtError as exc:  # e.g. a volume is being built; the old view is still usable
            log.debug("host %s: refresh of pool %s skipped: %s", self.name, pool.name(), error_detail(exc))

    def ensure_pool(self, name: str, path: str) -> PoolInfo:
        """Make sure a directory pool ``name`` exists, is active and autostarts.

        An existing pool is kept as it is, even if its path differs from
        ``path``: compare :attr:`PoolInfo.path` to detect that.
        """

        def run(conn: libvirt.virConnect) -> PoolInfo:
            pool = _lookup.pool(conn, name)
            if pool is None:
                pool = conn.storagePoolDefineXML(pool_xml(name, path), 0)
                pool.build(0)
            if not pool.isActive():
                pool.create(0)
            if not pool.autostart():
                pool.setAutostart(1)
            self._save_pool(pool)
            return pool_info(pool)

        return self._call(f"ensure pool {name}", run)

    def pool_info(self, name: str) -> PoolInfo | None:
        """Capacity, allocation and free space of a pool, or None if there is no such pool."""

        def run(conn: libvirt.virConnect) -> PoolInfo | None:
            pool = _lookup.pool(conn, name)
            if pool is None:
                return None
            self._refresh(pool)
            return pool_info(pool)

        return self._call(f"read pool {name}", run)

    def create_volume(self, pool: str, spec: VolumeSpec) -> VolumeInfo:
        """Create a volume; if one of that name exists, return it unchanged.

        Compare the returned info with ``spec`` to detect a differing volume.
        """

        def run(conn: libvirt.virConnect) -> VolumeInfo:
            lv_pool = self._require_pool(conn, pool)
            vol = _lookup.volume(lv_pool, spec.name)
            if vol is None:
                vol = lv_pool.createXML(volume_xml(spec), 0)
                self._save_volume(pool, vol)
            return volume_info(lv_pool, vol)

        return self._call(f"create volume {spec.name} in pool {pool}", run)

    def get_volume(self, pool: str, name: str) -> VolumeInfo | None:
        """The volume ``name`` of ``pool``, or None if either does not exist."""

        def run(conn: libvirt.virConnect) -> VolumeInfo | None:
            lv_pool, vol = self._bulk_volume(conn, pool, name)
            if lv_pool is None or vol is None:
                return None
            return self._once(("volume", pool, name), lambda: self._volume_info(lv_pool, vol))

        return self._call(f"read volume {name} in pool {pool}", run)

    def _volume_info(self, pool: libvirt.virStoragePool, vol: libvirt.virStorageVol) -> VolumeInfo:
        """:func:`volume_info`, read back from the XML once across commands."""
        name = pool.name()
        return self._parsed.volume(vol.XMLDesc(0), name, lambda xml: readback.volume_info(xml, name))

    def volume_at(self, path: str) -> VolumeInfo | None:
        """The volume whose file is ``path`` in any pool of the host, or None."""

        def run(conn: libvirt.virConnect) -> VolumeInfo | None:
            try:
                vol = conn.storageVolLookupByPath(path)
            except libvirt.libvirtError:
                return None
            return volume_info(vol.storagePoolLookupByVolume(), vol)

        return self._call(f"find the volume at {path}", run)

    def list_volumes(self, pool: str) -> list[VolumeInfo]:
        """Every volume of a pool, sorted by name."""

        def run(conn: libvirt.virConnect) -> list[VolumeInfo]:
            lv_pool = self._require_pool(conn, pool)
            self._refresh(lv_pool)
            found = [volume_info(lv_pool, v) for v in lv_pool.listAllVolumes(0)]
            return sorted(found, key=lambda v: v.name)

        return self._call(f"list volumes in pool {pool}", run)

    def delete_volume(self, pool: str, name: str) -> None:
        """Delete a volume and its data; nothing happens if it does not exist."""

        def run(conn: libvirt.virConnect) -> None:
            lv_pool = _lookup.pool(conn, pool)
            vol = _lookup.volume(lv_pool, name) if lv_pool is not None else None
            if vol is not None:
                vol.delete(0)
            self._forget("volume", name, parent=pool)

        self._call(f"delete volume {name} in pool {pool}", run)

    def upload_volume(
        self,
        pool: str,
        name: str,
        source: str | Path,
        fmt: VolumeFormat = "raw",
        verify: Callable[[str], None] | None = None,
    ) -> VolumeInfo:
        """Copy a file of this machine into a new volume ``name`` of ``pool``, through the libvirt connection.

        This is how files reach a remote host (``qemu+ssh://``, ``qemu+tcp://``):
        the bytes travel in the connection itself.  They are written to a
        volume ``<name>.part`` first; ``verify(sha256)`` is called with the
        digest of the bytes sent (it raises to refuse them), then the host
        copies the part to ``name`` in format ``fmt`` and deletes it.  A volume
        called ``name`` is therefore always whole, even after a run that
        crashed half way.  An existing volume ``name`` is returned unchanged.
        Not available on simulated hosts (they hold no data).
        """
        path = Path(source)
        if self.simulated:
            raise HostError(self.name, f"upload volume {name}", "a simulated host holds no data")
        size = path.stat().st_size
        part = name + PART_SUFFIX

        def run(conn: libvirt.virConnect) -> VolumeInfo:
            lv_pool = self._require_pool(conn, pool)
            vol = _lookup.volume(lv_pool, name)
            if vol is not None:
                return volume_info(lv_pool, vol)
            stale = _lookup.volume(lv_pool, part)
            if stale is not None:  # left by an interrupted upload
                stale.delete(0)
            spec = VolumeSpec(name=part, capacity_bytes=size, format=fmt)
            part_vol = lv_pool.createXML(volume_xml(spec), 0)
            try:
                digest = _send(conn, part_vol, path, size)
                if verify is not None:
                    verify(digest)
                vol = lv_pool.createXMLFrom(
                    volume_xml(VolumeSpec(name=name, capacity_bytes=size, format=fmt)), part_vol, 0
                )
            finally:
                with contextlib.suppress(libvirt.libvirtError):
                    part_vol.delete(0)
            self._refresh(lv_pool)  # the host reads the new volume's format and virtual size
            vol = _lookup.volume(lv_pool, name) or vol
            return volume_info(lv_pool, vol)

        return self._call(f"upload volume {name} to pool {pool}", run)

    def overwrite_volume(self, pool: str, name: str, source: str | Path) -> VolumeInfo:
        """Replace the bytes of the existing volume ``name`` of ``pool`` by those of a file of this machine,
        through the libvirt connection (a qcow2 file keeps its own header: its backing file and size)."""
        path = Path(source)
        if self.simulated:
            raise HostError(self.name, f"overwrite volume {name}", "a simulated host holds no data")

        def run(conn: libvirt.virConnect) -> VolumeInfo:
            lv_pool = self._require_pool(conn, pool)
            vol = _lookup.volume(lv_pool, name)
            if vol is None:
                raise NotFoundError(f"host {self.name!r}: no volume {name!r} in pool {pool!r}")
            _send(conn, vol, path, path.stat().st_size)
            self._refresh(lv_pool)  # the host reads the header it now has
            return volume_info(lv_pool, _lookup.volume(lv_pool, name) or vol)

        return self._call(f"overwrite volume {name} in pool {pool}", run)

    def read_volume(self, pool: str, name: str, offset: int = 0, limit: int = 16 * 1024 * 1024) -> bytes | None:
        """The bytes of a volume from ``offset`` on (at most ``limit``), through the libvirt connection.

        The pool is rescanned first, so a file that grows (a console log)
        is read to its current end.  None when there is no such volume; a
        simulated host holds no data.
        """
        if self.simulated:
            raise HostError(self.name, f"read volume {name}", "a simulated host holds no data")

        def run(conn: libvirt.virConnect) -> bytes | None:
            lv_pool = self._require_pool(conn, pool)
            self._refresh(lv_pool)
            vol = _lookup.volume(lv_pool, name)
            if vol is None:
                return None
            size = vol.info()[1]
            if offset >= size:
                return b""
            stream = conn.newStream(0)
            chunks: list[bytes] = []
            try:
                vol.download(stream, offset, min(size - offset, limit), 0)
                stream.recvAll(lambda _stream, data, acc: acc.append(data), chunks)
                stream.finish()
            except libvirt.libvirtError:
                with contextlib.suppress(libvirt.libvirtError):
                    stream.abort()
                raise
            return b"".join(chunks)

        return self._call(f"read volume {name} in pool {pool}", run)

    def resize_volume(self, pool: str, name: str, capacity_bytes: int) -> VolumeInfo:
        """Grow a volume to ``capacity_bytes`` (the guest sees it after a rescan or restart).

        On a simulated host the test driver cannot resize: the volume (which
        has no content there) is recreated with the new capacity, so the host,
        its sim store and the returned info all show the new size.
        """

        def run(conn: libvirt.virConnect) -> VolumeInfo:
            lv_pool = self._require_pool(conn, pool)
            vol = _lookup.volume(lv_pool, name)
            if vol is None:
                raise NotFoundError(f"host {self.name!r}: no volume {name!r} in pool {pool!r}")
            if self.simulated:
                vol = _recreate_with_capacity(lv_pool, vol, capacity_bytes)
                log.info("host %s: simulated resize of volume %s to %d bytes", self.name, name, capacity_bytes)
            else:
                vol.resize(capacity_bytes, 0)
            self._save_volume(pool, vol)
            return volume_info(lv_pool, vol)

        return self._call(f"resize volume {name} in pool {pool}", run)


def _send(conn: libvirt.virConnect, vol: libvirt.virStorageVol, path: Path, size: int) -> str:
    """Write the file at ``path`` into ``vol`` through a libvirt stream; the SHA-256 of what was sent."""
    digest = hashlib.sha256()
    stream = conn.newStream(0)
    try:
        vol.upload(stream, 0, size, 0)
        with path.open("rb") as f:
            while chunk := f.read(UPLOAD_CHUNK):
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    sent = stream.send(view.tobytes())
                    if sent < 0:  # only on a non-blocking stream
                        raise libvirt.libvirtError("the upload stream would block")
                    view = view[sent:]
        stream.finish()
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        raise
    return digest.hexdigest()


def _recreate_with_capacity(
    pool: libvirt.virStoragePool, vol: libvirt.virStorageVol, capacity_bytes: int
) -> libvirt.virStorageVol:
    """Test driver only: replace a content-less volume by one of another capacity."""
    old = readback.volume_info(vol.XMLDesc(0), pool.name())
    fmt: VolumeFormat = "raw" if old.format == "raw" else "qcow2"
    backing_fmt: VolumeFormat | None = None
    if old.backing_path:
        backing_fmt = "raw" if old.backing_format == "raw" else "qcow2"
    spec = VolumeSpec(
        name=old.name,
        capacity_bytes=capacity_bytes,
        format=fmt,
        backing_path=old.backing_path,
        backing_format=backing_fmt,
    )
    vol.delete(0)
    return pool.createXML(volume_xml(spec), 0)
