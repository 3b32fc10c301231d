"""Choosing a host for an instance: filters reject hosts, weighers order the rest.

The scheduler works on a snapshot of the hosts (:class:`HostState`): what
each can hold after overcommit (vCPUs, memory, and disk in its volume pool),
its architecture and labels, and what is already placed on it.  Filters (host
up and pin, locality of networks and volumes, server-group policy, labels,
architecture, capacity) each return the reason a host cannot take a request,
so a failed placement explains itself host by host.  Weighers then order the
hosts that pass: ``spread`` puts the most free memory first, ``pack`` the least.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from iaas import model  # its kinds load on first use
from iaas.cloud.drain import drained_hosts
from iaas.cloud.pools import VOLUME_POOL
from iaas.errors import IaasError
from iaas.model.subnets import PROVIDER_MODES

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.cloud.placement import Obj, PlanView

GIB = 1 << 30
AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"


@attrs.define
class HostState:
    """One host as the scheduler sees it: capacity after overcommit and what is placed on it."""

    name: str
    vcpus: float  # physical CPUs times the CPU overcommit ratio
    memory_mib: float  # physical memory times the memory overcommit ratio
    used_vcpus: int = 0
    used_memory_mib: int = 0
    down: str | None = None  # why the host cannot be used at all (unreachable, ...)
    drained: str | None = None  # why nothing new goes there (drained for maintenance); what runs there stays
    arch: str | None = None  # e.g. "x86_64"; None when unknown
    labels: dict[str, str] = attrs.field(factory=dict)
    disk_gib: float | None = None  # volume pool size times the disk overcommit ratio; None when unknown
    used_disk_gib: int = 0

    @property
    def free_vcpus(self) -> int:
        """vCPUs still free (never negative)."""
        return max(int(self.vcpus) - self.used_vcpus, 0)

    @property
    def free_memory_mib(self) -> int:
        """Memory still free in MiB (never negative)."""
        return max(int(self.memory_mib) - self.used_memory_mib, 0)

    @property
    def free_disk_gib(self) -> int | None:
        """Disk still free in GiB (never negative), or None when the host's pool size is unknown."""
        return None if self.disk_gib is None else max(int(self.disk_gib) - self.used_disk_gib, 0)

    def consume(self, vcpus: int, memory_mib: int, disk_gib: int = 0) -> None:
        """Count an instance (or a volume: ``disk_gib`` only) placed on this host."""
        self.used_vcpus += vcpus
        self.used_memory_mib += memory_mib
        self.used_disk_gib += disk_gib


@attrs.frozen
class Member:
    """An instance already in a server group, and where it runs."""

    label: str  # the instance's address, as a user knows it
    host: str


@attrs.define
class Request:
    """What one instance needs from a host."""

    label: str
    vcpus: int
    memory_mib: int
    pinned: str | None = None  # the instance's ``host`` input
    policy: str | None = None  # the server group's policy
    members: list[Member] = attrs.field(factory=list)  # the group's instances placed so far
    bound: dict[str, str] = attrs.field(factory=dict)  # resource label -> host it already lives on
    labels: dict[str, str] = attrs.field(factory=dict)  # the instance's ``host_labels``
    arch: str | None = None  # the image's ``architecture``
    disk_gib: int = 0  # the root disk and the new volumes that go with the instance
    networks: dict[str, str] = attrs.field(factory=dict)  # label of each network in ``bound`` -> its mode
    underlays: dict[str, str | None] = attrs.field(factory=dict)  # host -> its underlay address (cloud config)


@attrs.frozen
class Placement:
    """The outcome of one request: the host chosen, or why every host was rejected."""

    host: str | None
    rejections: dict[str, str]

    def explain(self) -> str:
        """``host h1: <reason>; host h2: <reason>`` for every rejected host."""
        return "; ".join(f"host {name}: {why}" for name, why in self.rejections.items())


Filter = Callable[[HostState, Request], "str | None"]


