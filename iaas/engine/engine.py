"""The engine: plan, apply, destroy, refresh and import for one stack.

::

    engine = iaas.Engine.open("demo")            # embedded default cloud and state under .iaas/
    plan = engine.plan(stack)
    print(iaas.render_plan(plan))
    result = engine.apply(plan)
    print(result.outputs)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud import Cloud, OpContext
from iaas.engine.lost import adoption_record, known_ids, recover, refuse, unrecorded
from iaas.engine.plan import Plan
from iaas.engine.planner import make_plan
from iaas.engine.reconcile import apply_fixes, reconcile
from iaas.engine.resolve import recorded_values, resolve
from iaas.errors import ApplyError, FieldError, NotFoundError, PlanError, ValidationError
from iaas.model import KINDS, contains_unknown
from iaas.stack import Stack
from iaas.state import ApplyRecord, ResourceRecord, StateStore, default_location, default_owner, open_store

if TYPE_CHECKING:
    from iaas.engine.apply import ApplyResult, EventFn

DEFAULT_HOME = ".iaas"


class Engine:
    """Plans and applies one stack against a cloud, keeping its state in a store."""

    def __init__(
        self,
        cloud: Cloud,
        store: StateStore,
        *,
        parallelism: int = 10,
        lock_timeout: float = 0.0,
        on_event: EventFn | None = None,
        owner: str | None = None,
        close_cloud: bool = False,
    ):
        if parallelism < 1:
            raise ValidationError(f"parallelism must be at least 1, got {parallelism}")
        self.cloud, self.store = cloud, store
        self.parallelism, self.lock_timeout = parallelism, lock_timeout
        self.on_event = on_event
        self.owner = owner or default_owner()
        self.stop = threading.Event()
        self._close_cloud = close_cloud

    @classmethod
    def open(
        cls,
        stack: str = "default",
        *,
        home: str | Path = DEFAULT_HOME,
        cloud: Cloud | str | Path | dict[str, Any] | None = None,
        state: str | Path | None = None,
        **options: Any,
    ) -> Engine:
        """An engine for ``stack``: the embedded cloud and SQLite state under ``home`` unless given.

        ``cloud`` is a :class:`Cloud`, a cloud config file or mapping; ``state``
        a state file path or URL (default: ``$IAAS_DATABASE_URL``, else the
        cloud config's ``database``, else ``<home>/state.db``).  The engine
        closes the cloud when it opened it, or when given ``close_cloud=True``.
        """
        own = options.pop("close_cloud", not isinstance(cloud, Cloud))
        the_cloud = cloud if isinstance(cloud, Cloud) else Cloud.beside_state(cloud, home, state)
        Path(home).mkdir(parents=True, exist_ok=True)
        try:
            store = open_store(state or default_location(home, the_cloud.config.database), stack)
        except BaseException:
            if own:
                the_cloud.close()
            raise
        return cls(the_cloud, store, close_cloud=own, **options)

    @property
    def stack_name(self) -> str:
        """The stack this engine works on."""
        return self.store.stack

    def close(self) -> None:
        """Close the state store (and the cloud when this engine opened it)."""
        self.store.close()
        if self._close_cloud:
            self.cloud.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plan / apply

    def _check_stack(self, stack: Stack) -> None:
        if stack.name != self.stack_name:
            raise ValidationError(f"stack {stack.name!r} does not match this engine's stack {self.stack_name!r}")

    def _lock(self, operation: str) -> Any:
        return self.store.lock(self.owner, operation, timeout=self.lock_timeout)

    def plan(
        self,
        stack: Stack,
        *,
        destroy: bool = False,
        targets: Iterable[str] = (),
        replace: Iterable[str] = (),
        refresh: bool = True,
    ) -> Plan:
        """Plan the changes that make the cloud match ``stack`` (or remove it all with ``destroy``)."""
        self._check_stack(stack)
        with self._lock("plan"):
            return self._plan(stack, destroy=destroy, targets=targets, replace=replace, refresh=refresh)

    def _plan(self, stack: Stack, **kw: Any) -> Plan:
        snapshot = self.store.read()
        strays = unrecorded(self.cloud, snapshot)
        if strays:  # the state lost track of them: planning would create each a second time
            raise refuse(self.stack_name, self.store.location, strays)
        return make_plan(stack, snapshot, self.cloud, on_event=self._event, **kw)

    def _event(self, kind: str, address: str, info: Any = None) -> None:
        if self.on_event:
            self.on_event(kind, address, info if isinstance(info, dict) else {"value": info})

    def apply(
        self,
        target: Stack | Plan,
        *,
        destroy: bool = False,
        targets: Iterable[str] = (),
        replace: Iterable[str] = (),
        refresh: bool = True,
    ) -> ApplyResult:
        """Apply a plan, or plan and apply a stack under one lock.

        Raises :class:`ApplyError` (with ``.result``) when a step failed; the
        steps that finished are saved and the next apply continues from there.
        """
        from iaas.engine.apply import apply_plan  # what only an apply needs: loaded when one runs
        from iaas.engine.hostcheck import check_hosts, explain_unreachable

        operation = "destroy" if destroy or (isinstance(target, Plan) and target.destroy) else "apply"
        with self._lock(operation):
            if isinstance(target, Stack):
                self._check_stack(target)
                try:
                    plan = self._plan(target, destroy=destroy, targets=targets, replace=replace, refresh=refresh)
                except ValidationError:
                    explain_unreachable(self.cloud)  # a host that is down is the clearer reason
                    raise
            else:
                plan = target
                if plan.stack != self.stack_name:
                    raise PlanError(f"the plan is for stack {plan.stack!r}, not {self.stack_name!r}")
            check_hosts(self.cloud, plan)
            history = self.store.begin_apply(operation, self.owner)
            status = "failed"
            try:
                result = apply_plan(
                    plan, self.store, self.cloud, parallelism=self.parallelism, on_event=self.on_event, stop=self.stop
                )
                status = "succeeded" if result.ok else ("interrupted" if result.interrupted else "failed")
            finally:
                summary = (
                    {"plan": plan.summary()}
                    if status == "failed"
                    else {"plan": plan.summary(), "failed": len(result.failed), "skipped": len(result.skipped)}
                )
                self.store.end_apply(history, status, summary)
        if not result.ok:
            raise ApplyError(result.failed, result.skipped + result.not_started, result)
        return result

    def destroy(self, stack: Stack | None = None, *, targets: Iterable[str] = ()) -> ApplyResult:
        """Delete every resource of the stack (or the targets and their dependents)."""
        return self.apply(stack or Stack(self.stack_name), destroy=True, targets=targets, refresh=False)

    # ------------------------------------------------------------------ refresh / import

    def refresh(self) -> list[dict[str, Any]]:
        """Read every recorded object from the cloud, save what it reports, and return the drift."""
        with self._lock("refresh"):
            snapshot = self.store.read()
            _, fixes, drift = reconcile(self.cloud, snapshot, refresh=True, on_event=self._event)
            apply_fixes(self.stack_name, fixes, self.store, self.cloud)
            return drift

    def import_resource(
        self, address: str, id: str, stack: Stack | None = None, *, take_over: bool = False
    ) -> ResourceRecord:
        """Adopt an existing cloud object as ``address`` (``kind.name``).

        With ``stack``, the declaration fills in what the cloud cannot report
        (such as secret user data), so the next plan shows no change; without
        it, the next plan adopts those fields from the configuration.  An
        object another stack manages is refused (:class:`ConflictError`)
        unless ``take_over``.
        """
        kind, _, name = address.partition(".")
        if kind not in KINDS or not name:
            raise ValidationError(
                [FieldError(address, "", f"not a resource address (kind.name); kinds: {', '.join(KINDS)}")]
            )
        with self._lock("import"):
            if self.store.get(address) is not None:
                raise ValidationError([FieldError(address, "", "is already managed in this stack's state")])
            ctx = OpContext(self.stack_name, address)
            observed = self.cloud.lookup(kind, ctx, id)
            if observed is None:
                raise NotFoundError(f"no {kind} named or with id {id!r} exists in the cloud")
            planned, deps = self._declared(stack, address)
            rec = adoption_record(address, kind, observed, [planned], deps)
            self.cloud.adopt(kind, ctx, observed, take_over=take_over)
            self.store.put(rec)
            return rec

    def _declared(self, stack: Stack | None, *addresses: str) -> tuple[dict[str, Any] | None, list[str]]:
        """The planned inputs and dependencies of the first address (of those given) that ``stack`` declares."""
        wanted = [a for a in addresses if stack is not None and a in stack.resources]
        if stack is None or not wanted:
            return None, []
        planned = make_plan(
            stack, self.store.read(), self.cloud, targets=wanted[:1], refresh=False, cloud_checks=False
        ).changes[wanted[0]]
        return planned.after, planned.dependencies

    def recover(self, stack: Stack | None = None) -> list[ResourceRecord]:
        """Adopt the objects of this stack that the cloud holds but the state does not record.

        After a lost, emptied or replaced state, the cloud's inventory still
        knows which objects carry this stack's label and address; each one is
        read from the cloud and recorded again, as an interrupted run's objects
        are.  An address the state already holds keeps its recorded object (if
        that still exists) and the extra copy is recorded as an old copy for the
        next apply to delete.
        With ``stack``, the declaration fills in what the cloud cannot report.
        Returns the records written.
        """
        with self._lock("recover"):
            written = recover(self.cloud, self.store, lambda address: self._declared(stack, address))
            if stack is not None and written and not self.store.read().outputs:
                self._recover_outputs(stack)
        return written

    def _recover_outputs(self, stack: Stack) -> None:
        values = recorded_values(self.store.read().resources.values())
        outputs = {name: resolve(value, values.lookup) for name, value in stack.outputs.items()}
        self.store.set_outputs({k: v for k, v in outputs.items() if not contains_unknown(v)})

    # ------------------------------------------------------------------ state

    def resources(self) -> dict[str, ResourceRecord]:
        """The recorded resources by address."""
        return self.store.read().resources

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs as of the last apply."""
        return self.store.read().outputs

    def history(self, limit: int = 20) -> list[ApplyRecord]:
        """The last operations on the stack."""
        return self.store.history(limit)

    def forget(self, address: str) -> bool:
        """Remove a resource from the state without touching the cloud (``state rm``)."""
        with self._lock("state rm"):
            rec = self.store.get(address)
            if rec is None:
                return False
            self.store.delete(address)
            for id in known_ids([rec]):
                self.cloud.release(id)  # no longer this stack's: a later plan must not take it for lost state
            return True

    def console_log(self, address: str, offset: int = 0) -> bytes:
        """What the serial console of instance ``address`` (``instance.web`` or ``web``) has written since
        byte ``offset``."""
        from iaas.cloud.kinds.console import console_log  # instances' machinery: loaded when used

        rec = self._instance(address, "only instances have a console")
        return console_log(self.cloud, str(rec.id), str(rec.outputs.get("host") or ""), offset)

    def snapshots(self, address: str) -> list[dict[str, Any]]:
        """The snapshots instance ``address`` (``instance.web`` or ``web``) has on its host, oldest first: name,
        memory, description, created_at, state, disks, and the ``address`` and ``stack`` of the resource that
        manages each (None for a snapshot iaas did not take)."""
        from iaas.cloud.kinds.snapshot import snapshot_list  # instances' machinery: loaded when used

        return snapshot_list(self.cloud, str(self._instance(address, "only instances have snapshots").id))

    def _instance(self, address: str, refusal: str) -> ResourceRecord:
        """The recorded instance at ``address`` (``instance.web`` or ``web``); ``refusal`` when it is another kind."""
        address = address if "." in address else f"instance.{address}"
        rec = self.store.get(address)
        if rec is None or rec.id is None:
            raise NotFoundError(f"{address} is not in the state of stack {self.stack_name!r}")
        if rec.kind != "instance":
            raise ValidationError([FieldError(address, "", refusal)])
        return rec

    def taint(self, address: str, tainted: bool = True) -> None:
        """Mark a resource to be replaced on the next apply (or clear the mark)."""
        with self._lock("taint"):
            rec = self.store.get(address)
            if rec is None:
                raise NotFoundError(f"{address} is not in the state of stack {self.stack_name!r}")
            self.store.put(attrs.evolve(rec, status="tainted" if tainted else "ready"))


EventCallback = Callable[[str, str, dict[str, Any]], None]
