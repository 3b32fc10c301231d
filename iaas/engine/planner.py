"""Making a plan: a pure function of the stack, the state and what the cloud reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from iaas.cloud import DATAPLANE, Cloud, PlannedItem
from iaas.cloud.placement import as_error
from iaas.cloud.references import References
from iaas.engine.claims import claims
from iaas.engine.paths import keep_recorded, resolved
from iaas.engine.plan import Plan, ResourceChange
from iaas.engine.reconcile import reconcile
from iaas.engine.resolve import Values, references, resolve
from iaas.engine.validate import check_values, validate_stack
from iaas.errors import FieldError, PlanError, ValidationError
from iaas.graph import Graph
from iaas.model import KINDS, UNKNOWN, Reference, contains_unknown, object_schema, observe
from iaas.model.base import MISSING
from iaas.model.observe import ignore_changes
from iaas.model.schema import ObjectSchema
from iaas.model.values import Change, ForbiddenChange, action_of, complete, diff, with_later_defaults
from iaas.stack import Declared, Stack
from iaas.state import ResourceRecord, Snapshot

NAMED_ON_HOST = ("network", "instance")  # kinds whose libvirt object is named after the resource


def _declare_hint(kind: str) -> str:
    return f"; declare it in the stack or refer to it as ${{{kind}.NAME}}"


def _has_literal_refs(schema: ObjectSchema, values: dict[str, Any]) -> bool:
    for f in schema.inputs:
        value = values.get(f.name)
        if f.spec.ref and (
            isinstance(value, str) or (isinstance(value, list) and any(isinstance(v, str) for v in value))
        ):
            return True
        if f.nested is not None and isinstance(value, list | dict):
            items = value if isinstance(value, list) else [value]
            if any(isinstance(v, dict) and _has_literal_refs(f.nested, v) for v in items):
                return True
    return False


def _has_references(values: dict[str, Any]) -> bool:
    return next(references(values), None) is not None


def _targets_closure(graph: Graph[str], targets: Iterable[str], destroy: bool) -> set[str]:
    present = [t for t in targets if t in graph]
    closure = graph.descendants(present) if destroy else graph.ancestors(present)
    return set(closure) | set(present)


def _state_graph(records: dict[str, ResourceRecord]) -> Graph[str]:
    g: Graph[str] = Graph()
    for addr, rec in records.items():
        g.add_node(addr)
        for dep in rec.dependencies:
            if dep in records:
                g.add_edge(addr, dep)
    return g


def _name_pending_refs(desired: Any, after: Any) -> Any:
    """``after`` with every reference still unknown given as ``name:<resource name>``.

    The cloud's plan-time checks (quotas, placement) then tell apart two
    resources of one kind that are both created by the plan.
    """
    if after is UNKNOWN and isinstance(desired, Reference) and desired.attribute == "id":
        return f"name:{desired.name}"
    if isinstance(after, dict) and isinstance(desired, dict):
        return {k: _name_pending_refs(desired.get(k), v) for k, v in after.items()}
    if isinstance(after, list) and isinstance(desired, list) and len(after) == len(desired):
        return [_name_pending_refs(d, a) for d, a in zip(desired, after, strict=True)]
    return after


def _stays(change: Change, outputs: dict[str, Any]) -> Change:
    """A host set to the one the cloud chose (or moved it to) is no move: the record only learns it."""
    if change.update == "migrate" and change.new == outputs.get(change.field):
        return attrs.evolve(change, update="live")
    return change


#: Kinds made on their instance's host: when the instance migrates, they are made again on its new host.
ON_INSTANCE_HOST = ("port_forward",)


def _follow_moves(ch: ResourceChange, planned: dict[str, ResourceChange]) -> ResourceChange:
    """A port forward of an instance that migrates is replaced: its rules move to the instance's new host."""
    if ch.kind not in ON_INSTANCE_HOST or ch.action not in ("noop", "update"):
        return ch
    moving = [d for d in ch.dependencies if d in planned and planned[d].action == "migrate"]
    if moving:
        ch.action = "replace"
        ch.reasons.append(f"{moving[0]} moves to another host")
    return ch


