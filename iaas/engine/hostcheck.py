"""Before an apply touches real hosts: the hosts it creates or changes objects on must pass preflight.

Plans that only delete, and clouds of simulated hosts only, skip it.  When a
plan cannot even be made (placement finds no reachable host), the unreachable
hosts are named by :func:`explain_unreachable`.
"""

from __future__ import annotations

from typing import Any

from iaas.cloud import Cloud
from iaas.cloud.preflight import Need, PreflightError, preflight
from iaas.engine.plan import Plan, ResourceChange
from iaas.model import Instance

_WRITES = ("create", "update", "replace")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _hosts_of(change: ResourceChange, real: list[str]) -> list[str]:
    """The real hosts a change may touch: its host when known, else every real host."""
    host = change.planned.get("host") or (change.after or {}).get("host") or change.outputs.get("host")
    if isinstance(host, str) and host:
        return [host] if host in real else []
    return real


def needs_of(cloud: Cloud, plan: Plan) -> dict[str, Need]:
    """The real hosts the plan creates or changes objects on, with what new guests ask of each."""
    real = sorted(n for n, h in cloud.hosts.items() if not h.simulated)
    needs: dict[str, Need] = {}
    if not real:
        return needs
    for change in plan.changes.values():
        if change.action not in _WRITES:
            continue
        vcpus = memory = 0
        if change.kind == "instance" and change.action in ("create", "replace"):
            sizes = Instance.normalize(dict(change.after or {}))
            vcpus, memory = _int(sizes.get("vcpus")), _int(sizes.get("memory_mib"))
        for name in _hosts_of(change, real):
            had = needs.get(name, Need())
            needs[name] = Need(max(had.vcpus, vcpus), had.memory_mib + memory)
    return needs


def check_hosts(cloud: Cloud, plan: Plan) -> None:
    """Raise :class:`PreflightError` when a real host the plan writes to cannot take the work."""
    needs = needs_of(cloud, plan)
    if not needs:
        return
    problems = preflight(cloud, sorted(needs), needs)
    if problems:
        raise PreflightError(problems)


def explain_unreachable(cloud: Cloud) -> None:
    """Raise :class:`PreflightError` naming every real host whose libvirtd does not answer."""
    real = sorted(n for n, h in cloud.hosts.items() if not h.simulated)
    problems = [p for p in preflight(cloud, real) if p.check == "reachable"] if real else []
    if problems:
        raise PreflightError(problems)
