"""Snapshots: the saved state of an instance's disks (and memory), kept on the instance's host.

A snapshot is a libvirt internal snapshot of the instance's domain, named
after the resource: its disks' states live inside their qcow2 files, so it
needs no space elsewhere and goes with the instance when the instance is
deleted.  libvirt 9.0 (Debian 12) can revert internal snapshots but not
external ones, hence this choice (see :mod:`iaas.drivers.libvirt.snapshots`).

``memory: false`` promises a revert that boots the guest from the restored
disks.  libvirt saves a running guest's memory with any internal snapshot;
such a snapshot is then reverted without it.  ``memory: true`` needs the
instance running when the snapshot is taken.

Changing ``revert`` reverts the instance: the revert keeps the instance's
``power_state`` (a running instance runs again, from the saved memory or
booted afresh; a stopped one stays stopped with its disks put back).

A snapshot taken outside iaas (``virsh snapshot-create-as``) of an instance
iaas manages is imported by ``INSTANCE/SNAPSHOT`` (the instance's name or id).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any

from iaas.cloud.base import Observed, OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds._libvirt import invalid
from iaas.cloud.kinds._record import RecordHandler
from iaas.errors import ConflictError, IaasError, NotFoundError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.drivers.libvirt import Host
    from iaas.drivers.libvirt.snapshots import SnapshotInfo

log = logging.getLogger(__name__)


def _iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat(timespec="seconds")


def snapshot_outputs(info: SnapshotInfo) -> dict[str, Any]:
    """The computed fields a snapshot on its host gives."""
    return {"created_at": _iso(info.created_at), "state": info.state, "disks": list(info.disks)}


def snapshot_list(cloud: Cloud, instance_id: str) -> list[dict[str, Any]]:
    """Every snapshot of instance ``instance_id`` on its host, oldest first (see :meth:`Handler.list_of`)."""
    instance = cloud.inventory.get(instance_id)
    if instance is None or instance.kind != "instance":
        raise NotFoundError(f"instance {instance_id} is not in the cloud")
    handler = cloud.handler("snapshot")
    assert isinstance(handler, Handler)
    return handler.list_of(instance)


class Handler(RecordHandler):
    """Snapshots of instances: an inventory record, and the libvirt snapshot on the instance's host."""

    kind = "snapshot"

    # ------------------------------------------------------------ verbs

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Snapshot the instance (adopting the snapshot an interrupted create took) and record it."""
        if not ctx.pending_id:
            raise IaasError(f"{ctx.address}: creating a snapshot needs the identifier chosen by the engine")
        id = ctx.pending_id
        rec = self.inventory.get(id)
        if rec is not None and rec.kind == self.kind:
            return dict(rec.data.get("outputs") or {"id": id})
        instance = self.instance_of(ctx.address, inputs, ctx.stack)
        host_name, host = self._host_of(ctx.address, instance)
        name = str(inputs["name"])
        info = host.get_snapshot(instance.id, name)
        if info is not None:
            self._check_not_taken(ctx, instance, name)
            log.info("%s: adopting snapshot %s left by an earlier, interrupted create", ctx.address, name)
        else:
            domain = host.get_domain(instance.id)
            if domain is None:
                raise NotFoundError(f"{ctx.address}: instance {instance.name!r} has no guest on host {host_name!r}")
            if inputs.get("memory") and domain.state != "running":
                raise invalid(
                    ctx.address,
                    "memory",
                    f"instance {instance.name!r} is {domain.state}: only a running guest has memory to save",
                )
            info = host.create_snapshot(instance.id, name, str(inputs.get("description") or ""))
        outputs = {"id": id, "host": host_name, **snapshot_outputs(info), "reverted_at": None}
        self._save(ctx, id, inputs, outputs)
        return outputs

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The snapshot as its host reports it; None when it (or its instance) is gone."""
        rec = self.inventory.get(id)
        if rec is None or rec.kind != self.kind:
            return None
        found = self._on_host(rec)
        if found is None:
            return None
        info = found[1]
        inputs = dict(rec.data.get("inputs") or {})
        if inputs.get("description") or info.description:
            inputs["description"] = info.description or None
        out = {**(rec.data.get("outputs") or {}), "id": id, **snapshot_outputs(info)}
        return Observed(id, inputs, out, stack=rec.stack, address=rec.address)

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Change the description; revert the instance when ``revert`` changed."""
        rec = self.inventory.get(id)
        found = self._on_host(rec) if rec is not None and rec.kind == self.kind else None
        if rec is None or found is None:
            raise NotFoundError(f"{ctx.address}: snapshot {id} no longer exists")
        host, info = found
        instance_id = str((rec.data.get("inputs") or {}).get("instance"))
        out = {**outputs, "id": id}
        if "description" in changed:
            info = host.describe_snapshot(instance_id, info.name, str(new.get("description") or ""))
        if "revert" in changed:
            start = self._wanted_running(instance_id)
            log.info("%s: reverting instance %s to snapshot %s", ctx.address, instance_id, info.name)
            host.revert_snapshot(instance_id, info.name, start=start, with_memory=bool(new.get("memory")))
            out["reverted_at"] = _iso(datetime.datetime.now(datetime.UTC).timestamp())
        out.update(snapshot_outputs(info))
        self._save(ctx, id, new, out)
        return out

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete the snapshot on its host (gone already is fine) and its record."""
        rec = self.inventory.get(id)
        if rec is None or rec.kind != self.kind:
            return
        found = self._on_host(rec)
        if found is not None:
            found[0].delete_snapshot(str((rec.data.get("inputs") or {}).get("instance")), found[1].name)
        self.inventory.delete(id)

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """A recorded snapshot by id or name; else ``INSTANCE/SNAPSHOT``: one on the host that no record stands for."""
        found = super().lookup(ctx, name_or_id)
        instance_ref, slash, name = name_or_id.partition("/")
        if found is not None or not slash:
            return found
        instance = self.find(instance_ref, prefer_stack=ctx.stack, kind="instance")
        if instance is None:
            return None
        for other in self.inventory.list(self.kind):
            if (other.data.get("inputs") or {}).get("instance") == instance.id and other.name == name:
                return self._observed(other)  # recorded already: its owner decides
        host_name, host = self._host_of(ctx.address, instance)
        info = host.get_snapshot(instance.id, name)
        if info is None:
            return None
        inputs: dict[str, Any] = {"name": name, "instance": instance.id, "description": info.description or None}
        if not info.memory:  # libvirt keeps a running guest's memory with any internal snapshot: the stack tells
            inputs["memory"] = False
        id = str(uuid.uuid4())
        return Observed(id, inputs, {"id": id, "host": host_name, **snapshot_outputs(info), "reverted_at": None})

    # ------------------------------------------------------------ listing

    def list_of(self, instance: InventoryRecord) -> list[dict[str, Any]]:
        """Every snapshot of an instance on its host, with the resource that manages each (None: not iaas's)."""
        host_name, host = self._host_of(f"instance.{instance.name}", instance)
        managed = {
            str(r.name): r
            for r in self.inventory.list(self.kind)
            if (r.data.get("inputs") or {}).get("instance") == instance.id
        }
        rows = []
        for info in host.list_snapshots(instance.id):
            rec = managed.get(info.name)
            rows.append(
                {
                    "name": info.name,
                    "memory": bool((rec.data.get("inputs") or {}).get("memory")) if rec else info.memory,
                    "description": info.description,
                    "host": host_name,
                    "address": rec.address if rec else None,
                    "stack": rec.stack if rec else None,
                    **snapshot_outputs(info),
                }
            )
        return rows

    # ------------------------------------------------------------ helpers

    def _host_of(self, label: str, instance: InventoryRecord) -> tuple[str, Host]:
        name = instance.host or (instance.data.get("outputs") or {}).get("host")
        host = self.cloud.hosts.get(str(name))
        if host is None:
            raise NotFoundError(f"{label}: the host {name!r} of instance {instance.name!r} is not in the cloud")
        return str(name), host

    def _on_host(self, rec: InventoryRecord) -> tuple[Host, SnapshotInfo] | None:
        """The host and the snapshot a record stands for, or None when either is gone."""
        host = self.cloud.hosts.get(str(rec.host or (rec.data.get("outputs") or {}).get("host")))
        instance_id = (rec.data.get("inputs") or {}).get("instance")
        if host is None or not isinstance(instance_id, str):
            return None
        info = host.get_snapshot(instance_id, rec.name)
        return (host, info) if info is not None else None

    def _check_not_taken(self, ctx: OpContext, instance: InventoryRecord, name: str) -> None:
        for other in self.inventory.list(self.kind):
            same = (other.data.get("inputs") or {}).get("instance") == instance.id and other.name == name
            if same and other.id != ctx.pending_id:
                raise ConflictError(
                    f"{ctx.address}: instance {instance.name!r} already has a snapshot named {name!r} "
                    f"({self.label(other)}); choose another name"
                )

    def _wanted_running(self, instance_id: str) -> bool:
        """Whether the instance should run after a revert: its recorded power_state (running by default)."""
        rec = self.inventory.get(instance_id)
        wanted = ((rec.data.get("inputs") or {}) if rec is not None else {}).get("power_state")
        return wanted != "stopped"
