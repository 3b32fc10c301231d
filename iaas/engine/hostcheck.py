"""Before an apply touches real hosts: the hosts it creates or changes objects on must pass preflight.

Plans that only delete, and clouds of simulated hosts only, skip it.  When a
plan cannot even be made (placement finds no reachable host), the unreachable
hosts are named by :func:`explain_unreachable`.
"""

from __future__ import annotations

from iaas.cloud import Cloud
from iaas.cloud.hostcheck import Write, check_writes
from iaas.cloud.hostcheck import needs_of as _needs_of
from iaas.cloud.preflight import Need, PreflightError, preflight
from iaas.engine.plan import Plan, ResourceChange

_WRITES = ("create", "update", "migrate", "replace")


def _host_of(change: ResourceChange) -> str | None:
    host = change.planned.get("host") or (change.after or {}).get("host") or change.outputs.get("host")
    return host if isinstance(host, str) and host else None


def writes_of(plan: Plan) -> list[Write]:
    """The objects the plan creates or changes, with their host when it is known."""
    return [
        Write(c.kind, c.action, dict(c.after or {}), _host_of(c)) for c in plan.changes.values() if c.action in _WRITES
    ]


def needs_of(cloud: Cloud, plan: Plan) -> dict[str, Need]:
    """The real hosts the plan creates or changes objects on, with what new guests ask of each."""
    return _needs_of(cloud, writes_of(plan))


def check_hosts(cloud: Cloud, plan: Plan) -> None:
    """Raise :class:`PreflightError` when a real host the plan writes to cannot take the work."""
    check_writes(cloud, writes_of(plan))


def explain_unreachable(cloud: Cloud) -> None:
    """Raise :class:`PreflightError` naming every real host whose libvirtd does not answer."""
    real = sorted(cloud.real_hosts)
    problems = [p for p in preflight(cloud, real) if p.check == "reachable"] if real else []
    if problems:
        raise PreflightError(problems)
