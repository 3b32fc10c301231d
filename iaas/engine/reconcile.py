"""Bringing the recorded state in line with the cloud before planning.

Records left ``creating`` or ``deleting`` by an interrupted run are checked
against the cloud: an object that was created is adopted, one that never came
to be (or is already gone) is dropped.  With ``refresh``, every record is read
and differences made outside iaas are reported as drift, including what an
object's host no longer carries (field ``dataplane``), which the plan restores
with an update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from iaas.cloud import DATAPLANE, Cloud, Observed, OpContext
from iaas.model.base import MISSING, PRESENT
from iaas.model.observe import merge_observed
from iaas.state import ResourceRecord, Snapshot, StateStore

REFRESH_PARALLELISM = 10


def _ctx(stack: str, rec: ResourceRecord, pending_id: str | None = None) -> OpContext:
    project = rec.inputs.get("project")
    return OpContext(stack, rec.address, project if isinstance(project, str) else None, pending_id)


def _read(cloud: Cloud, stack: str, rec: ResourceRecord) -> Observed | None:
    if rec.status == "creating":
        pending = rec.extra.get("pending_id")
        if not pending:
            return None
        return cloud.read(rec.kind, _ctx(stack, rec, pending), pending, {})
    if rec.id is None:
        return None
    return cloud.read(rec.kind, _ctx(stack, rec), rec.id, rec.outputs)


def _read_all(cloud: Cloud, stack: str, todo: list[ResourceRecord]) -> list[Observed | None]:
    """Read each record's object: those that wait on a remote host from a pool of threads, the rest in order."""
    waits = {kind: cloud.read_waits(kind) for kind in {r.kind for r in todo}}
    remote = [r for r in todo if waits[r.kind]]
    ids = [r.extra.get("pending_id") if r.status == "creating" else r.id for r in todo]
    with cloud.bulk_reads(i for i in ids if i):
        found: dict[str, Observed | None] = {}
        if remote:
            from concurrent.futures import ThreadPoolExecutor  # only remote hosts wait: loaded when one is read

            with ThreadPoolExecutor(max_workers=min(REFRESH_PARALLELISM, len(remote))) as pool:
                results = pool.map(lambda r: _read(cloud, stack, r), remote)
                found = {r.address: obs for r, obs in zip(remote, results, strict=True)}
        return [found[r.address] if waits[r.kind] else _read(cloud, stack, r) for r in todo]


def record_to_dict(rec: ResourceRecord) -> dict[str, Any]:
    """A plain mapping of a record (plan files, reconciliation lists)."""
    return attrs.asdict(rec)


def reconcile(
    cloud: Cloud, snapshot: Snapshot, *, refresh: bool, on_event: Callable[..., None] | None = None
) -> tuple[dict[str, ResourceRecord], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the records to plan from, the repairs to write at apply, and the drift found."""
    records = dict(snapshot.resources)
    todo = [r for r in records.values() if refresh or r.status in ("creating", "deleting")]
    if not todo:
        return records, [], []
    observed = _read_all(cloud, snapshot.stack, todo)
    fixes: list[dict[str, Any]] = []
    drift: list[dict[str, Any]] = []
    for rec, obs in zip(todo, observed, strict=True):
        if on_event:
            on_event("refresh", rec.address, obs is not None)
        if obs is None:
            del records[rec.address]
            why = {"creating": "never created", "deleting": "already deleted"}.get(rec.status, "deleted outside iaas")
            fixes.append(
                {
                    "address": rec.address,
                    "record": None,
                    "why": why,
                    "kind": rec.kind,
                    "id": rec.extra.get("pending_id") if rec.status == "creating" else rec.id,
                    "outputs": rec.outputs,
                    "project": _ctx(snapshot.stack, rec).project,
                }
            )
            if rec.status in ("ready", "tainted"):
                drift.append({"address": rec.address, "field": None, "recorded": None, "actual": "gone"})
            continue
        merged = merge_observed(rec.inputs, obs.inputs, skip=rec.extra.get("unread") or ())
        inputs = merged.inputs
        drift += [
            {"address": rec.address, "field": d.field, "recorded": d.recorded, "actual": d.actual} for d in merged.drift
        ]
        drift += [
            {"address": rec.address, "field": DATAPLANE, "recorded": PRESENT, "actual": f"{MISSING}{what}"}
            for what in obs.lost
        ]
        status = "tainted" if rec.status == "tainted" else "ready"
        if (obs.id, inputs, obs.outputs, status) == (rec.id, rec.inputs, rec.outputs, rec.status) and (
            "pending_id" not in rec.extra
        ):
            continue  # the record as it is (most of a refresh): nothing to build or compare
        new = attrs.evolve(
            rec,
            id=obs.id,
            inputs=inputs,
            outputs=dict(obs.outputs),
            status=status,
            extra={k: v for k, v in rec.extra.items() if k != "pending_id"},
        )
        if new != rec:
            why = {
                "creating": "adopted after an interrupted create",
                "deleting": "still exists after an interrupted delete",
            }.get(rec.status, "refreshed")
            fixes.append(
                {
                    "address": rec.address,
                    "record": record_to_dict(new),
                    "why": why,
                    "kind": rec.kind,
                    "id": new.id,
                    "outputs": new.outputs,
                    "project": _ctx(snapshot.stack, new).project,
                }
            )
        records[rec.address] = new
    return records, fixes, drift


def apply_fixes(stack: str, fixes: list[dict[str, Any]], store: StateStore, cloud: Cloud) -> None:
    """Write the repairs a reconciliation found, to the state and to the cloud's inventory.

    A record whose object is gone is dropped, and whatever an interrupted
    create or delete may have left behind under its id is deleted (deleting
    what does not exist is a no-op).  A record whose object was found is
    saved and its object recorded in the inventory as this stack's.
    """
    for fix in fixes:
        ctx = OpContext(stack, fix["address"], fix.get("project"))
        if fix["record"] is None:
            if fix.get("id"):
                cloud.delete(fix["kind"], ctx, fix["id"], fix.get("outputs") or {})
            store.delete(fix["address"])
        else:
            rec = ResourceRecord(**fix["record"])
            cloud.adopt(rec.kind, ctx, Observed(rec.id or "", rec.inputs, rec.outputs))
            store.put(rec)
