"""Applying a plan: walk its steps in dependency order, saving each one as it finishes.

Every step writes its intent to the state before it calls the cloud (a create
records the id it is about to use, a delete marks the record ``deleting``) and
its result right after, each in its own small transaction.  An interrupted
run therefore leaves records that the next plan checks against the cloud:
nothing is lost, orphaned or duplicated.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs

from iaas.cloud import Cloud, OpContext
from iaas.engine.claims import claims
from iaas.engine.paths import resolved
from iaas.engine.plan import Plan, ResourceChange
from iaas.engine.reconcile import apply_fixes
from iaas.engine.resolve import Values, recorded_values, references, resolve
from iaas.errors import PlanError
from iaas.graph import Graph, find_cycles, walk
from iaas.model import KINDS, contains_unknown
from iaas.model.observe import ignore_changes
from iaas.model.values import complete
from iaas.state import ResourceRecord, StateStore

Node = tuple[str, str]  # (address, "apply" | "delete")
EventFn = Callable[[str, str, dict[str, Any]], None]


@attrs.define
class ApplyResult:
    """What an apply did."""

    done: list[str] = attrs.field(factory=list)  # "address (action)" of finished steps
    failed: dict[str, BaseException] = attrs.field(factory=dict)
    skipped: list[str] = attrs.field(factory=list)
    not_started: list[str] = attrs.field(factory=list)
    outputs: dict[str, Any] = attrs.field(factory=dict)
    counts: dict[str, int] = attrs.field(factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when every step finished."""
        return not self.failed and not self.skipped and not self.not_started


def execution_graph(plan: Plan) -> Graph[Node]:
    """The steps of a plan and the order they must respect."""
    g: Graph[Node] = Graph()
    changes = plan.changes
    applies = [a for a, c in changes.items() if c.action in ("create", "update", "migrate", "replace")]
    deletes = {a for a, c in changes.items() if c.action in ("delete", "replace") or c.deposed}
    apply_set = set(applies)
    users: dict[str, list[str]] = {}
    for a in applies:
        g.add_node((a, "apply"))
        for d in changes[a].dependencies:
            users.setdefault(d, []).append(a)
            if d in apply_set:
                g.add_edge((a, "apply"), (d, "apply"))
    for x in sorted(deletes):
        g.add_node((x, "delete"))
        ch = changes[x]
        if ch.action == "replace":
            if ch.create_first:
                g.add_edge((x, "delete"), (x, "apply"))
            else:
                g.add_edge((x, "apply"), (x, "delete"))
        for y in ch.recorded_dependencies:  # dependents are deleted before what they depend on
            if y in deletes:
                g.add_edge((y, "delete"), (x, "delete"))
        if ch.create_first or ch.action not in ("delete", "replace"):  # old copies go once users moved on
            for a in users.get(x, []):
                g.add_edge((x, "delete"), (a, "apply"))
    for a in applies:  # a resource that stops using y is updated before y is deleted
        ch = changes[a]
        if ch.action in ("update", "migrate"):
            for y in ch.recorded_dependencies:
                if y in deletes and y not in ch.dependencies and changes[y].action == "delete":
                    g.add_edge((y, "delete"), (a, "apply"))
    _order_moves(g, changes, deletes)
    _order_takeovers(g, changes, applies)
    _order_addresses(g, changes, applies)
    cycles = find_cycles(g)
    if cycles:
        text = "; ".join(" -> ".join(f"{a} ({p})" for a, p in c) for c in cycles)
        raise PlanError(f"the plan's steps cannot be ordered: {text}")
    return g


def _order_moves(g: Graph[Node], changes: dict[str, ResourceChange], deletes: set[str]) -> None:
    """An object that migrates moves after the plan deleted what depended on it (its snapshots stay on the host)."""
    for y in sorted(deletes):
        if changes[y].action != "delete":
            continue
        for x in changes[y].recorded_dependencies:
            moving = x in changes and changes[x].action == "migrate"
            if moving and (x, "apply") not in g.ancestors([(y, "delete")]):  # never make a cycle
                g.add_edge((x, "apply"), (y, "delete"))


