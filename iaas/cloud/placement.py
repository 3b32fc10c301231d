"""Plan-time checks of the cloud: quotas, host placement, and admission's rules in a dry run.

:func:`check_plan` runs before anything is touched.  It looks at the cloud
as the plan would leave it — every object in the inventory (all stacks), less
what the plan deletes or replaces, plus what it creates, replaces or updates —
and returns the problems found together with the values the cloud chooses now
(the host of every new instance, network and volume).

A reference to a resource that the same plan creates has no id yet.  It may
be given as ``"name:<name>"`` (the resource's name in the stack); a bare
:data:`~iaas.model.UNKNOWN` is understood when the plan creates exactly one
resource of the referenced kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.base import PlannedItem
from iaas.cloud.store import InventoryRecord
from iaas.cloud.subjects import CapacityProblem, QuotaProblem, Ref, Subject, as_error, quota_of, usage_of
from iaas.errors import FieldError
from iaas.model import KINDS, UNKNOWN, Reference

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

NEW = ("create", "replace")
NAME_PREFIX = "name:"


@attrs.define
class Obj:
    """One object as the plan leaves it: an untouched inventory record or a planned item."""

    kind: str
    name: str
    label: str  # how an error names it: the address, with the stack when it is another stack's
    inputs: dict[str, Any]
    host: str | None  # where it lives or is pinned; None while unplaced
    item: PlannedItem | None = None
    record: InventoryRecord | None = None

    @property
    def new(self) -> bool:
        """True when the plan creates the object (or creates it anew)."""
        return self.item is not None and self.item.action in NEW

    @property
    def moving(self) -> bool:
        """True when the plan migrates the object to another host (placed there like a new one)."""
        return self.item is not None and self.item.action == "migrate"


class PlanView:
    """The cloud's objects as the plan would leave them, with reference resolution."""

    def __init__(self, cloud: Cloud, stack: str, items: list[PlannedItem]):
        self.cloud = cloud
        self.stack = stack
        self.items = items
        by_address = {i.address: i for i in items}
        by_id = {str(i.outputs["id"]): i for i in items if i.outputs and i.outputs.get("id")}
        self.objects: list[Obj] = []
        self.by_id: dict[str, Obj] = {}
        for rec in cloud.inventory.list():
            item = by_id.get(rec.id) or (by_address.get(rec.address or "") if rec.stack == stack else None)
            if item is None:
                self._add(self._from_record(rec), rec.id)
            elif item.action not in ("delete", "replace"):
                by_address.pop(item.address, None)
                self._add(self._from_item(item, rec), rec.id)
        for item in by_address.values():
            if item.action != "delete":
                self._add(self._from_item(item, None), None)
        self._index()

    def _add(self, obj: Obj, id: str | None) -> None:
        self.objects.append(obj)
        if id is not None:
            self.by_id[id] = obj

    def _from_record(self, rec: InventoryRecord) -> Obj:
        data = rec.data or {}
        inputs = dict(data.get("inputs") or {})
        if inputs.get("project") is None and rec.project:
            inputs["project"] = rec.project
        label = rec.address or f"{rec.kind}.{rec.name}"
        if rec.stack != self.stack:
            label = f"{label} (stack {rec.stack})"
        host = rec.host or (data.get("outputs") or {}).get("host")
        return Obj(rec.kind, rec.name, label, inputs, host, record=rec)

    def _from_item(self, item: PlannedItem, rec: InventoryRecord | None) -> Obj:
        inputs = dict(item.after or {})
        pinned = inputs.get("host")
        host = pinned if isinstance(pinned, str) else None
        if item.action not in NEW and host is None:
            host = (rec.host if rec else None) or (item.outputs or {}).get("host")
        name = str(inputs.get("name") or item.address.split(".", 1)[-1])
        return Obj(item.kind, name, item.address, inputs, host, item=item, record=rec)

    def _index(self) -> None:
        self._kinds: dict[str, list[Obj]] = {}
        self._names: dict[tuple[str, str], Obj] = {}
        self._addresses: dict[str, Obj] = {}
        self._fresh: dict[str, list[Obj]] = {}
        for obj in self.objects:
            if obj.new:
                self._fresh.setdefault(obj.kind, []).append(obj)
            self._kinds.setdefault(obj.kind, []).append(obj)
            key = (obj.kind, obj.name)
            if key not in self._names or (obj.item is not None and self._names[key].item is None):
                self._names[key] = obj
            if obj.item is not None:
                self._addresses[obj.item.address] = obj

    def of_kind(self, kind: str) -> list[Obj]:
        """Every object of ``kind``: as the inventory lists them, then the plan's new ones in plan order."""
        return self._kinds.get(kind, [])

    def resolve(self, kind: str, value: Any) -> Obj | None:
        """The object a reference field's value stands for, or None when it cannot be told.

        A name matches this plan's resource of that name first, else any
        recorded object of that name.
        """
        if value is UNKNOWN:
            fresh = self._fresh.get(kind, [])
            return fresh[0] if len(fresh) == 1 else None
        if isinstance(value, Reference):
            return self._addresses.get(value.address) if value.kind == kind else None
        if not isinstance(value, str):
            return None
        if value.startswith(NAME_PREFIX):
            return self._names.get((kind, value[len(NAME_PREFIX) :]))
        obj = self.by_id.get(value)
        if obj is not None and obj.kind == kind:
            return obj
        return self._names.get((kind, value))


