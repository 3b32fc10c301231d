"""Objects of a stack that its state does not record: a lost, emptied or replaced state.

The cloud's inventory labels every object with the stack and the address that
made it.  Before planning, the engine asks it for this stack's objects (one
indexed query) and compares their ids with those the state knows (recorded
ids, the ids of creates in progress, old copies awaiting deletion).  Any other
object means the state no longer describes the cloud: planning would create a
second copy of each, so the plan is refused with an error naming them and the
way back (:func:`recover`, ``iaas state recover``, or ``iaas import`` per object).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from iaas.cloud import Cloud, Observed, OpContext
from iaas.cloud.inventory import InventoryRecord
from iaas.errors import LostStateError
from iaas.model import KINDS, contains_unknown, observe
from iaas.model.values import complete
from iaas.state import ResourceRecord, Snapshot, StateStore


def known_ids(records: Iterable[ResourceRecord]) -> set[str]:
    """Every object id these records account for."""
    ids: set[str] = set()
    for rec in records:
        ids.update(i for i in (rec.id, rec.extra.get("pending_id")) if isinstance(i, str))
        ids.update(d["id"] for d in rec.extra.get("deposed", []) if isinstance(d, dict) and d.get("id"))
    return ids


def unrecorded(cloud: Cloud, snapshot: Snapshot) -> list[InventoryRecord]:
    """This stack's objects in the cloud that the state does not account for, by address."""
    known = known_ids(snapshot.resources.values())
    ids = [id for id, kind, address in cloud.inventory.members(snapshot.stack) if kind in KINDS and address]
    found = cloud.inventory.get_many(id for id in ids if id not in known).values()
    return sorted(found, key=lambda r: (r.address or "", r.id))


def refuse(stack: str, location: str, objects: Iterable[InventoryRecord]) -> LostStateError:
    """The error that stops a plan from duplicating ``objects``."""
    objects = list(objects)
    lines = [
        f"stack {stack!r}: the cloud holds {len(objects)} object(s) of this stack that its state ({location}) "
        "does not record; the state was lost, emptied or replaced. Planning now would create a second copy "
        "of each, so nothing was planned:"
    ]
    lines += [f"  {r.address}  ({r.kind} {r.name!r}, id {r.id})" for r in objects]
    lines.append(
        "Adopt them all into the state with: iaas state recover   (Python: Engine.recover(stack)); "
        "or one at a time with: iaas import ADDRESS ID. Then plan again."
    )
    return LostStateError("\n".join(lines), objects=[(r.address or "", r.kind, r.id) for r in objects])


def adoption_record(
    address: str, kind: str, observed: Observed, fallbacks: Iterable[dict[str, Any] | None], dependencies: list[str]
) -> ResourceRecord:
    """The state record of an adopted object: what the cloud reports, completed from ``fallbacks``.

    The fallbacks (the inputs the cloud's inventory recorded at creation, the
    declaration's planned inputs) fill in, in turn, what the cloud cannot
    report (such as secret user data), so the next plan shows no change.
    """
    inputs = dict(observed.inputs)
    for fallback in fallbacks:
        for key, value in (fallback or {}).items():
            if inputs.get(key) is None and not contains_unknown(value):
                inputs[key] = value
    inputs["name"] = inputs.get("name") or address.partition(".")[2]
    # What neither the cloud nor a fallback could give is adopted from the configuration by the first plan.
    unread = [k for k in observe.unread(KINDS[kind], observed.inputs) if inputs.get(k) is None]
    return ResourceRecord(
        address=address,
        kind=kind,
        id=observed.id,
        inputs=complete(KINDS[kind], inputs),
        outputs=dict(observed.outputs),
        dependencies=dependencies,
        status="ready",
        extra={"unread": unread} if unread else {},
    )


def context(stack: str, obj: InventoryRecord) -> OpContext:
    """The operation context of an inventory object of ``stack``."""
    return OpContext(stack, obj.address or "", obj.project)


Declared = Callable[[str], tuple[dict[str, Any] | None, list[str]]]


def recover(cloud: Cloud, store: StateStore, declared: Declared) -> list[ResourceRecord]:
    """Record again each object of the stack that the state lost; the records written (see ``Engine.recover``).

    ``declared(address)`` gives the declaration's planned inputs and dependencies.
    """
    written: list[ResourceRecord] = []
    for obj in unrecorded(cloud, store.read()):
        ctx = context(store.stack, obj)
        outputs = dict(obj.data.get("outputs") or {})
        observed = cloud.read(obj.kind, ctx, obj.id, outputs)
        if observed is None:  # gone from the hosts: only its inventory record was left
            cloud.delete(obj.kind, ctx, obj.id, outputs)
            continue
        held = store.get(ctx.address)
        if held is not None and _exists(cloud, store.stack, held):  # two copies: the recorded one stays
            old = {"id": observed.id, "outputs": dict(observed.outputs), "inputs": dict(observed.inputs)}
            rec = attrs.evolve(held, extra={**held.extra, "deposed": [*held.extra.get("deposed", []), old]})
        else:
            planned, deps = declared(ctx.address)
            rec = adoption_record(ctx.address, obj.kind, observed, [obj.data.get("inputs"), planned], deps)
            cloud.adopt(obj.kind, ctx, observed)
        store.put(rec)
        written.append(rec)
    return written


def _exists(cloud: Cloud, stack: str, rec: ResourceRecord) -> bool:
    project = rec.inputs.get("project")
    ctx = OpContext(stack, rec.address, project if isinstance(project, str) else None)
    return rec.id is not None and cloud.read(rec.kind, ctx, rec.id, rec.outputs) is not None