def host_filter(host: HostState, req: Request) -> str | None:
    """The host is up, not drained and, when the instance is pinned, is the pinned one."""
    if host.down:
        return host.down
    if host.drained:
        return host.drained
    if req.pinned and req.pinned != host.name:
        return f"{req.label} is pinned to host {req.pinned}"
    return None


def capacity_filter(host: HostState, req: Request) -> str | None:
    """The host has the vCPUs and the memory the instance needs."""
    problems = []
    if req.vcpus > host.free_vcpus:
        problems.append(f"needs {req.vcpus} vCPUs, {host.free_vcpus} free")
    if req.memory_mib > host.free_memory_mib:
        problems.append(f"needs {req.memory_mib} MiB memory, {host.free_memory_mib} MiB free")
    free_disk = host.free_disk_gib
    if free_disk is not None and req.disk_gib > free_disk:
        problems.append(f"needs {req.disk_gib} GiB disk, {free_disk} GiB free")
    return ", ".join(problems) or None


def labels_filter(host: HostState, req: Request) -> str | None:
    """The host carries every label the instance asks for."""
    missing = [f"{k}={v}" for k, v in sorted(req.labels.items()) if host.labels.get(k) != v]
    return f"lacks label {', '.join(missing)}" if missing else None


def arch_filter(host: HostState, req: Request) -> str | None:
    """The host's architecture is the image's."""
    if req.arch and host.arch and req.arch != host.arch:
        return f"is {host.arch}; the image needs {req.arch}"
    return None


def locality_filter(host: HostState, req: Request) -> str | None:
    """Every volume of the instance lives on the host, and every network lives there or can span to it.

    A virtual network spans hosts over VXLAN between their underlay addresses, so its own host and this one
    both need one; a provider network is the operator's LAN, on every host.
    """
    elsewhere = [
        why for label, where in req.bound.items() if where != host.name and (why := _away(label, where, host, req))
    ]
    return ", ".join(elsewhere) or None


def _away(label: str, where: str, host: HostState, req: Request) -> str | None:
    """Why the instance cannot use ``label`` (on host ``where``) from ``host``; None when it can."""
    mode = req.networks.get(label)
    if mode is None:
        return f"{label} is on host {where}"
    if mode in PROVIDER_MODES:
        return None
    missing = [name for name in (where, host.name) if not req.underlays.get(name)]
    if not missing:
        return None
    return (
        f"{label} is on host {where} and cannot span to host {host.name}: no underlay address for host "
        f"{' and '.join(missing)} in the cloud config"
    )


def group_filter(host: HostState, req: Request) -> str | None:
    """Hard affinity: with the group's members; hard anti-affinity: away from them."""
    if req.policy == AFFINITY and req.members:
        if all(m.host != host.name for m in req.members):
            first = req.members[0]
            return f"affinity with {first.label} on host {first.host}"
    if req.policy == ANTI_AFFINITY:
        here = [m.label for m in req.members if m.host == host.name]
        if here:
            return "anti-affinity with " + ", ".join(here)
    return None


FILTERS: tuple[Filter, ...] = (host_filter, locality_filter, group_filter, labels_filter, arch_filter, capacity_filter)


def _weight(host: HostState, req: Request, strategy: str) -> tuple[int, int, str]:
    """Sort key: soft group policy first, then free memory per the strategy, then the name."""
    members_here = sum(1 for m in req.members if m.host == host.name)
    group = 0
    if req.policy == SOFT_AFFINITY:
        group = -members_here
    elif req.policy == SOFT_ANTI_AFFINITY:
        group = members_here
    memory = host.free_memory_mib if strategy == "pack" else -host.free_memory_mib
    return group, memory, host.name


