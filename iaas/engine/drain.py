"""Draining a host: one plan per stack that changes the ``host`` of each of its instances on that host.

The cloud chooses where each instance goes (:func:`iaas.cloud.drain.plan_moves`,
across every stack at once).  Each stack that has instances there is then
planned as it was last applied (its recorded inputs, the ids of its own
resources given back as references so that what depends on a moved instance
follows it), with the moving instances' ``host`` set to their new host: the
engine's ordinary plan of a host change, applied by the ordinary apply, under
that stack's lock.  An instance whose stack left ``host`` unset stays unset in
the state once it has moved, so the stack's own next plan is empty.

Instances that drain cannot move are refused before anything is planned:
those a stack pins to the host, and those of stacks whose state is not in the
state store the drain opened (a Terraform, Pulumi or Ansible stack, or another
state file), with the host each could go to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from iaas.cloud import Cloud
from iaas.cloud.drain import Move, mark_drained, plan_moves
from iaas.db import is_postgres_url
from iaas.engine.apply import ApplyResult
from iaas.engine.engine import DEFAULT_HOME, Engine
from iaas.engine.plan import Plan
from iaas.errors import FieldError, ValidationError
from iaas.stack import Lifecycle, Stack
from iaas.state import Snapshot, default_location, open_store


@attrs.define
class DrainPlan:
    """What draining a host does: every move, and per stack the plan that makes them."""

    host: str
    moves: list[Move]
    plans: dict[str, Plan]  # stack name -> its plan

    @property
    def empty(self) -> bool:
        """True when no instance is on the host."""
        return not self.moves


def _as_reference(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every id of one of the stack's own resources written as a reference to it."""
    if isinstance(value, str) and value in ids:
        return "${" + ids[value] + "}"
    if isinstance(value, dict):
        return {k: _as_reference(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_reference(v, ids) for v in value]
    return value


def recorded_stack(snapshot: Snapshot, hosts: dict[str, str]) -> Stack:
    """The stack as it was last applied, with the instances at the addresses of ``hosts`` on those hosts."""
    ids = {rec.id: rec.address for rec in snapshot.resources.values() if rec.id}
    stack = Stack(snapshot.stack)
    for rec in snapshot.resources.values():
        inputs = _as_reference(dict(rec.inputs), ids)
        if rec.address in hosts:
            inputs["host"] = hosts[rec.address]
        options = dict(rec.extra.get("lifecycle") or {})
        ignore = options.get("ignore_changes") or ()
        lifecycle = Lifecycle(
            bool(options.get("prevent_destroy")),
            bool(options.get("create_before_destroy")),
            ignore if isinstance(ignore, str) else tuple(ignore),
        )
        kind, name = rec.address.split(".", 1)
        deps = [d for d in rec.dependencies if d in snapshot.resources]
        stack.add_raw(kind, name, inputs, depends_on=deps, lifecycle=lifecycle)
    stack.outputs.update(snapshot.outputs)
    return stack


class Drain:
    """Plans and applies the drain of a host over every stack kept in one state store."""

    def __init__(
        self,
        cloud: Cloud,
        state: str,
        *,
        parallelism: int = 10,
        lock_timeout: float = 0.0,
        on_event: Callable[..., None] | None = None,
        close_cloud: bool = False,
    ):
        self.cloud, self.state = cloud, state
        self.options: dict[str, Any] = {
            "parallelism": parallelism,
            "lock_timeout": lock_timeout,
            "on_event": on_event,
        }
        self._close_cloud = close_cloud

    @classmethod
    def open(
        cls,
        *,
        home: str | Path = DEFAULT_HOME,
        cloud: str | Path | dict[str, Any] | None = None,
        state: str | None = None,
        **options: Any,
    ) -> Drain:
        """The cloud and the state store as :meth:`Engine.open` finds them."""
        shared = state if state is not None and is_postgres_url(state) else None  # the inventory goes there too
        the_cloud = Cloud.open(cloud, home=None if cloud else home, database=shared)
        Path(home).mkdir(parents=True, exist_ok=True)
        return cls(the_cloud, state or default_location(home, the_cloud.config.database), close_cloud=True, **options)

    def close(self) -> None:
        """Close the cloud when this drain opened it."""
        if self._close_cloud:
            self.cloud.close()

    def __enter__(self) -> Drain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def engine(self, stack: str) -> Engine:
        """An engine for one stack of the state store, over this drain's cloud."""
        return Engine(self.cloud, open_store(self.state, stack), **self.options)

    def stacks(self) -> list[str]:
        """The stacks the state store keeps."""
        with open_store(self.state, "default") as store:
            return store.list_stacks()

    def plan(self, host: str) -> DrainPlan:
        """Where each instance on ``host`` goes, and each stack's plan; nothing is changed.

        Raises (naming each instance) when one cannot move: no host takes it,
        its stack pins it to ``host``, or its stack's state is elsewhere.
        """
        moves = plan_moves(self.cloud, host)
        known = set(self.stacks())
        foreign = [m for m in moves if m.stack not in known]
        if foreign:
            raise ValidationError([_foreign(m, self.state) for m in foreign])
        plans: dict[str, Plan] = {}
        for stack in sorted({str(m.stack) for m in moves}):
            hosts = {m.address: m.target for m in moves if m.stack == stack}
            with self.engine(stack) as engine:
                snapshot = engine.store.read()
                lost = [m for m in moves if m.stack == stack and _recorded_id(snapshot, m.address) != m.id]
                if lost:
                    raise ValidationError([_foreign(m, self.state) for m in lost])
                plans[stack] = engine.plan(recorded_stack(snapshot, hosts))
        return DrainPlan(host, moves, plans)

    def apply(self, plan: DrainPlan) -> dict[str, ApplyResult]:
        """Record the host as drained, then apply each stack's plan in turn; stops at the first that fails."""
        mark_drained(self.cloud, plan.host)
        results: dict[str, ApplyResult] = {}
        for stack, stack_plan in plan.plans.items():
            with self.engine(stack) as engine:
                try:
                    results[stack] = engine.apply(stack_plan)
                finally:  # also for the instances that moved before a step failed
                    _keep_unpinned(engine, self.cloud, [m for m in plan.moves if m.stack == stack], stack_plan)
        return results


def _recorded_id(snapshot: Snapshot, address: str) -> str | None:
    rec = snapshot.resources.get(address)
    return rec.id if rec is not None else None


def _foreign(move: Move, state: str) -> FieldError:
    where = f"stack {move.stack}" if move.stack else "no stack"
    why = (
        f"is managed by {where}, whose state in {state} does not hold it (a Terraform, Pulumi or Ansible stack, or "
        f"another state): drain cannot change it there. Set its host to {move.target} in that stack and apply it, "
        "or drain with the state that holds it"
    )
    return FieldError(move.label, "host", why)


def _keep_unpinned(engine: Engine, cloud: Cloud, moves: list[Move], plan: Plan) -> None:
    """A moved instance whose stack left ``host`` unset is recorded unset again (the cloud chose its host)."""
    unpinned = [m for m in moves if not (plan.changes[m.address].before or {}).get("host")]
    if not unpinned:
        return
    with engine.store.lock(engine.owner, "drain", timeout=engine.lock_timeout):
        for move in unpinned:
            rec = engine.store.get(move.address)
            if rec is None or rec.status != "ready" or rec.inputs.get("host") != move.target:
                continue  # did not move
            engine.store.put(attrs.evolve(rec, inputs={**rec.inputs, "host": None}))
            held = cloud.inventory.get(rec.id or "")
            if held is not None:
                data = {**held.data, "inputs": {**(held.data.get("inputs") or {}), "host": None}}
                for attempt in cloud.inventory.attempts():
                    with attempt:
                        cloud.inventory.put(attrs.evolve(held, data=data))


__all__ = ["Drain", "DrainPlan", "recorded_stack"]