def _order_addresses(g: Graph[Node], changes: dict[str, ResourceChange], applies: list[str]) -> None:
    """A new instance that iaas gives an address on a network is made after the new ones that ask for fixed IPs
    there, so that no address a fixed IP of the plan asks for is given away first."""
    fixed: dict[str, list[str]] = {}
    given: dict[str, list[str]] = {}
    for a in applies:
        ch = changes[a]
        if ch.kind != "instance" or ch.action not in ("create", "replace") or not isinstance(ch.after, dict):
            continue
        for nic in ch.after.get("nics") or []:
            if isinstance(nic, dict) and nic.get("network") is not None:
                (fixed if nic.get("fixed_ip") else given).setdefault(str(nic["network"]), []).append(a)
    for network, askers in fixed.items():
        takers = given.get(network, [])
        for f in dict.fromkeys(askers) if takers else ():
            before = g.ancestors([(f, "apply")])  # what f waits for: never make it wait for itself
            for d in dict.fromkeys(takers):
                if d != f and (d, "apply") not in before:
                    g.add_edge((d, "apply"), (f, "apply"))


def _order_takeovers(g: Graph[Node], changes: dict[str, ResourceChange], applies: list[str]) -> None:
    """A new object that takes over what a deleted one holds (a fixed IP, a volume) is created after the delete."""
    released = {claim: x for x, ch in changes.items() if ch.action == "delete" for claim in claims(ch.kind, ch.before)}
    if not released:
        return
    for a in applies:
        ch = changes[a]
        if ch.action != "create":
            continue
        for claim in sorted(claims(ch.kind, ch.after), key=repr):
            x = released.get(claim)
            if x is not None and (a, "apply") not in g.ancestors([(x, "delete")]):  # never make a cycle
                g.add_edge((a, "apply"), (x, "delete"))


