"""Moving an instance to another host: what the plan's ``migrate`` action does.

An instance whose ``host`` changes moves with everything it is made of: its
root disk, its attached volumes and its cloud-init seed are made on the
destination (the root disk as an overlay on the same image, imported there
first when missing), the destination joins every network of the instance
that lives on another host (see :mod:`._overlay`), and then:

* a running guest on real hosts is *live-migrated*: it keeps running while
  its memory and disks are copied (:func:`iaas.drivers.libvirt.migration.live_migrate`),
  to the destination's ``underlay`` address;
* a stopped guest, one on simulated hosts, or one whose destination has no
  ``underlay`` address (no known route for the migration stream) moves
  *cold*: it is shut down, its disks are copied through the hosts' libvirt
  connections, it is defined on the destination (and started there when it
  ran), then undefined on the source.

Its MAC addresses derive from its id and its networks, and its fixed IPs are
static DHCP entries on each network's own host: both stay as they were, so
the guest keeps its addresses.  Afterwards the source gives up its copy of
the disks and leaves the networks no other guest there uses; the volumes'
inventory records move to the destination through admission.

A failure before the guest runs on the destination leaves it on the source
and removes what was made on the destination, so the next apply starts again
cleanly; a guest found defined on both hosts (an interrupted cold move) keeps
the source's definition.

:func:`move` is the one entry point: anything that wants an instance on
another host (an operator's ``host`` change, draining a host) sets its desired
``host`` and lets the plan call it.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from iaas.cloud.base import OpContext
from iaas.cloud.kinds import _overlay
from iaas.cloud.kinds._instance_parts import Parts, console_name, seed_name
from iaas.cloud.kinds._libvirt import id_of_path, lock_for
from iaas.cloud.kinds.volume import overlay_spec
from iaas.cloud.pools import VOLUME_POOL
from iaas.drivers.libvirt import DomainInfo, DomainSpec, Meta, VolumeInfo
from iaas.drivers.libvirt.migration import live_migrate
from iaas.errors import IaasError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.drivers.libvirt import Host

log = logging.getLogger(__name__)

CHUNK = 16 * 1024 * 1024  # bytes read from a volume at a time in a cold copy
STOP_TIMEOUT = 60.0  # seconds a running guest moved cold has to shut down, unless told


@attrs.frozen
class Files:
    """What the instance's files are on each host: source path -> destination path, and the disks to copy."""

    paths: dict[str, str]
    copied: tuple[str, ...]  # targets of the disks whose content moves (root disk and volumes)
    volumes: tuple[tuple[VolumeInfo, VolumeInfo], ...]  # each disk volume on the source, and its copy


def move(
    cloud: Cloud,
    ctx: OpContext,
    id: str,
    source: str,
    info: DomainInfo,
    dest: str,
    *,
    stop_timeout: float = STOP_TIMEOUT,
) -> DomainInfo:
    """Move instance ``id`` (``info`` on host ``source``) to host ``dest``; the guest there.

    Its NICs must already be resolved on ``dest`` (that joins the networks
    it spans).  A running guest that moves cold has ``stop_timeout`` seconds
    to shut down by itself.  See the module documentation for the rest.
    """
    if dest not in cloud.hosts:
        raise IaasError(f"{ctx.address}: host {dest!r} is not a host of this cloud")
    src, dst = cloud.hosts[source], cloud.hosts[dest]
    with lock_for("migrate", id):
        leftover = dst.get_domain(id)
        if leftover is not None:  # an interrupted cold move defined it there: the source's copy is the one
            dst.delete_domain(id)
        try:
            files = _prepare(cloud, ctx, id, src, dst, info)
            address = cloud.host_configs[dest].underlay
            live = info.state == "running" and not (src.simulated or dst.simulated) and bool(address)
            if live and address:
                live_migrate(src, dst, id, address=address, paths=files.paths, disks=files.copied)
            else:
                meta = info.meta or Meta(ctx.stack, ctx.address, ctx.project or "")
                _cold(src, dst, info, files, meta, stop_timeout)
        except BaseException:
            if dst.get_domain(id) is None:
                _remove_files(cloud, ctx, id, source, dest, info)
                if info.state == "running" and src.get_domain(id) is not None:
                    src.start_domain(id)  # a cold move stopped it: it runs on where it was
            raise
        how = "live, while it ran" if live else f"cold, {info.state}"
        log.info("%s: moved from host %s to host %s (%s)", ctx.address, source, dest, how)
        moved = dst.get_domain(id)
        if moved is None:
            raise IaasError(f"{ctx.address}: the guest is not on host {dest} after its migration")
        _leave_source(cloud, ctx, id, source, info, files)
        _move_volume_records(cloud, files, dest)
    return moved


