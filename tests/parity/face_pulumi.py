"""The Pulumi face: one provider plugin process driven over gRPC as the engine drives it during ``pulumi up``.

Per case, the engine's preview registers each resource in order (Check, then Create with ``preview``); only when
every step passed does it create the resources for real.  A change case is created, then checked and diffed against
its edit.
"""

from __future__ import annotations

from typing import Any

import grpc
from pulumi.runtime import proto

from tests.parity.cases import Case, Item, world_objects
from tests.parity.faces import Face, Outcome, bad_cases, change_cases, changed_stack, extra_objects
from tests.parity.translate import address, pulumi_inputs
from tests.pulumi.harness import UNKNOWN, Plugin, urn


def register(plugin: Plugin, item: Item, ids: dict[str, Any], preview: bool) -> tuple[str | None, Any, Any]:
    """Check and create one resource: (error text, id, checked inputs)."""
    kind, name, _ = item
    checked, failures = plugin.check(kind, name, pulumi_inputs(item, ids))
    if failures:
        return f"{urn(kind, name)}: " + "; ".join(f"{p}: {r}" for p, r in failures), None, checked
    try:
        id, _ = plugin.create(kind, name, checked, preview=preview)
    except grpc.RpcError as exc:
        return f"{urn(kind, name)}: {exc.details()}", None, checked
    return None, (UNKNOWN if preview else id), checked


def up(plugin: Plugin, items: tuple[Item, ...]) -> str | None:
    """``pulumi up`` of a program registering ``items``: its first error, or None after creating them."""
    for preview in (True, False):
        ids: dict[str, Any] = {}
        for item in items:
            error, ids[address(item)], _ = register(plugin, item, ids, preview)
            if error is not None:
                return error
    return None


def diff_action(plugin: Plugin, item: Item, edited: Item, ids: dict[str, Any]) -> str:
    """Create ``item``, then the action of the engine's diff for ``edited``."""
    kind, name, _ = item
    checked, failures = plugin.check(kind, name, pulumi_inputs(item, ids))
    assert failures == [], failures
    id, props = plugin.create(kind, name, checked)
    news, failures = plugin.check(kind, name, pulumi_inputs(edited, ids), checked)
    assert failures == [], failures
    d = plugin.diff(kind, name, id, props, news)
    if d.changes != proto.DiffResponse.DIFF_SOME:
        return "noop"
    return "replace" if list(d.replaces) else "update"


def run_pulumi(face: Face) -> dict[str, Outcome]:
    """Every case through one plugin process configured with a copy of the world."""
    out: dict[str, Outcome] = {}
    home = face.world / "home"
    world = world_objects(home)
    plugin = Plugin(face.world)
    try:
        plugin.configure({"home": str(home)})
        bad = bad_cases("pulumi")
        for case in bad:
            out[case.id] = Outcome(up(plugin, case.stack))
        extra = extra_objects(home, world)
        for case in bad:
            out[case.id].touched = [o for o in extra if o[1] in {x[1] for x in case.stack}]
        for case in change_cases("pulumi"):
            assert len(case.stack) == 1
            out[case.id] = Outcome(action=diff_action(plugin, case.stack[0], changed_stack(case)[0], {}))
    finally:
        plugin.close()
    return out


def case_urn(case: Case, addr: str) -> str:
    """The URN of the core address ``addr``."""
    kind, name = addr.split(".", 1)
    return urn(kind, name)