class Applier:
    """Runs the steps of one plan against the cloud and the state."""

    def __init__(self, plan: Plan, store: StateStore, cloud: Cloud, values: Values, *, on_event: EventFn | None = None):
        self.plan, self.store, self.cloud, self.values = plan, store, cloud, values
        self.on_event = on_event
        self._lock = threading.Lock()
        self.intents: dict[str, str] = {}  # address -> pending id written before the walk
        self.networks_leaving = frozenset(
            id
            for ch in plan.changes.values()
            if ch.kind == "network"
            for id in [ch.id if ch.action in ("delete", "replace") else None, *(d.get("id") for d in ch.deposed)]
            if id
        )

    # ---------------------------------------------------------------- helpers

    def _emit(self, kind: str, address: str, **info: Any) -> None:
        if self.on_event:
            self.on_event(kind, address, info)

    def _ctx(self, ch: ResourceChange, pending_id: str | None = None) -> OpContext:
        return OpContext(self.plan.stack, ch.address, ch.project, pending_id, networks_leaving=self.networks_leaving)

    def _record(
        self,
        ch: ResourceChange,
        *,
        id: str | None,
        inputs: dict[str, Any],
        outputs: dict[str, Any],
        status: str,
        extra: dict[str, Any],
    ) -> ResourceRecord:
        rec = ResourceRecord(
            address=ch.address,
            kind=ch.kind,
            id=id,
            inputs=inputs,
            outputs=outputs,
            # a delete has no desired dependencies: the recorded ones keep ordering a later run's deletes
            dependencies=list(ch.recorded_dependencies if ch.action == "delete" else ch.dependencies),
            status=status,
            extra={"lifecycle": ch.lifecycle, **extra},
            updated_at=time.time(),
        )
        self.store.put(rec)
        return rec

    def _inputs(self, ch: ResourceChange) -> dict[str, Any]:
        if ch.after is not None and next(references(ch.desired or {}), None) is None:
            return ch.after  # no references: the planned inputs are final
        cls = KINDS[ch.kind]
        with self._lock:
            inputs = self.cloud.flavored(ch.kind, complete(cls, resolve(ch.desired or {}, self.values.lookup)))
        ignore = ch.lifecycle.get("ignore_changes") or []
        if ch.before is not None:
            inputs = ignore_changes(ignore, ch.before, inputs)
        if contains_unknown(inputs):
            missing = [k for k, v in inputs.items() if contains_unknown(v)]
            raise PlanError(f"{ch.address}: values still unknown at apply: {', '.join(missing)}")
        return inputs

    def _known(self, address: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        with self._lock:
            self.values.set(address, inputs, outputs)

    # ---------------------------------------------------------------- steps

    def run(self, node: Node) -> str:
        """Run one step; return what was done."""
        address, phase = node
        ch = self.plan.changes[address]
        if phase == "delete":
            return self._delete_step(ch)
        if ch.action in ("update", "migrate"):
            return self._update(ch)
        return self._create(ch)

    def write_intents(self) -> None:
        """Record every plain create whose inputs are all known as ``creating``, in one transaction.

        Each step then only writes its result.  An intent whose step never
        runs is found by the next plan and dropped (nothing was created).
        """
        records = []
        for ch in self.plan.changes.values():
            if ch.action == "create" and ch.id is None and ch.after is not None and not contains_unknown(ch.after):
                pending = str(uuid.uuid4())
                self.intents[ch.address] = pending
                records.append(
                    ResourceRecord(
                        address=ch.address,
                        kind=ch.kind,
                        inputs=ch.after,
                        dependencies=list(ch.dependencies),
                        status="creating",
                        extra={"lifecycle": ch.lifecycle, "pending_id": pending},
                    )
                )
        self.store.put_many(records)

    def drop_unused_intents(self, addresses: list[str]) -> None:
        """Forget the intents of creates that never started (a dependency failed, or the run stopped)."""
        for address in addresses:
            if self.intents.pop(address, None) is not None:
                self.store.delete(address)

    def _create(self, ch: ResourceChange) -> str:
        inputs = self._inputs(ch)
        deposed = list(ch.deposed)
        if ch.create_first and ch.id is not None:
            deposed.append({"id": ch.id, "outputs": ch.outputs, "inputs": ch.before})
        extra: dict[str, Any] = {"deposed": deposed} if deposed else {}
        with self._lock:
            pending = self.intents.pop(ch.address, None)
        if pending is None or inputs != ch.after:
            pending = str(uuid.uuid4())
            self._record(
                ch, id=None, inputs=inputs, outputs={}, status="creating", extra={**extra, "pending_id": pending}
            )
        self._emit("start", ch.address, action="create" if ch.action == "create" else "replace")
        try:
            outputs = self.cloud.create(
                ch.kind, self._ctx(ch, pending), resolved(ch.kind, inputs, self.plan.base), ch.planned
            )
        except Exception:
            self._undo_create(ch, pending)
            raise
        self._record(ch, id=outputs["id"], inputs=inputs, outputs=outputs, status="ready", extra=extra)
        self._known(ch.address, inputs, outputs)
        return "created" if ch.action == "create" else "replaced"

    def _undo_create(self, ch: ResourceChange, pending: str) -> None:
        """After a failed create: remove what it may have left, and restore the record as it was.

        If even that fails, the ``creating`` record stays and the next plan
        reconciles it with the cloud.
        """
        try:
            self.cloud.delete(ch.kind, attrs.evolve(self._ctx(ch, pending), undoing=True), pending, {})
        except Exception:  # noqa: BLE001 - the original error is the one to report
            return
        if ch.create_first and ch.id is not None:  # the old object is still there and in use
            extra = {"deposed": ch.deposed} if ch.deposed else {}
            self._record(ch, id=ch.id, inputs=ch.before or {}, outputs=ch.outputs, status="ready", extra=extra)
        else:
            self.store.delete(ch.address)

    def _update(self, ch: ResourceChange) -> str:
        assert ch.id is not None and ch.before is not None
        inputs = self._inputs(ch)
        changed = [k for k in inputs if inputs.get(k) != ch.before.get(k)]
        self._emit("start", ch.address, action=ch.action, fields=changed)
        outputs = ch.outputs  # nothing to change in the cloud: the record takes values adopted from the configuration
        if changed or ch.repairs:  # a repair re-applies the recorded inputs
            base = self.plan.base
            old, new = resolved(ch.kind, ch.before, base), resolved(ch.kind, inputs, base)
            outputs = self.cloud.update(ch.kind, self._ctx(ch), ch.id, old, new, changed, ch.outputs)
        extra = {"deposed": ch.deposed} if ch.deposed else {}
        self._record(ch, id=ch.id, inputs=inputs, outputs=outputs, status="ready", extra=extra)
        self._known(ch.address, inputs, outputs)
        return "migrated" if ch.action == "migrate" else "updated"

    def _delete_step(self, ch: ResourceChange) -> str:
        if ch.action == "delete" or (ch.action == "replace" and not ch.create_first):
            self._emit("start", ch.address, action="delete")
            if ch.id is not None:
                self._record(
                    ch,
                    id=ch.id,
                    inputs=ch.before or {},
                    outputs=ch.outputs,
                    status="deleting",
                    extra={"deposed": ch.deposed} if ch.deposed else {},
                )
                self.cloud.delete(ch.kind, self._ctx(ch), ch.id, ch.outputs)
            self._drop_deposed(ch)
            if ch.action == "delete":
                self.store.delete(ch.address)
                with self._lock:
                    self.values.forget(ch.address)
            else:
                self.store.delete(ch.address)
            return "deleted"
        self._emit("start", ch.address, action="delete deposed")
        self._drop_deposed(ch)
        rec = self.store.get(ch.address)
        if rec is not None:
            rec.extra.pop("deposed", None)
            rec.updated_at = time.time()
            self.store.put(rec)
        return "deleted old copy"

    def _drop_deposed(self, ch: ResourceChange) -> None:
        rec = self.store.get(ch.address)
        deposed = list(rec.extra.get("deposed", [])) if rec is not None else list(ch.deposed)
        for old in deposed:
            self.cloud.delete(ch.kind, self._ctx(ch), old["id"], old.get("outputs") or {})


def apply_plan(
    plan: Plan,
    store: StateStore,
    cloud: Cloud,
    *,
    parallelism: int = 10,
    on_event: EventFn | None = None,
    stop: threading.Event | None = None,
) -> ApplyResult:
    """Apply ``plan``; the caller holds the stack's lock.

    Raises :class:`PlanError` when the state moved on since the plan was made.
    Step failures do not raise: they are in the result, with the steps skipped
    because they depended on a failed one.
    """
    started = time.monotonic()
    snapshot = store.read()
    if snapshot.lineage != plan.lineage:
        raise PlanError(
            f"the plan was made for another state of stack {plan.stack!r} (lineage {plan.lineage}, "
            f"this state's is {snapshot.lineage}); plan again against this state"
        )
    if snapshot.serial != plan.serial:
        raise PlanError(
            f"the plan is stale: state of stack {plan.stack!r} changed since it was made "
            f"(serial {plan.serial} -> {snapshot.serial}); plan again"
        )
    apply_fixes(plan.stack, plan.reconciled, store, cloud)
    # the state is read again only where something wrote to it since: the repairs, then the steps (for outputs)
    values = recorded_values((store.read() if plan.reconciled else snapshot).resources.values())
    for ch in plan.changes.values():  # a soft reference may name an object made later in this walk (its name)
        if ch.action in ("create", "replace") and ch.after is not None:
            values.set(ch.address, ch.after, None, pending=True)
    applier = Applier(plan, store, cloud, values, on_event=on_event)
    graph = execution_graph(plan)
    result = ApplyResult()

    def event(kind: str, node: Node, info: Any) -> None:
        address, _ = node
        if kind == "done":
            result.done.append(f"{address} ({info})")
            if on_event:
                on_event("done", address, {"result": info})
        elif kind == "failed":
            result.failed[address] = info
            if on_event:
                on_event("failed", address, {"error": info})
        elif kind == "skipped" and on_event:
            on_event("skipped", address, {})

    applier.write_intents()
    # Simulated hosts (libvirt's test driver) and the inventory run in this process: worker threads would only
    # take turns on the interpreter, so every step runs in this thread, in dependency order.
    workers = 1 if cloud.simulated else parallelism
    walked = walk(graph, applier.run, parallelism=workers, on_event=event, stop=stop)
    result.skipped = sorted({a for a, _ in walked.skipped})
    result.not_started = sorted({a for a, _ in walked.not_started})
    applier.drop_unused_intents(result.skipped + result.not_started)
    result.interrupted = bool(getattr(walked, "interrupted", False))
    outputs: dict[str, Any] = {}
    if plan.outputs:
        final = recorded_values(store.read().resources.values())
        outputs = {name: resolve(value, final.lookup) for name, value in plan.outputs.items()}
    known = {k: v for k, v in outputs.items() if not contains_unknown(v)}
    if known != snapshot.outputs and not (plan.destroy and plan.targets):  # a targeted destroy keeps them
        store.set_outputs(known)
    store.checkpoint()
    result.outputs = outputs
    result.counts = plan.summary()
    result.seconds = time.monotonic() - started
    return result