class Planner:
    """Computes one plan; see :func:`make_plan`."""

    def __init__(
        self,
        stack: Stack,
        snapshot: Snapshot,
        cloud: Cloud,
        *,
        destroy: bool,
        targets: list[str],
        replace: list[str],
        refresh: bool,
        on_event: Callable[..., None] | None,
        cloud_checks: bool = True,
    ):
        self.stack, self.snapshot, self.cloud = stack, snapshot, cloud
        self.destroy, self.targets, self.replace, self.refresh = destroy, targets, set(replace), refresh
        self.on_event = on_event
        self.cloud_checks = cloud_checks
        self.errors: list[FieldError] = []
        self.values = Values()
        self.literal_ids: dict[tuple[str, str], str | None] = {}  # looked up once per plan
        self.lost: dict[str, list[str]] = {}  # per address, what its host no longer carries
        self.declared = {(d.kind, d.inputs["name"]) for d in stack if isinstance(d.inputs.get("name"), str)}
        self.doomed: set[tuple[str, str]] = set()  # (kind, name) of what the plan deletes

    def run(self) -> Plan:
        graph = validate_stack(self.stack) if not self.destroy else Graph[str]()
        for what, addresses in (("target", self.targets), ("replacement", sorted(self.replace))):
            unknown = [a for a in addresses if a not in self.stack.resources and a not in self.snapshot.resources]
            if unknown:
                raise ValidationError(
                    [FieldError(a, "", f"{what} is neither declared nor in the state") for a in unknown]
                )
        records, fixes, drift = reconcile(self.cloud, self.snapshot, refresh=self.refresh, on_event=self.on_event)
        self.doomed = {
            (r.kind, str(value))
            for a, r in records.items()
            if a not in self.stack.resources and not self.targets
            for value in (r.inputs.get("name"), r.id)
        }
        for d in drift:
            if d["field"] == DATAPLANE:
                self.lost.setdefault(d["address"], []).append(str(d["actual"]).removeprefix(MISSING))
        outputs = {} if self.destroy else dict(self.stack.outputs)  # a destroyed stack has no outputs
        plan = Plan(
            self.stack.name,
            self.snapshot.lineage,
            self.snapshot.serial,
            {},
            outputs,
            self.destroy,
            list(self.targets),
            fixes,
            drift,
            self.stack.base or os.getcwd(),
        )
        if self.destroy:
            self._plan_destroy(plan, records)
        else:
            self._plan_apply(plan, graph, records)
        self._check_lifecycle(plan)
        if self.errors:
            raise ValidationError(self.errors)
        if self.cloud_checks:
            self._check_cloud(plan)
        plan.outputs_changed = self._outputs_changed(plan)
        return plan

    # ------------------------------------------------------------------ apply plans

    def _plan_apply(self, plan: Plan, graph: Graph[str], records: dict[str, ResourceRecord]) -> None:
        wanted = _targets_closure(graph, self.targets, False) if self.targets else None
        for addr, rec in records.items():  # recorded values, for references to unchanged resources
            self.values.set(addr, rec.inputs, rec.outputs)
        for addr in graph.topological_order():
            if wanted is not None and addr not in wanted:
                continue
            change = self._plan_one(self.stack.resources[addr], records.get(addr), graph)
            plan.changes[addr] = _follow_moves(change, plan.changes)
        state_graph = _state_graph(records)
        doomed = [a for a in records if a not in self.stack.resources]
        if wanted is not None:
            doomed = [a for a in doomed if a in _targets_closure(state_graph, self.targets, True)]
        for addr in doomed:
            plan.changes[addr] = self._delete_change(records[addr], ["not in the stack"])

    def _plan_one(self, decl: Declared, rec: ResourceRecord | None, graph: Graph[str]) -> ResourceChange:
        cls = decl.cls
        desired = decl.inputs
        if _has_literal_refs(object_schema(cls), desired):  # names or ids of objects the stack does not declare
            refs = References(
                self.cloud,
                self.stack.name,
                decl.address,
                True,
                cache=self.literal_ids,
                hint=_declare_hint,
                source=decl.source,
                declared=self.declared,
                doomed=self.doomed,
            )
            desired = refs.walk(object_schema(cls), desired)
            self.errors += refs.errors
        after = self.cloud.flavored(decl.kind, complete(cls, resolve(desired, self.values.lookup)))
        if desired is not decl.inputs or _has_references(desired):  # a resolved value may have the wrong type
            self.errors += check_values(decl, {k: v for k, v in after.items() if v is not None})
        ch = ResourceChange(
            decl.address,
            decl.kind,
            "create",
            before=None,
            after=after,
            desired=desired,
            dependencies=graph.dependencies(decl.address),
            lifecycle=decl.lifecycle.to_dict(),
        )
        ch.project = after.get("project") if isinstance(after.get("project"), str) else None
        if rec is None:
            self.values.set(decl.address, after, None, pending=True)
            return ch
        before = with_later_defaults(cls, rec.inputs)
        ch.before, ch.id, ch.outputs, ch.deposed = before, rec.id, rec.outputs, list(rec.extra.get("deposed", []))
        ch.recorded_dependencies = list(rec.dependencies)
        after = ignore_changes(decl.lifecycle.ignore_changes, before, after)
        ch.after = after = keep_recorded(decl.kind, before, after, self.stack.base)
        unread = rec.extra.get("unread") or []  # not read from an imported object: taken from the configuration
        adopted = observe.adopted(unread, before, after)
        ch.before = observe.adopt_unread(unread, before, after)
        try:
            ch.changes = [_stays(c, rec.outputs) for c in diff(cls, ch.before, after)]
        except ForbiddenChange as exc:
            self.errors.append(FieldError(decl.address, exc.field, str(exc), decl.source))
        ch.action = action_of(ch.changes)
        if adopted:
            ch.reasons.append(f"adopts {', '.join(adopted)} from the configuration")
            ch.action = "update" if ch.action == "noop" else ch.action
        ch.repairs = self.lost.get(decl.address, [])
        if ch.repairs:
            ch.reasons.append(f"restores {'; '.join(ch.repairs)}")
            ch.action = "update" if ch.action == "noop" else ch.action
        if rec.status == "tainted":
            ch.action, ch.reasons = "replace", ["tainted"]
        elif decl.address in self.replace:
            ch.action, ch.reasons = "replace", ["replacement requested"]
        pending = ch.action == "replace"
        self.values.set(decl.address, after, None if pending else rec.outputs, pending=pending)
        return ch

    def _delete_change(self, rec: ResourceRecord, reasons: list[str]) -> ResourceChange:
        return ResourceChange(
            rec.address,
            rec.kind,
            "delete",
            before=rec.inputs,
            id=rec.id,
            outputs=rec.outputs,
            recorded_dependencies=list(rec.dependencies),
            reasons=reasons,
            deposed=list(rec.extra.get("deposed", [])),
            project=rec.inputs.get("project") if isinstance(rec.inputs.get("project"), str) else None,
        )

    # ------------------------------------------------------------------ destroy plans

    def _plan_destroy(self, plan: Plan, records: dict[str, ResourceRecord]) -> None:
        chosen = set(records)
        if self.targets:
            chosen = _targets_closure(_state_graph(records), self.targets, True)
        for addr in sorted(chosen):
            plan.changes[addr] = self._delete_change(records[addr], ["destroy"])
            decl = self.stack.resources.get(addr)
            if decl is not None:
                plan.changes[addr].lifecycle = decl.lifecycle.to_dict()

    # ------------------------------------------------------------------ checks

    def _check_lifecycle(self, plan: Plan) -> None:
        for ch in plan.changes.values():
            decl = self.stack.resources.get(ch.address)
            if decl is None:
                continue
            if ch.action in ("delete", "replace") and decl.lifecycle.prevent_destroy:
                why = (
                    "would be destroyed"
                    if ch.action == "delete"
                    else f"would be replaced (because of {', '.join(ch.replaced_fields or ch.reasons)})"
                )
                self.errors.append(
                    FieldError(
                        ch.address,
                        "lifecycle.prevent_destroy",
                        f"{ch.address} {why}, but prevent_destroy is set",
                        decl.source,
                    )
                )
            if (
                ch.create_first
                and ch.kind in NAMED_ON_HOST
                and ch.before
                and ch.before.get("name") == (ch.after or {}).get("name")
            ):
                self.errors.append(
                    FieldError(
                        ch.address,
                        "lifecycle.create_before_destroy",
                        f"a {ch.kind}'s name is unique on its host: give the replacement a "
                        "new name to create it before the old one is destroyed",
                        decl.source,
                    )
                )
            self._check_takeover(ch, decl)

    def _check_takeover(self, ch: ResourceChange, decl: Declared) -> None:
        """A replacement created before the old object is deleted cannot take over what the old one holds."""
        kept = claims(ch.kind, ch.before) & claims(ch.kind, ch.after)
        if ch.create_first and kept:
            held = ", ".join(f"{path} {value}" for _, path, value in sorted(kept, key=repr))
            self.errors.append(
                FieldError(
                    ch.address,
                    "lifecycle.create_before_destroy",
                    f"the replacement would take over {held} while the old {ch.kind} still holds it: "
                    "change it, or let the old one be destroyed first",
                    decl.source,
                )
            )

    def _planned_items(self, plan: Plan) -> list[PlannedItem]:
        items = []
        for ch in plan.changes.values():
            after = _name_pending_refs(ch.desired, ch.after) if ch.action != "delete" else None
            after = resolved(ch.kind, after, plan.base) if after is not None else None  # files as the cloud reads them
            items.append(PlannedItem(ch.address, ch.kind, ch.action, ch.before, after, ch.outputs or None))
        return items

    def _check_cloud(self, plan: Plan) -> None:
        items = self._planned_items(plan)
        errors, planned = self.cloud.check_plan(self.stack.name, items)
        if errors:
            raise as_error(errors)
        for addr, values in planned.items():
            if addr in plan.changes:
                plan.changes[addr].planned = dict(values)
        for addr, notes in self.cloud.plan_notes(i for i in items if i.action == "update").items():
            plan.changes[addr].notes = notes

    def _outputs_changed(self, plan: Plan) -> bool:
        if self.destroy:
            return bool(self.snapshot.outputs) and not self.targets
        if set(self.stack.outputs) != set(self.snapshot.outputs):
            return True
        for name, value in self.stack.outputs.items():
            new = resolve(value, self.values.lookup)
            if contains_unknown(new) or new != self.snapshot.outputs.get(name):
                return True
        return False


def make_plan(
    stack: Stack,
    snapshot: Snapshot,
    cloud: Cloud,
    *,
    destroy: bool = False,
    targets: Iterable[str] = (),
    replace: Iterable[str] = (),
    refresh: bool = False,
    on_event: Callable[..., None] | None = None,
    cloud_checks: bool = True,
) -> Plan:
    """Plan the changes that bring the cloud from ``snapshot`` to ``stack``.

    ``cloud_checks=False`` leaves out quotas, capacity and placement (used to
    read the desired values of a resource being imported).
    Validates everything first and raises :class:`ValidationError` (every
    problem, each naming resource and field), :class:`CycleError`, or
    :class:`PlanError`; nothing is changed in the cloud or the state.
    """
    unknown_kinds = {r.kind for r in snapshot.resources.values()} - set(KINDS)
    if unknown_kinds:
        raise PlanError(f"state holds resources of unknown kinds: {', '.join(sorted(unknown_kinds))}")
    return Planner(
        stack,
        snapshot,
        cloud,
        destroy=destroy,
        targets=list(targets),
        replace=list(replace),
        refresh=refresh,
        on_event=on_event,
        cloud_checks=cloud_checks,
    ).run()


__all__ = ["make_plan", "references"]