def _prepare(cloud: Cloud, ctx: OpContext, id: str, src: Host, dst: Host, info: DomainInfo) -> Files:
    """Make the instance's disks on the destination (empty, or over the same image) and map its files."""
    parts = Parts(cloud, ctx, id, dst.name)
    pool_dir = parts.volume_pool_dir()
    paths: dict[str, str] = {}
    copied: list[str] = []
    volumes: list[tuple[VolumeInfo, VolumeInfo]] = []
    for disk in info.spec.disks:
        vol = src.volume_at(disk.path) if disk.path else None
        if vol is None:
            continue
        backing = _image_on(cloud, ctx, dst.name, vol) if vol.backing_path else None
        spec = overlay_spec(vol.name, vol.capacity_bytes, backing, vol.format or "qcow2")
        made = dst.create_volume(VOLUME_POOL, spec)
        paths[vol.path] = made.path
        copied.append(disk.target)
        volumes.append((vol, made))
    if info.spec.cdrom:
        paths[info.spec.cdrom] = f"{pool_dir}/{seed_name(id)}"
    if info.spec.console_log:
        paths[info.spec.console_log] = f"{pool_dir}/{console_name(id)}"
    _copy_seed(cloud, ctx, id, src, dst)
    return Files(paths, tuple(copied), tuple(volumes))


def _image_on(cloud: Cloud, ctx: OpContext, host_name: str, vol: VolumeInfo) -> VolumeInfo:
    """The image ``vol`` is an overlay on, on host ``host_name`` (imported there when missing)."""
    from iaas.cloud.kinds.image import Handler as ImageHandler
    from iaas.cloud.kinds.volume import image_id_of

    image_id = image_id_of(vol)
    handler = cloud.handler("image")
    if image_id is None or not isinstance(handler, ImageHandler):
        raise IaasError(f"{ctx.address}: disk {vol.name} is built on {vol.backing_path}, which is not an iaas image")
    return handler.on_host(ctx, "image", image_id, host_name)


def _copy_seed(cloud: Cloud, ctx: OpContext, id: str, src: Host, dst: Host) -> None:
    """The cloud-init seed on the destination: the inventory's record moves (simulated), or the ISO is copied."""
    if src.simulated or dst.simulated:
        from iaas.cloud.kinds.instance import seed_record_id

        rec = cloud.inventory.get(seed_record_id(id))
        if rec is not None:
            cloud.inventory.put(attrs.evolve(rec, host=dst.name))
        return
    vol = src.get_volume(VOLUME_POOL, seed_name(id))
    if vol is not None and dst.get_volume(VOLUME_POOL, seed_name(id)) is None:
        copy_volume(src, dst, vol, seed_name(id))


def _cold(src: Host, dst: Host, info: DomainInfo, files: Files, meta: Meta, stop_timeout: float) -> None:
    """Move a guest that may be stopped for it: copy its disks, define it on the destination, start it there
    when it ran, and undefine it on the source."""
    if info.state != "shutoff":
        src.stop_domain(info.uuid, timeout=stop_timeout)
    if not (src.simulated or dst.simulated):
        for vol, made in files.volumes:  # made by _prepare, built as the source's: the copy fills it
            copy_volume(src, dst, vol, made.name, made)
    spec = _relocated_spec(info, files.paths)
    dst.define_domain(spec, meta)
    dst.set_domain_autostart(info.uuid, info.autostart)
    src.delete_domain(info.uuid)
    if info.state != "shutoff":
        dst.start_domain(info.uuid)


