"""Floating addresses: the pools the cloud config declares, and admission's rule that each is held once.

A host entry's ``floating_pool`` is the IPv4 block the host answers for on its
external interface.  A floating IP attached to an instance takes (or keeps) an
address of the pool of the instance's host; one that is attached to nothing
may take one from any pool.  Each address is a claim of scope
:data:`SCOPE`, keyed by the address, so two objects of the cloud (of any
stacks) never hold the same one, however the pools of the hosts overlap.
Blocks of four addresses or more leave out their first and last address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaas.errors import FieldError

if TYPE_CHECKING:
    from iaas.cloud.admission import Admission, Resolver, Subject
    from iaas.cloud.cloud import Cloud

SCOPE = "floating_ip"  # claims of floating addresses, keyed by the address


def pools(cloud: Cloud) -> dict[str, ipaddress.IPv4Network]:
    """Each host's floating pool, by host name, in the config's order (hosts without one are left out)."""
    return {
        name: ipaddress.IPv4Network(hc.floating_pool) for name, hc in cloud.host_configs.items() if hc.floating_pool
    }


def usable(pool: ipaddress.IPv4Network) -> Iterator[ipaddress.IPv4Address]:
    """The addresses a pool hands out, in order."""
    return pool.hosts() if pool.num_addresses >= 4 else iter(pool)


def held(cloud: Cloud, owner: str) -> str | None:
    """The floating address ``owner`` holds, if any."""
    keys = cloud.inventory.claimed(owner, SCOPE)
    return keys[0] if keys else None


def _candidates(cloud: Cloud, host: str | None) -> dict[str, ipaddress.IPv4Network]:
    every = pools(cloud)
    return {host: every[host]} if host in every else {} if host else every


def _where(host: str | None) -> str:
    return f"the floating pool of host {host}" if host else "any floating pool of the cloud"


def admit(admission: Admission, s: Subject, resolve: Resolver) -> list[FieldError]:
    """Take the floating address of ``s``: the one it asks for, the one it holds, else the first free one."""
    if s.kind != "floating_ip":
        return []
    cloud, store = admission.cloud, admission.store
    given = s.inputs.get("instance")
    instance = resolve("instance", given) if given else None
    host = instance.host if instance is not None else None
    candidates = _candidates(cloud, host)
    if not pools(cloud):
        why = "the cloud config gives no host a floating_pool (see docs/operations/floating-ips.md)"
        return [FieldError(s.address, "ip_address", why)]
    if not candidates:
        why = f"instance {instance.label if instance else given} runs on host {host}, which has no floating_pool"
        return [FieldError(s.address, "instance", why)]
    wanted = s.inputs.get("ip_address")
    if isinstance(wanted, str):
        return _take(admission, s, wanted, candidates, host)
    keep = held(cloud, s.owner)
    if keep is not None:
        field = "instance" if host else "ip_address"
        return _take(admission, s, keep, candidates, host, field=field)
    for pool in candidates.values():
        for address in usable(pool):
            if store.claim(SCOPE, str(address), s.owner, s.label) is None:
                return []
    shown = ", ".join(str(p) for p in dict.fromkeys(candidates.values()))
    return [FieldError(s.address, "ip_address", f"every address of {_where(host)} ({shown}) is taken")]


def _take(
    admission: Admission,
    s: Subject,
    wanted: str,
    candidates: dict[str, ipaddress.IPv4Network],
    host: str | None,
    *,
    field: str = "ip_address",
) -> list[FieldError]:
    """Claim ``wanted`` for ``s`` when it is an address of the candidate pools and nobody else holds it."""
    from iaas.cloud.subjects import ClaimProblem

    try:
        address = ipaddress.IPv4Address(wanted)
    except ValueError:
        return []  # the field's own check reports it
    if not any(hands_out(pool, address) for pool in candidates.values()):
        shown = ", ".join(str(p) for p in dict.fromkeys(candidates.values()))
        return [FieldError(s.address, field, f"{wanted} is not an address of {_where(host)} ({shown})")]
    holder = admission.store.claim(SCOPE, wanted, s.owner, s.label)
    if holder is not None:
        return [ClaimProblem(s.address, field, f"floating address {wanted} is already held by {holder.label}")]
    admission.store.release_claims(s.owner, SCOPE, {wanted})
    return []


def hands_out(pool: ipaddress.IPv4Network, address: ipaddress.IPv4Address) -> bool:
    """Whether ``address`` is one the pool hands out (see :func:`usable`)."""
    edge = pool.num_addresses >= 4 and address in (pool.network_address, pool.broadcast_address)
    return address in pool and not edge


def value_of(inputs: dict[str, Any], cloud: Cloud, owner: str) -> str | None:
    """The address a floating IP has: the one asked for, else the one admission took for it."""
    wanted = inputs.get("ip_address")
    return wanted if isinstance(wanted, str) else held(cloud, owner)
