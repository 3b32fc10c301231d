"""Before a write touches real hosts: the hosts it creates or changes objects on must pass preflight.

One rule for the engine's apply and for every face's create and update.
Deletes and simulated hosts skip it.  A write whose host is not known yet
may touch any real host; an unreachable host does not stop it (the scheduler
passes over such a host, and an image reaches it when it is first needed
there) unless no real host is reachable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.preflight import Need, PreflightError, preflight
from iaas.model import Instance

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

log = logging.getLogger(__name__)


@attrs.frozen
class Write:
    """One object a change creates (``create``, ``replace``) or changes in place (``update``)."""

    kind: str
    action: str
    inputs: dict[str, Any]
    host: str | None = None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _links(write: Write) -> frozenset[tuple[str, str]]:
    """The host bridge or interface a provider network's write needs."""
    mode = write.inputs.get("mode")
    key = {"bridge": "bridge", "macvtap": "interface"}.get(str(mode)) if write.kind == "network" else None
    value = write.inputs.get(key) if key else None
    return frozenset({(key, value)}) if key and isinstance(value, str) and value else frozenset()


def needs_of(cloud: Cloud, writes: Iterable[Write]) -> dict[str, Need]:
    """The real hosts the writes touch, with what new guests ask of each."""
    real = sorted(cloud.real_hosts)
    needs: dict[str, Need] = {}
    if not real:
        return needs
    for w in writes:
        vcpus = memory = 0
        if w.kind == "instance" and w.action in ("create", "replace"):
            sizes = Instance.normalize(dict(w.inputs))
            vcpus, memory = _int(sizes.get("vcpus")), _int(sizes.get("memory_mib"))
        links = _links(w)
        for name in ([w.host] if w.host in real else []) if w.host else real:
            had = needs.get(name, Need())
            needs[name] = Need(max(had.vcpus, vcpus), had.memory_mib + memory, had.links | links)
    return needs


def check_writes(cloud: Cloud, writes: Iterable[Write]) -> None:
    """Raise :class:`PreflightError` when a real host the writes touch cannot take the work."""
    writes = list(writes)
    needs = needs_of(cloud, writes)
    if not needs:
        return
    problems = preflight(cloud, sorted(needs), needs)
    named = {w.host for w in writes if w.host}
    passed = [p for p in problems if p.check == "reachable" and p.host not in named]
    if passed and len({p.host for p in passed}) < len(needs):
        for p in passed:
            log.warning("%s (no write of this apply is bound to it: going on without it)", p)
        problems = [p for p in problems if p not in passed]
    if problems:
        raise PreflightError(problems)


__all__ = ["Write", "check_writes", "needs_of"]
