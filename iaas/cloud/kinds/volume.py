"""Volumes: block devices in each host's ``iaas-volumes`` pool.

A volume is named ``iaas-<id>.<format>``.  Built on an image it is a qcow2
overlay whose backing file is the image's volume on the same host (imported
there first if the host lacks it).  It grows in place (``size_gib``); a running
guest that has it attached sees the new size at once (on real hosts the disk is
grown through the guest, with libvirt's block resize).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iaas.cloud.base import Observed, OpContext
from iaas.cloud.kinds._libvirt import GIB, LibvirtHandler, fmt_of, gib, id_of_path, invalid, volume_name
from iaas.cloud.kinds.image import Handler as ImageHandler
from iaas.cloud.pools import VOLUME_POOL
from iaas.drivers.libvirt import VolumeInfo, VolumeSpec
from iaas.errors import NotFoundError

if TYPE_CHECKING:
    from iaas.drivers.libvirt import Host


def overlay_spec(name: str, capacity_bytes: int, backing: VolumeInfo | None, fmt: str = "qcow2") -> VolumeSpec:
    """A volume of ``capacity_bytes``; with ``backing`` a qcow2 overlay on that volume."""
    if backing is None:
        return VolumeSpec(name=name, capacity_bytes=capacity_bytes, format=fmt_of(fmt))
    return VolumeSpec(
        name=name,
        capacity_bytes=capacity_bytes,
        format="qcow2",
        backing_path=backing.path,
        backing_format=fmt_of(backing.format),
    )


def grow_volume(host: Host, vol: VolumeInfo, capacity_bytes: int) -> VolumeInfo:
    """Grow a volume of the ``iaas-volumes`` pool to ``capacity_bytes``; never shrinks it.

    When running guests use it (real hosts), each one's disk is grown live, so
    the guests see the new size at once; otherwise the volume itself grows.
    On simulated hosts the volume grows and running guests read its new size.
    """
    if capacity_bytes <= vol.capacity_bytes:
        return vol
    users = host.disk_users(vol.path) if vol.path and not host.simulated else []
    if not users:
        return host.resize_volume(VOLUME_POOL, vol.name, capacity_bytes)
    for uuid, target in users:
        host.resize_disk_live(uuid, target, capacity_bytes)
    return host.get_volume(VOLUME_POOL, vol.name) or vol


def image_id_of(vol: VolumeInfo) -> str | None:
    """The id of the image a volume is an overlay on, when its backing file is an iaas image."""
    return id_of_path(vol.backing_path)


class Handler(LibvirtHandler):
    """Volumes in the ``iaas-volumes`` pool of their host."""

    kind = "volume"

    def image_handler(self) -> ImageHandler:
        """The cloud's image handler (to find or import images on a host)."""
        handler = self.cloud.handler("image")
        assert isinstance(handler, ImageHandler)
        return handler

    # ------------------------------------------------------------ verbs

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Create the volume (or adopt the one an interrupted create left) on its host."""
        id = self.pending_id(ctx)
        host_name = self.host_name_for(ctx, inputs, planned)
        fmt = fmt_of(inputs.get("format"))
        capacity = int(inputs["size_gib"]) * GIB
        backing = None
        if inputs.get("image"):
            if fmt == "raw":
                raise invalid(
                    ctx.address, "format", "a volume built on an image is a qcow2 overlay; raw is not possible"
                )
            backing = self.image_handler().on_host(ctx, "image", str(inputs["image"]), host_name)
            if backing.capacity_bytes > capacity:
                raise invalid(
                    ctx.address,
                    "size_gib",
                    f"the image needs at least {gib(backing.capacity_bytes)} GiB; got {inputs['size_gib']}",
                )
        self.ensure_pool(host_name, VOLUME_POOL)
        vol = self.host(host_name).create_volume(
            VOLUME_POOL, overlay_spec(volume_name(id, fmt), capacity, backing, fmt)
        )
        return self._outputs(id, vol, host_name)

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The volume as its host reports it: size, format and image (its host is in the outputs)."""
        found = self._find(id, outputs)
        if found is None:
            return None
        host_name, vol = found
        inputs: dict[str, Any] = {
            "size_gib": gib(vol.capacity_bytes),
            "format": fmt_of(vol.format),
            "image": image_id_of(vol),
        }
        rec = self.cloud.inventory.get(id)
        if rec is not None and rec.kind == self.kind:
            inputs["name"] = rec.name
        return Observed(
            id,
            inputs,
            self._outputs(id, vol, host_name),
            stack=rec.stack if rec else None,
            address=rec.address if rec else None,
        )

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Grow the volume to ``size_gib`` (the only field that changes in place)."""
        found = self._find(id, outputs)
        if found is None:
            raise NotFoundError(f"{ctx.address}: volume {id} no longer exists")
        host_name, vol = found
        wanted = int(new["size_gib"]) * GIB
        if "size_gib" in changed:
            vol = grow_volume(self.host(host_name), vol, wanted)
        return self._outputs(id, vol, host_name)

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete the volume and its data; a volume already gone is fine."""
        found = self._find(id, outputs)
        if found is not None:
            host_name, vol = found
            self.host(host_name).delete_volume(VOLUME_POOL, vol.name)

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """A volume by id, or by the name it was recorded with."""
        rec = self.record(self.kind, name_or_id, ctx.stack)
        id = rec.id if rec is not None else name_or_id
        outputs = dict((rec.data or {}).get("outputs") or {}) if rec is not None else {}
        observed = self.read(ctx, id, outputs)
        if observed is not None and rec is not None:
            project = ((rec.data or {}).get("inputs") or {}).get("project")
            if project is not None:
                observed.inputs["project"] = project
        return observed

    # ------------------------------------------------------------ helpers

    def locate(self, id: str) -> tuple[str, VolumeInfo] | None:
        """The host and volume of volume ``id``, wherever it is."""
        return self._find(id, None)

    def _find(self, id: str, outputs: dict[str, Any] | None) -> tuple[str, VolumeInfo] | None:
        for host_name in self.hosts_to_search(id, outputs):
            vol = self.find_volume(host_name, VOLUME_POOL, id)
            if vol is not None:
                return host_name, vol
        return None

    def _outputs(self, id: str, vol: VolumeInfo, host_name: str) -> dict[str, Any]:
        return {"id": id, "path": vol.path, "host": host_name}