def _relocated_spec(info: DomainInfo, paths: dict[str, str]) -> DomainSpec:
    """The guest's definition with its files at their paths on the destination."""
    spec = info.spec
    disks = tuple(attrs.evolve(d, path=paths.get(d.path or "", d.path)) for d in spec.disks)
    return attrs.evolve(
        spec,
        disks=disks,
        cdrom=paths.get(spec.cdrom or "", spec.cdrom),
        console_log=paths.get(spec.console_log or "", spec.console_log),
    )


def copy_volume(src: Host, dst: Host, vol: VolumeInfo, name: str, into: VolumeInfo | None = None) -> VolumeInfo:
    """Copy a volume's bytes from ``src`` to volume ``name`` on ``dst``, through both hosts' connections: into the
    volume ``into`` made there already (an overlay's copy then names the image ``into`` is built on), else into a
    new one."""
    with tempfile.TemporaryDirectory(prefix="iaas-move-") as tmp:
        local = Path(tmp) / name
        with local.open("wb") as out:
            offset = 0
            while chunk := src.read_volume(VOLUME_POOL, vol.name, offset, CHUNK):
                out.write(chunk)
                offset += len(chunk)
        if into is None:
            return dst.upload_volume(VOLUME_POOL, name, local, "qcow2" if vol.format == "qcow2" else "raw")
        if into.backing_path:  # the copy names the source's image file: name the destination's
            rebase = ["qemu-img", "rebase", "-u", "-b", into.backing_path, "-F", into.backing_format or "qcow2"]
            subprocess.run([*rebase, str(local)], check=True, capture_output=True)
        return dst.overwrite_volume(VOLUME_POOL, name, local)


def _remove_files(cloud: Cloud, ctx: OpContext, id: str, source: str, dest: str, info: DomainInfo) -> None:
    """After a failed move: the destination gives back the disks and seed made for the guest (named as the
    source's)."""
    host = cloud.hosts[dest]
    for disk in info.spec.disks:
        if disk.path:
            host.delete_volume(VOLUME_POOL, disk.path.rsplit("/", 1)[-1])
    if not host.simulated:
        Parts(cloud, ctx, id, dest).remove_seed_file(seed_name(id))
    else:
        from iaas.cloud.kinds.instance import seed_record_id

        rec = cloud.inventory.get(seed_record_id(id))
        if rec is not None and rec.host == dest:
            cloud.inventory.put(attrs.evolve(rec, host=source))


def _leave_source(cloud: Cloud, ctx: OpContext, id: str, source: str, info: DomainInfo, files: Files) -> None:
    """The source gives up the guest's disks, seed and console log, and the networks no other guest uses."""
    host = cloud.hosts[source]
    parts = Parts(cloud, ctx, id, source)
    for vol, _ in files.volumes:
        host.delete_volume(VOLUME_POOL, vol.name)
    if not host.simulated:
        parts.remove_seed_file(seed_name(id))
        parts.remove_seed_file(console_name(id))
    for nic in info.spec.nics:
        net = host.get_network(nic.network)
        if net is not None:
            _overlay.leave_if_unused(cloud, source, net.uuid, parts.network_home(net.uuid))


def _move_volume_records(cloud: Cloud, files: Files, dest: str) -> None:
    """Each attached volume is now on the destination: its record says so, and its disk counts there."""
    for vol, made in files.volumes:
        vid = id_of_path(vol.path)
        rec = cloud.inventory.get(vid) if vid else None
        if rec is not None and rec.kind == "volume":
            data = dict(rec.data or {})
            data["outputs"] = {**(data.get("outputs") or {}), "host": dest, "path": made.path}
            cloud.admission.adopt(attrs.evolve(rec, host=dest, data=data), strict=False)