# ---------------------------------------------------------------- quotas


def _quota_order(obj: Obj) -> int:
    if obj.item is None:
        return 0
    return 1 if obj.item.action in ("noop", "update", "migrate") else 2


def check_quotas(view: PlanView) -> list[FieldError]:
    """Every project's usage after the plan against its quota; names the resource that crosses a limit."""
    totals: dict[int, dict[str, int]] = {}
    projects: dict[int, Obj] = {}
    flagged: set[tuple[int, str]] = set()
    errors: list[FieldError] = []
    for obj in sorted(view.objects, key=_quota_order):
        use = usage_of(obj.kind, obj.inputs)
        project = view.resolve("project", obj.inputs.get("project")) if use else None
        if project is None:
            continue
        key = id(project)
        projects[key] = project
        total = totals.setdefault(key, {})
        limits = quota_of(project.inputs)
        for counter, amount in use.items():
            total[counter] = total.get(counter, 0) + amount
            limit = limits.get(counter, -1)
            if obj.item and amount > 0 and 0 <= limit < total[counter] and (key, counter) not in flagged:
                flagged.add((key, counter))
                errors.append(
                    QuotaProblem(
                        obj.item.address,
                        "project",
                        f"project {project.name}: quota {counter}={limit} exceeded ({total[counter]} requested)",
                    )
                )
    errors += _lowered_quotas(projects, totals, flagged)
    return errors


def _lowered_quotas(
    projects: dict[int, Obj], totals: dict[int, dict[str, int]], flagged: set[tuple[int, str]]
) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, project in projects.items():
        item = project.item
        if item is None or item.action != "update":
            continue
        before, after = quota_of(item.before or {}), quota_of(project.inputs)
        for counter, used in totals[key].items():
            limit = after.get(counter, -1)
            if (key, counter) not in flagged and 0 <= limit < used and limit < before.get(counter, -1):
                errors.append(
                    QuotaProblem(
                        item.address,
                        f"quota.{counter}",
                        f"project {project.name}: quota {counter}={limit} is below what is in use ({used})",
                    )
                )
    return errors


# ---------------------------------------------------------------- entry point

#: Kinds whose changes these checks look at: quotas count instances, volumes, networks and port
#: forwards against projects; the scheduler places instances, networks and volumes; subnets,
#: listening ports and floating addresses clash; the names of some kinds are unique; UEFI guests
#: are not snapshotted while they run.  A plan that changes nothing else has nothing to check.
CHECKED_KINDS = frozenset({"instance", "volume", "network", "port_forward", "floating_ip", "project"})
_CLAIMING = frozenset({"instance", "network", "port_forward", "floating_ip", "snapshot"})


def _claims(kind: str) -> bool:
    """Whether admission holds something of this kind once: an address, a port, a subnet, a name."""
    return kind in _CLAIMING or KINDS[kind].unique_name is not None


def _named_only(kind: str) -> bool:
    """Whether this kind's checks read only the rows they are about (its name, a snapshot's guest)."""
    return (kind == "snapshot" or KINDS[kind].unique_name is not None) and kind not in CHECKED_KINDS


def check_plan(
    cloud: Cloud, stack: str, items: Iterable[PlannedItem]
) -> tuple[list[FieldError], dict[str, dict[str, Any]]]:
    """Quotas, placement, subnet and port clashes of a plan, before anything is touched.

    Returns the problems found (:class:`QuotaProblem` and
    :class:`CapacityProblem` are :class:`FieldError` values that say which
    error class fits; see :func:`as_error`) and, per address, the values the
    cloud chooses now: ``{"host": name}`` for every new instance, network and
    volume.
    """
    items = list(items)
    if not any(item.kind in CHECKED_KINDS for item in items):
        return check_names(cloud, stack, items), {}  # without listing the inventory: faces call this per resource
    from iaas.cloud.scheduler import place_all  # loaded by the first plan that has something to place

    cloud.admission.expire_once()  # a crash's stale holdings must not refuse this plan
    view = PlanView(cloud, stack, items)
    errors = check_quotas(view)
    planned, problems = place_all(view)
    errors += [CapacityProblem(address, field, message) for address, field, message in problems]
    errors += check_claims(view, planned)
    return errors, planned


