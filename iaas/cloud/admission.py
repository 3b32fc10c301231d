"""Admission: the one step every write to the cloud passes through.

For one object being created, changed or imported, admission checks the
rules that span objects and takes what the object will hold, in the inventory
store's transaction:

* its project's quota counters (instances, vCPUs, memory, volumes, GiB, networks, port forwards, floating IPs);
* its host's placement counters (vCPUs, memory, disk) against the host's size after overcommit;
* each fixed IP in its network (inside the subnet, not the gateway, given once), and for each NIC without one on
  a network iaas serves by DHCP, an address of the network's DHCP range (the first free one);
* each attached volume (attached to one instance at a time);
* a network's IPv4 range (no overlap with another network on the same host);
* a port forward's host address and port (used once per host and protocol);
* a name, for kinds whose names are unique (:attr:`iaas.model.base.Resource.unique_name`: per project,
  or cloud-wide for projects);
* a snapshot of a running instance with UEFI firmware (which libvirt refuses);
* a network's VXLAN network identifier (VNI, one per network in the cloud: see :meth:`Admission.vni`);
* a floating IP's address (one of its host's floating pool, held once: see :mod:`iaas.cloud.floating`).

Each check reads only the rows it is about, so its cost does not grow with
the size of the cloud.  :meth:`Admission.reserve` holds these before the
object is made on its host; :meth:`Admission.confirm` records the object once
it is; :meth:`Admission.release` gives them back.  The plan runs the same
checks in a transaction that is rolled back (:meth:`Store.dry_run`).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import time
from typing import TYPE_CHECKING, Any

from iaas.cloud import floating
from iaas.cloud.drain import drained_hosts
from iaas.cloud.store import InventoryRecord, Store
from iaas.cloud.subjects import (
    CapacityProblem,
    ClaimProblem,
    QuotaProblem,
    Ref,
    Resolver,
    Subject,
    allocation_of,
    as_error,
    quota_of,
    usage_of,
)
from iaas.errors import CapacityError, FieldError
from iaas.model import KINDS
from iaas.model.subnets import served_range, subnet_of

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

log = logging.getLogger(__name__)


#: Seconds after which a reservation whose object was never recorded is released (see Admission.reconcile).
RESERVATION_EXPIRE = 3600.0

ALLOCATION_CHUNK = 64  # addresses of a DHCP range asked about in one query, from the lowest that may be free
VNI_SCOPE = "vni"  # claims of VXLAN network identifiers, keyed by the VNI in decimal
VNI_MAX = (1 << 24) - 1  # VNIs are 24 bits; 0 is never used


def first_vni(id: str) -> int:
    """Where the search for a network's VNI starts: the first 24 bits of its id (1 when they are not hex, or 0)."""
    try:
        return int(id.replace("-", "")[:6], 16) or 1
    except ValueError:
        return 1


_UNITS = {"vcpus": ("vCPUs", ""), "memory_mib": ("memory", " MiB"), "disk_gib": ("disk", " GiB")}