def place(hosts: list[HostState], req: Request, strategy: str = "spread") -> Placement:
    """Choose a host for ``req``: the best-weighed host that every filter accepts.

    Does not change the hosts; call :meth:`HostState.consume` on the chosen one.
    """
    rejections: dict[str, str] = {}
    fits = []
    for host in hosts:
        reason = next((r for f in FILTERS if (r := f(host, req))), None)
        if reason:
            rejections[host.name] = reason
        else:
            fits.append(host)
    if req.pinned and all(h.name != req.pinned for h in hosts):
        rejections = {req.pinned: "no such host in the cloud", **rejections}
    if not fits:
        return Placement(None, rejections)
    best = min(fits, key=lambda h: _weight(h, req, strategy))
    return Placement(best.name, rejections)


def order_hosts(
    hosts: list[HostState], strategy: str = "spread", load: dict[str, int] | None = None
) -> list[HostState]:
    """The usable hosts in the order a strategy prefers them (for networks and volumes).

    ``load`` counts objects of the same kind per host: ``spread`` prefers the
    fewest, then the most free memory; ``pack`` the most, then the least free memory.
    """
    load = load or {}
    up = [h for h in hosts if not h.down and not h.drained]
    sign = 1 if strategy == "pack" else -1
    return sorted(up, key=lambda h: (-sign * load.get(h.name, 0), sign * h.free_memory_mib, h.name))


# ---------------------------------------------------------------- placing a whole plan

Problem = tuple[str, str, str]  # address, field, message
Planned = dict[str, dict[str, Any]]


def host_states(cloud: Cloud) -> list[HostState]:
    """Every host's capacity after overcommit; an unreachable host is kept, marked down.

    Disk is the size of the host's ``iaas-volumes`` pool (``sim_disk_gib``
    on a simulated host) times ``disk_ratio``; unknown until the pool exists.
    """
    drained = drained_hosts(cloud)
    states = []
    for name, host in cloud.hosts.items():
        cfg = cloud.host_configs[name]
        try:
            info = host.info()
            disk: float | None = None
            if host.simulated:
                disk = cfg.sim_disk_gib * cfg.disk_ratio
            elif (pool := host.pool_info(VOLUME_POOL)) is not None and pool.capacity_bytes > 0:
                disk = pool.capacity_bytes / GIB * cfg.disk_ratio
        except IaasError as exc:
            states.append(HostState(name, 0, 0, down=f"unreachable ({exc})"))
            continue
        states.append(
            HostState(
                name,
                info.cpus * cfg.cpu_ratio,
                info.memory_mib * cfg.ram_ratio,
                arch=info.arch,
                labels=dict(cfg.labels),
                disk_gib=disk,
                drained=drained.get(name),
            )
        )
    return states


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0  # 0 while not known yet


def _sizes(inputs: dict[str, Any] | None) -> tuple[int, int, int]:
    """An instance's vCPUs, memory (MiB) and root disk (GiB), its flavor applied."""
    values = model.Instance.normalize(dict(inputs or {}))
    return _int(values.get("vcpus")), _int(values.get("memory_mib")), _int(values.get("root_disk_gib"))


def _volume_gib(inputs: dict[str, Any] | None) -> int:
    """GiB of disk a volume takes."""
    return _int((inputs or {}).get("size_gib"))


