"""What the libvirt-backed kinds (image, volume, network, instance) share.

:class:`LibvirtHandler` knows where an object lives (its host), the storage
pools iaas keeps on every host, how objects and their names are found again,
and how a name already taken on a host is reported (pools: :mod:`iaas.cloud.pools`).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from iaas.cloud.base import OpContext, PlannedItem
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.pools import DEFAULT_POOL_ROOT
from iaas.drivers.libvirt import Meta, PoolInfo, VolumeInfo
from iaas.drivers.libvirt.specs import VolumeFormat
from iaas.errors import ConflictError, FieldError, IaasError, ValidationError
from iaas.model import checks

T = TypeVar("T")

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.drivers.libvirt import Host

GIB = 2**30
FORMATS = ("qcow2", "raw")
_UUID_NAME = re.compile(r"^iaas-([0-9a-fA-F-]{36})\.(qcow2|raw)$")

_locks: dict[tuple[str, ...], threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(*key: str) -> threading.Lock:
    """A process-wide lock for one named thing (a pool on a host, an image on a host)."""
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def volume_name(id: str, fmt: str, suffix: str = "") -> str:
    """Name of the volume of object ``id``: ``iaas-<id><suffix>.<fmt>``."""
    return f"iaas-{id}{suffix}.{fmt}"


def id_of_path(path: str | None) -> str | None:
    """The object id in a volume path named ``iaas-<id>.<format>``, else None."""
    if not path:
        return None
    m = _UUID_NAME.match(path.rsplit("/", 1)[-1])
    return m.group(1) if m else None


def gib(capacity_bytes: int) -> int:
    """A capacity in whole GiB, rounded up."""
    return math.ceil(capacity_bytes / GIB)


def fmt_of(value: Any) -> VolumeFormat:
    """A volume format the driver accepts, from an input or from what a host reports."""
    return "raw" if value == "raw" else "qcow2"


def mac_address(instance_id: str, network_id: str, occurrence: int) -> str:
    """A stable MAC for the ``occurrence``-th NIC of an instance on one network (52:54:00:xx:xx:xx)."""
    digest = hashlib.sha256(f"{instance_id}/{network_id}/{occurrence}".encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


def invalid(address: str, field: str, message: str) -> ValidationError:
    """An error about one field of one resource, found by the cloud."""
    return ValidationError([FieldError(address, field, message)])


class LibvirtHandler:
    """Base of the handlers whose objects live on libvirt hosts."""

    kind = ""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def plan_problems(self, item: PlannedItem) -> list[FieldError]:
        """Nothing outside the cloud is needed by this kind (see :class:`iaas.cloud.base.KindHandler`)."""
        return []

    def plan_notes(self, item: PlannedItem) -> list[str]:
        """Nothing to say beyond the change itself (see :class:`iaas.cloud.base.KindHandler`)."""
        return []

    # ------------------------------------------------------------ ids and hosts

    def pending_id(self, ctx: OpContext) -> str:
        """The id the engine chose for the object being created."""
        if not ctx.pending_id:
            raise IaasError(f"{ctx.address}: creating a {self.kind} needs the identifier chosen by the engine")
        return ctx.pending_id

    def host_name_for(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> str:
        """Where a new object goes: the planned host, else the input ``host``, else the first host."""
        name = planned.get("host") or inputs.get("host") or next(iter(self.cloud.hosts), None)
        if name is None:
            raise invalid(ctx.address, "host", "the cloud has no hosts")
        if name not in self.cloud.hosts:
            known = ", ".join(self.cloud.hosts)
            raise invalid(ctx.address, "host", f"unknown host {name!r} (the cloud's hosts: {known})")
        return str(name)

    def recorded_host(self, id: str, outputs: dict[str, Any] | None) -> str | None:
        """The host an existing object was recorded on, if the cloud knows it."""
        name = (outputs or {}).get("host")
        if not name:
            rec = self.cloud.inventory.get(id)
            name = rec.host if rec is not None else None
        return name if name in self.cloud.hosts else None

    def hosts_to_search(self, id: str, outputs: dict[str, Any] | None) -> list[str]:
        """The recorded host of an object (then the inventory's, when an instance moved it meanwhile), or every
        host when none is recorded."""
        known = self.recorded_host(id, outputs)
        if not known:
            return list(self.cloud.hosts)
        rec = self.cloud.inventory.get(id) if (outputs or {}).get("host") else None
        moved = rec.host if rec is not None and rec.host in self.cloud.hosts else None
        return [known, moved] if moved and moved != known else [known]

    def host(self, name: str) -> Host:
        """The :class:`Host` of that name."""
        return self.cloud.hosts[name]

    def meta(self, ctx: OpContext, inputs: dict[str, Any]) -> Meta:
        """The iaas metadata an object of this resource carries on its host."""
        project = ctx.project if ctx.project is not None else inputs.get("project")
        return Meta(stack=ctx.stack, address=ctx.address, project=project if isinstance(project, str) else "")

    def local(self, host_name: str) -> bool:
        """True when the host's files are on this machine (they can be written directly); see HostConfig.remote."""
        config = self.cloud.host_configs.get(host_name)
        return config is None or not config.is_remote

    # ------------------------------------------------------------ pools and volumes

    def pool_dir(self, host_name: str, pool: str) -> str:
        """Directory of one of the iaas pools on a host."""
        hc = self.cloud.host_configs.get(host_name)
        root = (hc.pool_path if hc is not None and hc.pool_path else DEFAULT_POOL_ROOT).rstrip("/")
        return f"{root}/{pool.removeprefix('iaas-')}"

    def ensure_pool(self, host_name: str, pool: str) -> PoolInfo:
        """Make sure the iaas pool exists and is active on a host."""
        with lock_for("pool", host_name, pool):
            return self.host(host_name).ensure_pool(pool, self.pool_dir(host_name, pool))

    def find_volume(
        self, host_name: str, pool: str, id: str, suffix: str = "", formats: Iterable[str] = FORMATS
    ) -> VolumeInfo | None:
        """The volume ``iaas-<id><suffix>.<format>`` of a pool on a host, in any of ``formats``."""
        host = self.host(host_name)
        for fmt in formats:
            vol = host.get_volume(pool, volume_name(id, fmt, suffix))
            if vol is not None:
                return vol
        return None

    def find_on_hosts(
        self, ctx: OpContext, name_or_id: str, get: Callable[[Host, str], T | None]
    ) -> tuple[str, T] | None:
        """An object by id or name on any host, managed by iaas or not (for lookups and imports).

        ``get(host, ref)`` reads the object on one host.  The host the
        inventory records is asked first, and an object of ``ctx.stack`` wins
        over others of the same name.
        """
        rec = self.record(self.kind, name_or_id, ctx.stack)
        refs = [rec.id, name_or_id] if rec is not None else [name_or_id]
        hosts = [rec.host] if rec is not None and rec.host is not None and rec.host in self.cloud.hosts else []
        hosts += [h for h in self.cloud.hosts if h not in hosts]
        matches: list[tuple[str, T]] = []
        for host_name in hosts:
            found = next((info for ref in refs if (info := get(self.host(host_name), ref)) is not None), None)
            if found is not None:
                matches.append((host_name, found))
        if not matches:
            return None
        matches.sort(key=lambda m: getattr(m[1], "meta", None) is None or m[1].meta.stack != ctx.stack)  # type: ignore[attr-defined]
        return matches[0]

    # ------------------------------------------------------------ the inventory

    def record(self, kind: str, ref: str, stack: str | None = None) -> InventoryRecord | None:
        """The inventory record of ``kind`` with this id, else with this name (``stack``'s first)."""
        return self.cloud.inventory.find(kind, ref, prefer_stack=stack)

    def recorded_inputs(self, id: str) -> dict[str, Any]:
        """The inputs recorded for an object (empty when the cloud has no record of it)."""
        rec = self.cloud.inventory.get(id)
        return dict((rec.data or {}).get("inputs") or {}) if rec is not None and rec.kind == self.kind else {}

    # ------------------------------------------------------------ names

    def check_name(self, ctx: OpContext, name: Any) -> str:
        """The resource name, checked to be usable as a libvirt object name."""
        if problem := checks.name(name):
            raise invalid(ctx.address, "name", problem)
        return str(name)

    def name_taken(
        self, ctx: OpContext, what: str, name: str, host_name: str, meta: Meta | None, other_id: str
    ) -> ConflictError:
        """The error for a name already used on a host by an object that is not this one."""
        where = f"{ctx.address}: a {what} named {name!r} already exists on host {host_name!r}"
        if meta is None:
            return ConflictError(
                f"{where} and was not made by iaas; import it (its id is {other_id}) or choose another name"
            )
        if meta.stack != ctx.stack:
            return ConflictError(f"{where}: it belongs to {meta.address or '?'} of stack {meta.stack!r}")
        return ConflictError(
            f"{where} with another id ({other_id}, {meta.address or '?'}); delete it or choose another name"
        )
