"""Bulk reads: within a session, each object of a host is read once, from one listing per object type.

A refresh reads every object of a stack.  One at a time, each instance cost a lookup of its domain, of each of its
networks and of its root volume, and each network was read again for every instance on it.  Within
:meth:`BulkReads.bulk_reads`, the host lists its domains, networks, a pool's volumes and a network's DHCP leases
once, and what was read of an object (its info) is kept for the session.  A change made through the host clears
what was kept, so a session never answers from before a change of its own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import libvirt

from iaas.drivers.libvirt import _lookup

T = TypeVar("T")

#: Operations that only read: they leave a bulk-read session's cache in place.
READ_OPERATIONS = ("read ", "list ", "find ")


def _index(objects: Iterable[Any], keys: Callable[[Any], Iterable[str]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for obj in objects:
        for key in keys(obj):
            table.setdefault(key, obj)
    return table


class BulkReads:
    """The session cache of a host (mixed into its connection)."""

    def _init_bulk(self) -> None:
        self._bulk: dict[Hashable, Any] | None = None
        self._bulk_depth = 0
        self._bulk_lock = threading.Lock()

    @contextlib.contextmanager
    def bulk_reads(self) -> Iterator[None]:
        """Read each object at most once until the block ends (sessions nest; changes clear the cache)."""
        with self._bulk_lock:
            self._bulk_depth += 1
            if self._bulk is None:
                self._bulk = {}
        try:
            yield
        finally:
            with self._bulk_lock:
                self._bulk_depth -= 1
                if self._bulk_depth == 0:
                    self._bulk = None

    def _changed(self, operation: str) -> None:
        """Forget what a session read, before an operation that may change the host."""
        if self._bulk is not None and not operation.startswith(READ_OPERATIONS):
            with self._bulk_lock:
                if self._bulk is not None:
                    self._bulk = {}

    def _once(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()``, or within a session what it gave the first time.

        Threads that ask for the same key while it is being read wait for that one read (a refresh reads a
        host's objects from several threads: each would otherwise list the same leases or domains again).
        """
        cache = self._bulk
        if cache is None:
            return read()
        with self._bulk_lock:
            found: Future[T] | None = cache.get(key)
            if found is None:
                entry: Future[T] = Future()
                cache[key] = entry
        if found is not None:
            return found.result()
        try:
            value = read()
        except BaseException as exc:
            with self._bulk_lock:
                if cache.get(key) is entry:
                    del cache[key]  # a later call reads again
            entry.set_exception(exc)
            raise
        entry.set_result(value)
        return value

    def _bulk_domain(self, conn: libvirt.virConnect, ref: str) -> libvirt.virDomain | None:
        """The domain by UUID or name; within a session from one listing of all domains."""
        return self._listed(conn, "domains", ref, lambda: conn.listAllDomains(0), _lookup.domain)

    def _bulk_network(self, conn: libvirt.virConnect, ref: str) -> libvirt.virNetwork | None:
        """The network by UUID or name; within a session from one listing of all networks."""
        return self._listed(conn, "networks", ref, lambda: conn.listAllNetworks(0), _lookup.network)

    def _listed(
        self,
        conn: libvirt.virConnect,
        what: str,
        ref: str,
        listing: Callable[[], list[Any]],
        lookup: Callable[[libvirt.virConnect, str], Any],
    ) -> Any:
        """An object by UUID or name: from the session's one ``listing`` of its type, else looked up alone."""
        if self._bulk is None:
            return lookup(conn, ref)
        table = self._once((id(conn), what), lambda: _index(listing(), lambda o: (o.UUIDString(), o.name())))
        return table.get(ref) or table.get(ref.lower()) or lookup(conn, ref)

    def _bulk_volume(
        self, conn: libvirt.virConnect, pool: str, name: str
    ) -> tuple[libvirt.virStoragePool | None, libvirt.virStorageVol | None]:
        """A pool and one of its volumes; within a session from one listing of the pool's volumes."""
        if self._bulk is None:
            lv_pool = _lookup.pool(conn, pool)
            return lv_pool, _lookup.volume(lv_pool, name) if lv_pool is not None else None
        lv_pool = self._once((id(conn), "pool", pool), lambda: _lookup.pool(conn, pool))
        if lv_pool is None:
            return None, None
        table = self._once(
            (id(conn), "volumes", pool), lambda: _index(lv_pool.listAllVolumes(0), lambda v: (v.name(),))
        )
        return lv_pool, table.get(name) or _lookup.volume(lv_pool, name)

    def _bulk_leases(self, conn: libvirt.virConnect, network: str) -> list[dict[str, Any]]:
        """The DHCP leases of a network (none when it is gone), listed once per session."""
        net = self._bulk_network(conn, network)
        if net is None:
            return []
        return self._once((id(conn), "leases", net.UUIDString()), lambda: list(net.DHCPLeases() or []))
