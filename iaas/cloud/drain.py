"""Host maintenance: a drained host takes no new placements, and its instances are moved to other hosts.

A host is drained when its cloud config entry says ``drain: true`` or when
``iaas host drain`` recorded it in the cloud's inventory (so every face and
every operator's machine sharing the inventory sees it).  The scheduler
refuses a drained host to every new instance, network and volume, and
admission refuses anything that grows on it, whatever face asks.

:func:`plan_moves` chooses a new host for every instance on a host being
drained, across every stack, with the scheduler's own filters and weighers
(server-group policy, capacity after overcommit, host labels, architecture,
locality of networks and volumes) and the plan's quota checks.  It changes
nothing: when one instance has nowhere to go, it raises, naming the instance
and why each host refused it.  Moving the instances is the engine's work
(an ordinary plan that changes each instance's ``host``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.base import PlannedItem
from iaas.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.cloud.store import InventoryRecord

DRAIN_SCOPE = "drain"  # inventory claims of drained hosts, keyed by host name
_OWNER = "drain"
#: The stack name the cross-stack placement check runs under (no stack is called this).
PREVIEW_STACK = "(drain)"


@attrs.frozen
class Move:
    """One instance to move off a drained host."""

    id: str
    stack: str | None  # the stack that manages it; None for an object no stack manages
    address: str  # its address in that stack (instance.NAME)
    label: str  # how messages name it: the address and the stack
    source: str
    target: str


def drained_hosts(cloud: Cloud) -> dict[str, str]:
    """Every drained host of the cloud, with the reason a placement on it is refused."""
    out: dict[str, str] = {}
    for name, cfg in cloud.host_configs.items():
        if cfg.drain:
            out[name] = "is drained for maintenance (drain: true in the cloud config)"
    for name in cloud.inventory.claimed(_OWNER, DRAIN_SCOPE):
        if name in cloud.host_configs:
            out.setdefault(name, "is drained for maintenance (iaas host drain)")
    for name in cloud.draining:
        out.setdefault(name, "is being drained")
    return out


def _known(cloud: Cloud, host: str) -> None:
    if host not in cloud.host_configs:
        known = ", ".join(cloud.host_configs)
        raise ValidationError([FieldError("host", "name", f"no host {host!r} in the cloud (its hosts: {known})")])


def mark_drained(cloud: Cloud, host: str) -> bool:
    """Record ``host`` as drained in the inventory; False when it was already recorded."""
    _known(cloud, host)
    store = cloud.inventory
    if host in store.claimed(_OWNER, DRAIN_SCOPE):
        return False
    for attempt in store.attempts():
        with attempt:
            store.claim(DRAIN_SCOPE, host, _OWNER, f"host {host}")
    return True


def mark_undrained(cloud: Cloud, host: str) -> bool:
    """Take ``host``'s drain mark off the inventory; False when it had none.

    A host that the cloud config drains (``drain: true``) stays drained: the
    error says which line to remove.
    """
    _known(cloud, host)
    if cloud.host_configs[host].drain:
        why = "is drained by the cloud config: remove 'drain: true' from its entry there"
        raise ValidationError([FieldError(f"hosts.{host}", "drain", f"host {host} {why}")])
    store = cloud.inventory
    held = store.claimed(_OWNER, DRAIN_SCOPE)
    if host not in held:
        return False
    for attempt in store.attempts():
        with attempt:
            store.release_claims(_OWNER, DRAIN_SCOPE, set(held) - {host})
    return True


def instances_on(cloud: Cloud, host: str) -> list[InventoryRecord]:
    """The instances the inventory places on ``host``, of every stack."""
    return cloud.inventory.list("instance", host=host)


def label_of(rec: InventoryRecord) -> str:
    """How a drain's messages name an instance: its address and its stack."""
    address = rec.address or f"instance.{rec.name}"
    return f"{address} (stack {rec.stack})" if rec.stack else f"{address} (no stack)"


def pinned(recs: list[InventoryRecord], host: str) -> list[FieldError]:
    """An error for each instance whose stack pins it to ``host`` (its ``host`` input): the stack must change."""
    errors = []
    for rec in recs:
        if (rec.data.get("inputs") or {}).get("host") == host:
            where = f"stack {rec.stack}" if rec.stack else "the tool that made it"
            why = (
                f"is pinned to host {host} by its {where} (host: {host}); drain does not override a stack's "
                f"explicit choice: remove the host field (or name another host) in {where}, apply it, and drain again"
            )
            errors.append(FieldError(label_of(rec), "host", why))
    return errors


def _moving_item(rec: InventoryRecord) -> PlannedItem:
    """The instance as the plan-time checks see a replacement of it that the scheduler places anew."""
    inputs: dict[str, Any] = dict(rec.data.get("inputs") or {})
    if inputs.get("project") is None and rec.project:
        inputs["project"] = rec.project
    outputs = {**(rec.data.get("outputs") or {}), "id": rec.id}
    return PlannedItem(label_of(rec), "instance", "replace", inputs, {**inputs, "host": None}, outputs)


def plan_moves(cloud: Cloud, host: str) -> list[Move]:
    """A new host for every instance on ``host``, chosen as if ``host`` were drained; nothing is changed.

    Raises :class:`ValidationError` naming each instance pinned to the host,
    and :class:`CapacityError` (or :class:`QuotaError`) naming each instance
    no host can take, with every host's reason.
    """
    _known(cloud, host)
    recs = instances_on(cloud, host)
    problems = pinned(recs, host)
    if problems:
        raise ValidationError(problems)
    if not recs:
        return []
    items = [_moving_item(rec) for rec in recs]
    cloud.draining.add(host)
    try:
        errors, planned = cloud.check_plan(PREVIEW_STACK, items)
    finally:
        cloud.draining.discard(host)
    if errors:
        from iaas.cloud.subjects import as_error

        raise as_error(errors)
    moves = []
    for rec, item in zip(recs, items, strict=True):
        target = str((planned.get(item.address) or {}).get("host"))
        address = rec.address or f"instance.{rec.name}"
        moves.append(Move(rec.id, rec.stack, address, item.address, host, target))
    return moves


__all__ = [
    "DRAIN_SCOPE",
    "Move",
    "drained_hosts",
    "instances_on",
    "mark_drained",
    "mark_undrained",
    "plan_moves",
]