class Admission:
    """The cloud's admission over its inventory store."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self._sizes: dict[str, dict[str, float | None]] | None = None
        self._down: dict[str, str] = {}  # hosts found unreachable when sizes were asked, and why
        self._expired = False  # stale reservations released (see expire_once)
        # the lowest address of a DHCP range (network key prefix, first address) that may be free, as this process
        # knows, while no claim was dropped (Store.given_back); see _allocate
        self._free_from: dict[tuple[str, int], int] = {}
        self._free_from_at = -1

    @property
    def store(self) -> Store:
        """The cloud's inventory store."""
        return self.cloud.inventory

    # ------------------------------------------------------------ the verbs

    def check(self, subject: Subject, resolve: Resolver, *, counters: bool = True) -> list[FieldError]:
        """Every rule for ``subject``, taking what it holds; call inside a transaction (or a dry run).

        ``counters=False`` leaves out quotas and placement (the plan counts
        those over the whole plan, see :mod:`iaas.cloud.placement`).
        """
        counted = [*self._quota(subject, resolve), *self._placement(subject)] if counters else []
        return [
            *counted,
            *self._fixed_ips(subject, resolve),
            *self._attachments(subject, resolve),
            *self._subnet(subject),
            *self._listener(subject, resolve),
            *self._vni(subject),
            *floating.admit(self, subject, resolve),
            *self._name(subject, resolve),
            *self._snapshot(subject, resolve),
        ]

    def reserve(self, subject: Subject) -> None:
        """Check and hold what ``subject`` needs before it is made on its host; raise when refused.

        The holdings stay marked as a reservation until :meth:`confirm`; see
        :meth:`reconcile` for one left by a crash.
        """
        self.sizes()  # asks the hosts, before the transaction
        self.expire_once()
        for attempt in self.store.attempts():
            with attempt:
                for other in self.store.reserved_for(subject.stack, subject.address):
                    if other != subject.owner:  # left by an interrupted create: one apply of a stack runs at a time
                        self.store.release(other)
                problems = [*self._drained(subject), *self.check(subject, self.resolver(subject))]
                if problems:
                    raise as_error(problems)
                self.store.reserve(subject.owner, subject.stack, subject.address, subject.label, time.time())

    def confirm(self, rec: InventoryRecord) -> None:
        """The object exists: record it and end its reservation, in one transaction."""
        for attempt in self.store.attempts():
            with attempt:
                self.store.put(rec)
                self.store.confirm(rec.id)

    def release(self, owner: str) -> None:
        """Give back everything ``owner`` holds (a failed create, a delete)."""
        for attempt in self.store.attempts():
            with attempt:
                self.store.release(owner)

    def restore(self, subject: Subject) -> None:
        """Hold again what ``subject`` held before a change that failed (whatever the rules say now)."""
        for attempt in self.store.attempts():
            with attempt:
                self.check(subject, self.resolver(subject))
                self.store.confirm(subject.owner)

    def adopt(self, rec: InventoryRecord, *, strict: bool = True) -> list[FieldError]:
        """Record an existing object (import, migration) and take what it holds; refused problems are raised
        when ``strict``, else returned (and what could be taken is)."""
        self.sizes()
        subject = self.subject_of(rec)
        for attempt in self.store.attempts():
            with attempt:
                problems = self.check(subject, self.resolver(subject))
                if problems and strict:
                    raise as_error(problems)
                self.store.put(rec)
                self.store.confirm(rec.id)
        return problems

    def reconcile(self, older_than: float = RESERVATION_EXPIRE) -> list[str]:
        """Release reservations older than ``older_than`` seconds whose object was never recorded.

        A crash between :meth:`reserve` and :meth:`confirm` leaves such a
        reservation.  A retried create with the same id takes it over; one
        whose object never comes is released here, in one transaction (an
        object recorded meanwhile keeps its holdings).  Returns the labels released.
        """
        for attempt in self.store.attempts():
            with attempt:
                released = []
                for owner, label, since in self.store.reservations():
                    if time.time() - since >= older_than and self.store.get(owner) is None:
                        self.store.release(owner)
                        released.append(label)
        for label in released:
            log.warning("cloud inventory: released the holdings of %s, reserved by a create that never ended", label)
        return released

    def expire_once(self) -> None:
        """:meth:`reconcile` once per process, before the first admission check that could meet a stale reservation."""
        if not self._expired:
            self._expired = True
            self.reconcile()

    def vni(self, network_id: str, label: str = "") -> int:
        """The VXLAN network identifier of a network: the one it holds, else one claimed for it now.

        A network recorded before VNIs were claimed gets the one its id hashes
        to, when that is free.
        """
        held = self.store.claimed(network_id, VNI_SCOPE)
        if held:
            return int(held[0])
        for attempt in self.store.attempts():
            with attempt:
                number = self._take_vni(network_id, label or f"network {network_id}")
        return number

    # ------------------------------------------------------------ subjects and references

    def subject_of(self, rec: InventoryRecord) -> Subject:
        """The subject of a recorded object."""
        inputs = dict((rec.data or {}).get("inputs") or {})
        if inputs.get("project") is None and rec.project:
            inputs["project"] = rec.project
        address = rec.address or f"{rec.kind}.{rec.name}"
        return Subject(rec.kind, rec.id, address, self.label(rec), inputs, rec.host, rec.stack or "")

    def label(self, rec: InventoryRecord) -> str:
        """How a message names a recorded object: its address, and its stack."""
        where = rec.address or f"{rec.kind}.{rec.name}"
        return f"{where} (stack {rec.stack})" if rec.stack else where

    def resolver(self, subject: Subject, stack: str | None = None) -> Resolver:
        """References resolved against the store: by id, else by name (``stack``'s object first)."""

        def resolve(kind: str, value: Any) -> Ref | None:
            if not isinstance(value, str) or not value:
                return None
            rec = self.store.find(kind, value, prefer_stack=stack)
            if rec is None:
                return None
            return Ref(rec.id, self.label(rec), dict((rec.data or {}).get("inputs") or {}), rec.host)

        return resolve

    # ------------------------------------------------------------ counters

    def sizes(self) -> dict[str, dict[str, float | None]]:
        """Each host's capacity after overcommit (vcpus, memory_mib, disk_gib; None: unknown), asked once."""
        if self._sizes is None:
            from iaas.cloud.scheduler import host_states

            states = host_states(self.cloud)
            self._down = {h.name: h.down for h in states if h.down}
            self._sizes = {
                h.name: {"vcpus": h.vcpus, "memory_mib": h.memory_mib, "disk_gib": h.disk_gib}
                for h in states
                if not h.down
            }
        return self._sizes

    def _quota(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        use = usage_of(s.kind, s.inputs)
        project = resolve("project", s.inputs.get("project")) if use else None
        if project is None:
            return []
        scope = f"project:{project.id}"
        limits = quota_of(project.inputs)
        name = project.inputs.get("name") or project.id
        problems: list[FieldError] = []
        for counter, amount in use.items():
            grows = amount > self.store.consumption_of(s.owner, scope, counter)
            self.store.consume(s.owner, scope, counter, amount)
            used, limit = self.store.used(scope, counter), limits.get(counter, -1)
            if grows and 0 <= limit < used:
                problems.append(
                    QuotaProblem(
                        s.address, "project", f"project {name}: quota {counter}={limit} exceeded ({used} requested)"
                    )
                )
        return problems

    def _placement(self, s: Subject) -> list[FieldError]:
        need = allocation_of(s.kind, s.inputs)
        if not need or not s.host:
            return []
        scope = f"host:{s.host}"
        for (held, resource), _ in self.store.consumption(s.owner).items():
            if held.startswith("host:") and held != scope:  # it moved: the host it leaves gets its room back
                self.store.consume(s.owner, held, resource, 0)
        size = self.sizes().get(s.host, {})
        over, grows = [], False
        for resource, amount in need.items():
            before = self.store.consumption_of(s.owner, scope, resource)
            self.store.consume(s.owner, scope, resource, amount)
            capacity = size.get(resource)
            used = self.store.used(scope, resource)
            grows = grows or amount > before
            if amount > before and capacity is not None and used > int(capacity):
                what, unit = _UNITS[resource]
                free = max(int(capacity) - used + amount, 0)
                over.append(f"needs {amount}{unit} {what}, {free}{unit} free")
        down = self._down.get(s.host)
        if grows and down:  # its room is unknown: placing more there could overcommit it
            why = f"host {s.host}: its capacity cannot be read, so nothing more is placed on it: {down}"
            return [CapacityProblem(s.address, "host", why)]
        if over:
            return [CapacityProblem(s.address, "host", f"host {s.host}: " + ", ".join(over))]
        return []

    def _drained(self, s: Subject) -> list[FieldError]:
        """Nothing new or bigger goes to a drained host; what runs there may stay as it is (call before
        :meth:`check` takes what ``s`` needs).  An import or a recovery records what is there already: not asked."""
        need = allocation_of(s.kind, s.inputs)
        why = drained_hosts(self.cloud).get(s.host) if need and s.host else None
        scope = f"host:{s.host}"
        if why is None or all(amount <= self.store.consumption_of(s.owner, scope, r) for r, amount in need.items()):
            return []
        return [CapacityProblem(s.address, "host", f"host {s.host} {why}: nothing new is placed on it")]

    # ------------------------------------------------------------ things held once

    def _fixed_ips(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        if s.kind != "instance":
            return []
        problems: list[FieldError] = []
        keep: set[str] = set()
        served: list[tuple[int, Ref, tuple[int, int]]] = []  # NICs without a fixed IP on a network served by DHCP
        for i, nic in enumerate(s.inputs.get("nics") or []):
            ip = nic.get("fixed_ip") if isinstance(nic, dict) else None
            net = resolve("network", nic.get("network")) if isinstance(nic, dict) else None
            bounds = served_range(net.inputs) if net is not None and ip is None else None
            if net is not None and bounds is not None:
                served.append((i, net, (int(bounds[0]), int(bounds[1]))))
            if net is None or not isinstance(ip, str):
                continue
            field = f"nics[{i}].fixed_ip"
            subnet = subnet_of(net.inputs)
            try:
                addr = ipaddress.IPv4Address(ip)
            except ValueError:
                continue  # the field's own check reports it
            if subnet is not None and (
                addr not in subnet
                or addr in (subnet.network_address, subnet.broadcast_address, subnet.network_address + 1)
            ):
                gateway = subnet.network_address + 1
                problems.append(
                    FieldError(
                        s.address,
                        field,
                        f"{ip} is not a usable address of network {net.label} ({subnet}, gateway {gateway})",
                    )
                )
                continue
            key = f"{net.id}/{ip}"
            keep.add(key)
            holder = self.store.claim("fixed_ip", key, s.owner, s.label)
            if holder is not None:
                problems.append(
                    ClaimProblem(s.address, field, f"{ip} is already given to {holder.label} on network {net.label}")
                )
        for i, net, span in served:
            given = self._allocate(s, net, span, keep)
            if given is None:
                why = f"no free address left in the DHCP range of network {net.label}"
                problems.append(ClaimProblem(s.address, f"nics[{i}].network", why))
            else:
                keep.add(given)
        self.store.release_claims(s.owner, "fixed_ip", keep)
        return problems

    def _allocate(self, s: Subject, net: Ref, bounds: tuple[int, int], keep: set[str]) -> str | None:
        """An address of ``net``'s DHCP range (``bounds``, first and last) for a NIC of ``s`` without a fixed IP: one
        ``s`` holds already (not in ``keep``), else the first free one, claimed like a fixed IP; its key, or None
        when the range is full.

        Every NIC on a network iaas serves gets its address from iaas, so its security group filter is given the
        address instead of learning it (a filter redefined while a NIC learns its address can leave another NIC
        unfiltered).

        The search starts at the lowest address this process knows may be free (every one before it was taken
        since it last saw a claim dropped; a transaction rolled back gives its addresses back to the search), and
        asks about :data:`ALLOCATION_CHUNK` addresses per query: an address costs the same however many the
        network gave.  An address another process gave back meanwhile may come after later ones.
        """
        first, last = bounds
        prefix = f"{net.id}/"
        mine = [k for k in self.store.claimed(s.owner, "fixed_ip") if k.startswith(prefix) and k not in keep]
        if mine:
            return min(mine, key=lambda k: ipaddress.IPv4Address(k.removeprefix(prefix)))
        if self._free_from_at != self.store.given_back:  # an address was given back: it may be the first free
            self._free_from, self._free_from_at = {}, self.store.given_back
        where = (prefix, first)
        start = self._free_from.get(where, first)
        while start <= last:
            numbers = range(start, min(start + ALLOCATION_CHUNK, last + 1))
            keys = [f"{prefix}{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in numbers]  # IPv4Address(n)
            taken = self.store.taken_among("fixed_ip", keys)
            for n, key in zip(numbers, keys, strict=True):
                if key not in taken and self.store.claim("fixed_ip", key, s.owner, s.label) is None:
                    self._free_from[where] = n + 1  # every address before it is taken
                    self.store.on_rollback(functools.partial(self._given_back, where, n))
                    return key
            start = numbers.stop
        return None

    def _given_back(self, where: tuple[str, int], n: int) -> None:
        """Address ``n`` of a range is free again (the transaction that took it was rolled back)."""
        if where in self._free_from:
            self._free_from[where] = min(self._free_from[where], n)

    def _attachments(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        if s.kind != "instance":
            return []
        problems: list[FieldError] = []
        keep: set[str] = set()
        for i, ref in enumerate(s.inputs.get("volumes") or []):
            vol = resolve("volume", ref)
            if vol is None:
                continue
            keep.add(vol.id)
            holder = self.store.claim("attachment", vol.id, s.owner, s.label)
            if holder is not None:
                problems.append(
                    ClaimProblem(s.address, f"volumes[{i}]", f"volume {vol.id} is already attached to {holder.label}")
                )
        self.store.release_claims(s.owner, "attachment", keep)
        return problems

    def _subnet(self, s: Subject) -> list[FieldError]:
        subnet = subnet_of(s.inputs) if s.kind == "network" else None
        if subnet is None or not s.host:
            return []
        first, last = int(subnet.network_address), int(subnet.broadcast_address)
        clash = self.store.overlapping_range(f"host:{s.host}", first, last, s.owner)
        if clash is not None:
            holder, theirs = clash
            return [
                FieldError(s.address, "cidr", f"{subnet} overlaps {theirs} of network {holder.label} on host {s.host}")
            ]
        self.store.put_range(s.owner, f"host:{s.host}", first, last, str(subnet), s.label)
        return []

    def _listener(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        port = s.inputs.get("host_port") if s.kind == "port_forward" else None
        if not isinstance(port, int):
            return []
        instance = resolve("instance", s.inputs.get("instance"))
        host = (instance.host if instance is not None else None) or ""
        address = s.inputs.get("host_address") or "0.0.0.0"
        protocol = s.inputs.get("protocol") or "tcp"
        holder = self.store.listener(f"host:{host}", protocol, port, address, s.owner)
        if holder is not None:
            where = f"{address}:{port}/{protocol}" + (f" on host {host}" if host else "")
            return [FieldError(s.address, "host_port", f"{where} is already forwarded by {holder.label}")]
        self.store.put_listener(s.owner, f"host:{host}", protocol, port, address, s.label)
        return []

    def _vni(self, s: Subject) -> list[FieldError]:
        if s.kind == "network":
            self._take_vni(s.owner, s.label)
        return []

    def _take_vni(self, owner: str, label: str) -> int:
        """The VNI ``owner`` holds, else the first free one from :func:`first_vni` on, claimed for it."""
        held = self.store.claimed(owner, VNI_SCOPE)
        if held:
            return int(held[0])
        number = first_vni(owner)
        for _ in range(VNI_MAX):
            if self.store.claim(VNI_SCOPE, str(number), owner, label) is None:
                return number
            number = number % VNI_MAX + 1
        raise CapacityError(f"{label}: every VXLAN network identifier is taken")

    def _name(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        unique = getattr(KINDS.get(s.kind), "unique_name", None)
        name = s.inputs.get("name")
        if unique is None or not isinstance(name, str):
            return []
        where = "the cloud"
        key = name
        if unique == "project":
            given = s.inputs.get("project")
            project = resolve("project", given)
            key = f"{project.id if project is not None else given or ''}/{name}"
            where = f"project {project.inputs.get('name') or project.id}" if project else "the default project"
        scope = f"name:{s.kind}"
        holder = self.store.claim(scope, key, s.owner, s.label)
        rec = self.store.get(holder.owner) if holder is not None else None
        if holder is not None and rec is not None and rec.stack and (rec.stack, rec.address) == (s.stack, s.address):
            self.store.hand_over(scope, key, s.owner, s.label)  # its replacement, made before it is deleted
            holder = None
        self.store.release_claims(s.owner, scope, {key})  # a rename gives the old name up
        if holder is None:
            return []
        if rec is None:
            by = holder.label
        elif rec.stack:
            by = self.label(rec)
        else:
            by = f"{rec.kind} {rec.id}, which no stack manages (import it)"
        why = f"{s.kind} name {name!r} is already used in {where} by {by}; choose another name"
        return [ClaimProblem(s.address, "name", why)]

    def _snapshot(self, s: Subject, resolve: Resolver) -> list[FieldError]:
        """libvirt refuses an internal snapshot of a running guest with pflash (UEFI) firmware."""
        instance = resolve("instance", s.inputs.get("instance")) if s.kind == "snapshot" else None
        if instance is None or instance.inputs.get("firmware") != "uefi":
            return []
        if instance.inputs.get("power_state", "running") != "running" and not s.inputs.get("memory"):
            return []  # a stopped guest's disks can be snapshotted
        why = (
            f"instance {instance.label} runs with firmware uefi, and libvirt cannot snapshot a running guest with "
            "UEFI (pflash) firmware: set its power_state to stopped (and memory to false), or use firmware bios"
        )
        return [FieldError(s.address, "instance", why)]