# ---------------------------------------------------------------- what admission holds once


def _plan_key(obj: Obj) -> str:
    """The owner of an object in the dry run: its id, or its address while it has none."""
    if obj.record is not None and not obj.new:
        return obj.record.id
    return f"plan:{obj.label}"


def check_claims(view: PlanView, planned: dict[str, dict[str, Any]]) -> list[FieldError]:
    """The admission's rules for things held once (fixed IPs, attachments, subnets, ports), in a dry run.

    What the plan deletes or replaces, the records it supersedes (see
    :func:`_superseded`) and the reservations of interrupted creates of the
    resources it changes are given up first; then every object
    the plan creates or changes is admitted in plan order; nothing is kept.
    """
    admission, store = view.cloud.admission, view.cloud.inventory

    def host(obj: Obj) -> str | None:
        if obj.item is not None and obj.item.address in planned:
            return planned[obj.item.address].get("host")
        return obj.host

    def resolve(kind: str, value: Any) -> Ref | None:
        obj = view.resolve(kind, value)
        return None if obj is None else Ref(_plan_key(obj), obj.label, obj.inputs, host(obj))

    errors: list[FieldError] = []
    with store.dry_run():
        for item in view.items:
            if item.action in ("delete", "replace") and item.outputs and item.outputs.get("id"):
                store.release(str(item.outputs["id"]))
        for obj in view.objects:
            if _superseded(obj) and obj.record is not None:
                store.release(obj.record.id)
            if obj.item is not None and obj.item.action != "noop" and _claims(obj.kind):
                for owner in store.reserved_for(view.stack, obj.item.address):
                    if owner != _plan_key(obj):  # what an interrupted create of it still holds
                        store.release(owner)
        for obj in sorted(view.objects, key=_given_an_address):  # fixed IPs first: none is given away
            if obj.item is None or obj.item.action in ("delete", "noop") or not _claims(obj.kind):
                continue
            if not _superseded(obj):
                subject = Subject(
                    obj.kind, _plan_key(obj), obj.item.address, obj.label, obj.inputs, host(obj), view.stack
                )
                errors += admission.check(subject, resolve, counters=False)
    return errors


def _given_an_address(obj: Obj) -> bool:
    """Whether an instance has a NIC without a fixed IP (iaas gives it an address: after every fixed IP)."""
    nics = obj.inputs.get("nics") if obj.kind == "instance" else None
    return any(isinstance(n, dict) and not n.get("fixed_ip") for n in nics or [])


def check_names(cloud: Cloud, stack: str, items: list[PlannedItem]) -> list[FieldError]:
    """The admission's rules for a plan of kinds that need no view of the whole cloud (names, snapshots), in a
    dry run whose references resolve against the inventory."""
    admission, store = cloud.admission, cloud.inventory
    errors: list[FieldError] = []
    with store.dry_run():
        for item in items:
            if item.action in ("delete", "replace") and item.outputs and item.outputs.get("id"):
                store.release(str(item.outputs["id"]))
        for item in items:
            if not _named_only(item.kind) or item.action in ("delete", "noop") or item.after is None:
                continue
            known = item.action == "update" and item.outputs and item.outputs.get("id")
            owner = str(item.outputs["id"]) if known and item.outputs else f"plan:{item.address}"
            subject = Subject(
                item.kind, owner, item.address, f"{item.address} (stack {stack})", item.after, None, stack
            )
            errors += admission.check(subject, admission.resolver(subject, stack), counters=False)
    return errors


def _superseded(obj: Obj) -> bool:
    """An inventory record of a planned resource that is not the resource's object any more.

    The resource is made anew (its object is gone from its host), or the
    state knows it by another id (a record an interrupted replace left).
    """
    if obj.record is None or obj.item is None:
        return False
    current = (obj.item.outputs or {}).get("id")
    return obj.new or (current is not None and current != obj.record.id)


__all__ = [
    "CapacityProblem",
    "PlanView",
    "check_names",
    "QuotaProblem",
    "as_error",
    "check_claims",
    "check_plan",
    "check_quotas",
]
