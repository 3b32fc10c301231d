"""Look libvirt objects up by UUID or name; absent objects are None, not errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import libvirt

T = TypeVar("T")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_ABSENT = frozenset(
    {
        libvirt.VIR_ERR_NO_DOMAIN,
        libvirt.VIR_ERR_NO_NETWORK,
        libvirt.VIR_ERR_NO_STORAGE_POOL,
        libvirt.VIR_ERR_NO_STORAGE_VOL,
        libvirt.VIR_ERR_NO_NWFILTER,
    }
)


def is_uuid(ref: str) -> bool:
    """Tell whether a reference looks like a UUID (otherwise it is taken as a name)."""
    return bool(_UUID.match(ref))


def absent(exc: libvirt.libvirtError) -> bool:
    """Tell whether a libvirt error says the object does not exist."""
    return exc.get_error_code() in _ABSENT


def unless_gone(fn: Callable[[], T]) -> T | None:
    """Run ``fn``; None if the object it reads was deleted meanwhile (by another client)."""
    return _maybe(fn)


def _maybe(fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except libvirt.libvirtError as exc:
        if absent(exc):
            return None
        raise


def domain(conn: libvirt.virConnect, ref: str) -> libvirt.virDomain | None:
    """The domain with this UUID or name, or None."""
    if is_uuid(ref):
        found = _maybe(lambda: conn.lookupByUUIDString(ref))
        if found is not None:
            return found
    return _maybe(lambda: conn.lookupByName(ref))


def network(conn: libvirt.virConnect, ref: str) -> libvirt.virNetwork | None:
    """The network with this UUID or name, or None."""
    if is_uuid(ref):
        found = _maybe(lambda: conn.networkLookupByUUIDString(ref))
        if found is not None:
            return found
    return _maybe(lambda: conn.networkLookupByName(ref))


def pool(conn: libvirt.virConnect, name: str) -> libvirt.virStoragePool | None:
    """The storage pool with this name, or None."""
    return _maybe(lambda: conn.storagePoolLookupByName(name))


def volume(pool: libvirt.virStoragePool, name: str) -> libvirt.virStorageVol | None:
    """The volume with this name in a pool, or None."""
    return _maybe(lambda: pool.storageVolLookupByName(name))
