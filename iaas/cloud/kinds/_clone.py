"""Images copied from an instance's root disk, as it is now or as a snapshot saved it (clones, templates).

The copy is made on the instance's host with ``qemu-img convert``: a whole,
self-contained image (the root disk's backing image included), written
beside the host's other images as ``iaas-<id>.<format>``.  It runs where
iaas runs programs on that host (see :mod:`iaas.cloud.kinds._hostcmd`):
this machine for a local host, ``ssh`` or the host's ``command_prefix``
otherwise.  A copy of an instance needs the instance stopped (a running
guest changes its disk while it is read); a copy of a snapshot reads the
state the snapshot keeps, which never changes, so the instance may run.

On a simulated host the copy is recorded with the root disk's size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.base import OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._hostcmd import host_runner, run
from iaas.cloud.kinds._libvirt import fmt_of, invalid, volume_name
from iaas.cloud.pools import IMAGE_POOL, VOLUME_POOL
from iaas.drivers.libvirt import VolumeSpec
from iaas.errors import IaasError

if TYPE_CHECKING:
    from iaas.cloud.kinds.image import Handler

COPY_TIMEOUT = 3600.0  # seconds a copy may take


@attrs.frozen
class CloneSource:
    """Where a clone is copied from: a host, an instance's root disk, and a snapshot of it (or None)."""

    field: str  # source_instance or source_snapshot
    host: str
    instance: InventoryRecord
    snapshot: str | None


def is_clone(inputs: dict[str, Any]) -> bool:
    """True when an image's inputs make it a copy of an instance or a snapshot."""
    return bool(inputs.get("source_instance") or inputs.get("source_snapshot"))


def clone_source(handler: Handler, address: str, inputs: dict[str, Any], stack: str | None) -> CloneSource:
    """The instance (and snapshot) an image is copied from; an error naming the field when it is not there."""
    inventory = handler.cloud.inventory
    snapshot = None
    if inputs.get("source_snapshot"):
        field, ref = "source_snapshot", str(inputs["source_snapshot"])
        snap = inventory.find("snapshot", ref, prefer_stack=stack)
        if snap is None:
            raise invalid(address, field, f"no snapshot {ref!r} in the cloud")
        snapshot, ref = snap.name, str((snap.data.get("inputs") or {}).get("instance"))
    else:
        field, ref = "source_instance", str(inputs["source_instance"])
    instance = inventory.find("instance", ref, prefer_stack=stack)
    if instance is None:
        raise invalid(address, field, f"no instance {ref!r} in the cloud")
    host = instance.host or (instance.data.get("outputs") or {}).get("host")
    if host not in handler.cloud.hosts:
        raise invalid(address, field, f"the host {host!r} of instance {instance.name!r} is not in the cloud")
    return CloneSource(field, str(host), instance, snapshot)


def create_clone(handler: Handler, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Copy the root disk into the image pool of the instance's host; the image's outputs."""
    from iaas.cloud.kinds._instance_parts import root_name  # the instance's parts import the image handler

    source = clone_source(handler, ctx.address, inputs, ctx.stack)
    host = handler.host(source.host)
    root = host.get_volume(VOLUME_POOL, root_name(source.instance.id))
    if root is None:
        raise invalid(ctx.address, source.field, f"instance {source.instance.name!r} has no root disk")
    if source.snapshot is None:
        domain = host.get_domain(source.instance.id)
        if domain is not None and domain.state != "shutoff":
            raise invalid(
                ctx.address,
                source.field,
                f"instance {source.instance.name!r} is {domain.state}: stop it (power_state: stopped) first, "
                "or copy a snapshot of it (source_snapshot)",
            )
    elif host.get_snapshot(source.instance.id, source.snapshot) is None:
        raise invalid(ctx.address, source.field, f"snapshot {source.snapshot!r} is gone from its host")
    fmt = fmt_of(inputs.get("format"))
    name = volume_name(id, fmt)
    pool = handler.ensure_pool(source.host, IMAGE_POOL)
    if host.get_volume(IMAGE_POOL, name) is None:
        if host.simulated:
            host.create_volume(IMAGE_POOL, VolumeSpec(name=name, capacity_bytes=root.capacity_bytes, format=fmt))
        else:
            _convert(
                handler, source, root.path, f"{pool.path or handler.pool_dir(source.host, IMAGE_POOL)}/{name}", fmt
            )
            host.pool_info(IMAGE_POOL)  # rescan the pool directory, so the new file becomes a volume
    made = host.get_volume(IMAGE_POOL, name)
    if made is None:
        raise IaasError(f"{ctx.address}: the copy did not appear in the image pool of host {source.host!r}")
    return {"id": id, "size": made.allocation_bytes if not host.simulated else made.capacity_bytes}


def _convert(handler: Handler, source: CloneSource, src: str, dest: str, fmt: str) -> None:
    where = host_runner(handler.cloud, source.host)
    if where is None:
        raise IaasError(
            f"image copy from instance {source.instance.name!r}: iaas cannot run qemu-img on host {source.host!r}; "
            "give the host a command_prefix in the cloud config or a qemu+ssh:// URI"
        )
    part = f"{dest.rsplit('/', 1)[0]}/.{dest.rsplit('/', 1)[1]}.part"
    argv = ["qemu-img", "convert", "-U", "-O", fmt]
    if source.snapshot is not None:
        argv += ["-l", f"snapshot.name={source.snapshot}"]
    try:
        run(where, [*argv, src, part], timeout=COPY_TIMEOUT)
        run(where, ["mv", "-f", part, dest])
    except IaasError:
        run(where, ["rm", "-f", part])
        raise