class _Run:
    """One placement pass over a plan view."""

    def __init__(self, view: PlanView):
        self.view = view
        self.strategy = view.cloud.config.scheduler
        self.hosts = host_states(view.cloud)
        self.states = {h.name: h for h in self.hosts}
        self.planned: Planned = {}
        self.problems: list[Problem] = []
        self.members: dict[int, list[Member]] = {}

    def host_of(self, obj: Obj) -> str | None:
        """Where an object lives or will live, as far as known now."""
        if obj.item is not None and obj.item.address in self.planned:
            return str(self.planned[obj.item.address]["host"])
        return obj.host

    def group_of(self, inst: Obj) -> Obj | None:
        """The server group of an instance, if it has one that can be told."""
        return self.view.resolve("server_group", inst.inputs.get("server_group"))

    def pinned(self) -> None:
        """New objects with a ``host`` input must name a host of the cloud; networks and volumes stay there."""
        for obj in self.view.objects:
            if (obj.new or obj.moving) and obj.kind in ("network", "volume", "instance") and obj.host:
                if obj.host not in self.states:
                    self.problems.append((obj.label, "host", f"host {obj.host} is not a host of this cloud"))
                elif obj.kind != "instance" and (why := self.states[obj.host].drained):
                    self.problems.append((obj.label, "host", f"host {obj.host} {why}"))
                elif obj.kind != "instance":
                    self.planned[obj.label] = {"host": obj.host}

    def existing(self) -> None:
        """Count the instances that stay, and check that updated sizes still fit their host."""
        staying = [
            (i, self.states[i.host])
            for i in self.view.of_kind("instance")
            if not i.new and not i.moving and i.host is not None and i.host in self.states
        ]
        for inst, state in staying:
            state.consume(*_sizes(inst.inputs))
            if (group := self.group_of(inst)) is not None:
                self.members.setdefault(id(group), []).append(Member(inst.label, state.name))
        for vol in self.view.of_kind("volume"):
            if not vol.new and vol.host in self.states:
                self.states[vol.host].consume(0, 0, _volume_gib(vol.inputs))
        for inst, state in staying:
            if inst.item is not None and inst.item.action == "update":
                self._check_growth(inst, state)

    def _check_growth(self, inst: Obj, state: HostState) -> None:
        """An instance that grows in place must still fit on its host."""
        assert inst.item is not None
        (vcpus, memory, _), (old_vcpus, old_memory, _) = _sizes(inst.inputs), _sizes(inst.item.before)
        over = []
        if vcpus > old_vcpus and state.used_vcpus > state.vcpus:
            free = int(state.vcpus) - state.used_vcpus + vcpus - old_vcpus
            over.append(f"needs {vcpus - old_vcpus} more vCPUs, {max(free, 0)} free")
        if memory > old_memory and state.used_memory_mib > state.memory_mib:
            free = int(state.memory_mib) - state.used_memory_mib + memory - old_memory
            over.append(f"needs {memory - old_memory} MiB more memory, {max(free, 0)} MiB free")
        if over:
            self.problems.append((inst.label, "host", f"host {state.name}: " + ", ".join(over)))

    def request(self, inst: Obj) -> tuple[Request, list[Obj]]:
        """What a new instance needs, and the new networks and volumes that are still unplaced."""
        vcpus, memory, disk = _sizes(inst.inputs)
        group = self.group_of(inst)
        pinned = inst.inputs.get("host")
        labels = inst.inputs.get("host_labels")
        image = self.view.resolve("image", inst.inputs.get("image"))
        arch = image.inputs.get("architecture") if image is not None else None
        req = Request(
            inst.label,
            vcpus,
            memory,
            pinned=pinned if isinstance(pinned, str) else None,
            policy=group.inputs.get("policy") if group else None,
            members=list(self.members.get(id(group), [])) if group else [],
            labels=dict(labels) if isinstance(labels, dict) else {},
            arch=arch if isinstance(arch, str) else None,
            disk_gib=disk,
            underlays={name: cfg.underlay for name, cfg in self.view.cloud.host_configs.items()},
        )
        unplaced = []
        nics = inst.inputs.get("nics") or []
        refs = [("network", n.get("network")) for n in nics if isinstance(n, dict)]
        refs += [("volume", v) for v in inst.inputs.get("volumes") or []]
        for kind, value in refs:
            obj = self.view.resolve(kind, value)
            if obj is None:
                continue
            if inst.moving and kind == "volume":  # its volumes move with it: their size counts at the destination
                req.disk_gib += _volume_gib(obj.inputs)
                kept = obj.inputs.get("host")
                if isinstance(kept, str) and kept != pinned:
                    why = f"its volume {obj.label} is pinned to host {kept} (its host field) and cannot move with it"
                    self.problems.append((inst.label, "host", why))
                continue
            where = self.host_of(obj)
            if where:
                req.bound[obj.label] = where
                if kind == "network":
                    req.networks[obj.label] = str(obj.inputs.get("mode") or "nat")
            elif obj.new:
                unplaced.append(obj)
                if kind == "volume":
                    req.disk_gib += _volume_gib(obj.inputs)
        return req, unplaced

    def new_instances(self) -> None:
        """Place every instance the plan creates or migrates (to its new ``host``), in plan order."""
        for inst in self.view.of_kind("instance"):
            if not inst.new and not inst.moving:
                continue
            req, unplaced = self.request(inst)
            if inst.moving:
                self._snapshots_stay(inst)
            if req.pinned and req.pinned not in self.states:
                continue  # reported by pinned()
            result = place(self.hosts, req, self.strategy)
            if result.host is None:
                why = (
                    f"cannot migrate to host {req.pinned}: {result.rejections.get(str(req.pinned))}"
                    if inst.moving
                    else f"no host can take it: {result.explain()}"
                )
                self.problems.append((inst.label, "host", why))
                continue
            self.planned[inst.label] = {"host": result.host}
            self.states[result.host].consume(req.vcpus, req.memory_mib, req.disk_gib)
            if (group := self.group_of(inst)) is not None:
                self.members.setdefault(id(group), []).append(Member(inst.label, result.host))
            for obj in unplaced:
                self.planned.setdefault(obj.label, {"host": result.host})

    def _snapshots_stay(self, inst: Obj) -> None:
        """A moving instance's snapshots that the plan keeps: they stay on their host, so they refuse the move."""
        kept = [
            snap.label
            for snap in self.view.of_kind("snapshot")
            if not snap.new and self.view.resolve("instance", snap.inputs.get("instance")) is inst
        ]
        if kept:
            what = "snapshot" if len(kept) == 1 else "snapshots"
            why = (
                f"cannot move with its {what} {', '.join(kept)}: snapshots stay on the host that took them; "
                "delete them (remove them from the stack) in the same plan, or keep the instance where it is"
            )
            self.problems.append((inst.label, "host", why))

    def leftovers(self) -> None:
        """New networks and volumes that no new instance decided: by the strategy."""
        for kind in ("network", "volume"):
            objs = self.view.of_kind(kind)
            load: dict[str, int] = {}
            for obj in objs:
                if (where := self.host_of(obj)) is not None:
                    load[where] = load.get(where, 0) + 1
            for obj in objs:
                if not obj.new or self.host_of(obj) is not None:
                    continue
                order = order_hosts(self.hosts, self.strategy, load)
                if not order:
                    self.problems.append((obj.label, "host", "no host is reachable"))
                    continue
                size = _volume_gib(obj.inputs) if kind == "volume" else 0
                fits = [h for h in order if h.free_disk_gib is None or h.free_disk_gib >= size]
                if not fits:
                    why = "; ".join(f"host {h.name}: {h.free_disk_gib} GiB free" for h in order)
                    self.problems.append((obj.label, "host", f"no host can take it: needs {size} GiB disk; {why}"))
                    continue
                self.planned[obj.label] = {"host": fits[0].name}
                fits[0].consume(0, 0, size)
                load[fits[0].name] = load.get(fits[0].name, 0) + 1


def place_all(view: PlanView) -> tuple[Planned, list[Problem]]:
    """Choose hosts for a plan's new instances, networks and volumes.

    Instances go first, in plan order; a new network or volume that a new
    instance uses lands on that instance's host.  Returns the choices by
    address and the problems as (address, field, message).  A plan that creates nothing and updates no instance
    has nothing to place or check: the hosts are not asked for their size.
    """
    if not any(
        o.new or (o.kind == "instance" and o.item is not None and o.item.action in ("update", "migrate"))
        for o in view.objects
    ):
        return {}, []
    run = _Run(view)
    run.pinned()
    run.existing()
    run.new_instances()
    run.leftovers()
    return run.planned, run.problems
