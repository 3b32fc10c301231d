"""What the inventory's objects hold: claims, ranges, listeners, counters and reservations (the part of
:class:`iaas.cloud.store.Store` behind the admission's checks; see that module for the tables)."""

from __future__ import annotations

import builtins
import threading
from typing import Any

import attrs


@attrs.frozen
class Holder:
    """Who holds a claim, a range or a listener: the owner's id and how a message names it."""

    owner: str
    label: str


class Holdings:
    """The statements on what objects hold, mixed into :class:`iaas.cloud.store.Store`."""

    _lock: threading.RLock
    given_back: int

    def _sql(self, sql: str, args: tuple[Any, ...] | builtins.list[Any] = ()) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------ claims (call inside a transaction)

    def claim(self, scope: str, key: str, owner: str, label: str) -> Holder | None:
        """Take ``key`` in ``scope`` for ``owner``; the other holder when it is taken (then nothing changes)."""
        row = self._sql("SELECT owner, label FROM claims WHERE scope=? AND key=?", (scope, key)).fetchone()
        if row is not None and row[0] != owner:
            return Holder(row[0], row[1])
        self._sql(
            "INSERT INTO claims (scope, key, owner, label) VALUES (?,?,?,?) "
            "ON CONFLICT (scope, key) DO UPDATE SET label=excluded.label",
            (scope, key, owner, label),
        )
        return None

    def hand_over(self, scope: str, key: str, owner: str, label: str) -> None:
        """Give the claim of ``key`` in ``scope`` to ``owner``, whoever held it."""
        self._sql("UPDATE claims SET owner=?, label=? WHERE scope=? AND key=?", (owner, label, scope, key))

    def claimed(self, owner: str, scope: str) -> builtins.list[str]:
        """The keys ``owner`` holds in ``scope``."""
        with self._lock:
            rows = self._sql("SELECT key FROM claims WHERE owner=? AND scope=? ORDER BY key", (owner, scope)).fetchall()
        return [str(r[0]) for r in rows]

    def taken_among(self, scope: str, keys: builtins.list[str]) -> set[str]:
        """Those of ``keys`` held in ``scope`` (some addresses of one network), in one query."""
        if not keys:
            return set()
        rows = self._sql(
            f"SELECT key FROM claims WHERE scope=? AND key IN ({','.join('?' * len(keys))})", (scope, *keys)
        )
        return {str(r[0]) for r in rows.fetchall()}

    def held_in(self, scope: str) -> builtins.list[tuple[str, str]]:
        """Every (key, label) held in ``scope``, in key order."""
        with self._lock:
            rows = self._sql("SELECT key, label FROM claims WHERE scope=? ORDER BY key", (scope,)).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def unclaim(self, scope: str, key: str) -> None:
        """Drop the claim of ``key`` in ``scope``, whoever holds it."""
        self._gave_back(self._sql("DELETE FROM claims WHERE scope=? AND key=?", (scope, key)))

    def overlapping_range(self, area: str, first: int, last: int, owner: str) -> tuple[Holder, str] | None:
        """A range of another owner in ``area`` that meets [first, last], with its CIDR, or None.

        Ranges in an area never overlap, so the one starting last at or
        before ``last`` is the only candidate: one index lookup.
        """
        row = self._sql(
            "SELECT owner, label, cidr, last_ip FROM ranges WHERE area=? AND first_ip<=? AND owner<>? "
            "ORDER BY first_ip DESC LIMIT 1",
            (area, last, owner),
        ).fetchone()
        if row is not None and row[3] >= first:
            return Holder(row[0], row[1]), row[2]
        return None

    def put_range(self, owner: str, area: str, first: int, last: int, cidr: str, label: str) -> None:
        """Record the range of ``owner`` (replacing its earlier one)."""
        self._sql(
            "INSERT INTO ranges (owner, area, first_ip, last_ip, cidr, label) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (owner) DO UPDATE SET area=excluded.area, first_ip=excluded.first_ip, "
            "last_ip=excluded.last_ip, cidr=excluded.cidr, label=excluded.label",
            (owner, area, first, last, cidr, label),
        )

    def listener(self, area: str, protocol: str, port: int, address: str, owner: str) -> Holder | None:
        """Another owner's listener on that port that clashes with ``address`` (``0.0.0.0`` meets every address)."""
        row = self._sql(
            "SELECT owner, label FROM listeners WHERE area=? AND protocol=? AND port=? AND owner<>? "
            "AND (address=? OR address='0.0.0.0' OR ?='0.0.0.0') LIMIT 1",
            (area, protocol, port, owner, address, address),
        ).fetchone()
        return Holder(row[0], row[1]) if row else None

    def put_listener(self, owner: str, area: str, protocol: str, port: int, address: str, label: str) -> None:
        """Record the listener of ``owner`` (replacing its earlier one)."""
        self._sql(
            "INSERT INTO listeners (owner, area, protocol, port, address, label) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (owner) DO UPDATE SET area=excluded.area, protocol=excluded.protocol, "
            "port=excluded.port, address=excluded.address, label=excluded.label",
            (owner, area, protocol, port, address, label),
        )

    # ------------------------------------------------------------ counters (call inside a transaction)

    def used(self, scope: str, resource: str) -> int:
        """The counter of ``resource`` in ``scope`` (a project's quota use, a host's allocations)."""
        row = self._sql("SELECT used FROM usage WHERE scope=? AND resource=?", (scope, resource)).fetchone()
        return int(row[0]) if row else 0

    def consumption(self, owner: str) -> dict[tuple[str, str], int]:
        """What ``owner`` adds to the counters, by (scope, resource)."""
        rows = self._sql("SELECT scope, resource, amount FROM consumptions WHERE owner=?", (owner,)).fetchall()
        return {(s, r): int(a) for s, r, a in rows}

    def consume(self, owner: str, scope: str, resource: str, amount: int) -> None:
        """Set what ``owner`` adds to one counter (the counter moves by the difference)."""
        before = self.consumption_of(owner, scope, resource)
        if amount == before:
            return
        self._sql(
            "INSERT INTO usage (scope, resource, used) VALUES (?,?,?) "
            "ON CONFLICT (scope, resource) DO UPDATE SET used = usage.used + excluded.used",
            (scope, resource, amount - before),
        )
        if amount:
            self._sql(
                "INSERT INTO consumptions (owner, scope, resource, amount) VALUES (?,?,?,?) "
                "ON CONFLICT (owner, scope, resource) DO UPDATE SET amount=excluded.amount",
                (owner, scope, resource, amount),
            )
        else:
            self._sql("DELETE FROM consumptions WHERE owner=? AND scope=? AND resource=?", (owner, scope, resource))

    def consumption_of(self, owner: str, scope: str, resource: str) -> int:
        """What ``owner`` adds to one counter."""
        row = self._sql(
            "SELECT amount FROM consumptions WHERE owner=? AND scope=? AND resource=?", (owner, scope, resource)
        ).fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------ owners

    def release(self, owner: str) -> None:
        """Drop everything ``owner`` holds: claims, range, listener, counters, reservation."""
        for (scope, resource), amount in self.consumption(owner).items():
            self._sql("UPDATE usage SET used = used - ? WHERE scope=? AND resource=?", (amount, scope, resource))
        for table in ("consumptions", "claims", "ranges", "listeners", "reservations"):
            cursor = self._sql(f"DELETE FROM {table} WHERE owner=?", (owner,))
            if table == "claims":
                self._gave_back(cursor)

    def release_claims(self, owner: str, scope: str, keep: set[str]) -> None:
        """Drop ``owner``'s claims in ``scope`` except ``keep`` (an update that gave some up)."""
        rows = self._sql("SELECT key FROM claims WHERE owner=? AND scope=?", (owner, scope)).fetchall()
        for (key,) in rows:
            if key not in keep:
                self.unclaim(scope, key)

    def _gave_back(self, cursor: Any) -> None:
        """Count claims dropped: what a caller knows of the keys held (the lowest free address of a network)
        holds until the count changes."""
        if cursor.rowcount:
            self.given_back += 1

    def reserve(self, owner: str, stack: str, address: str, label: str, since: float) -> None:
        """Mark ``owner``'s holdings as a reservation: made before its object exists on a host."""
        self._sql(
            "INSERT INTO reservations (owner, stack, address, label, since) VALUES (?,?,?,?,?) "
            "ON CONFLICT (owner) DO NOTHING",
            (owner, stack, address, label, since),
        )

    def reserved_for(self, stack: str, address: str) -> builtins.list[str]:
        """The owners of open reservations for one resource of one stack."""
        rows = self._sql("SELECT owner FROM reservations WHERE stack=? AND address=?", (stack, address)).fetchall()
        return [str(r[0]) for r in rows]

    def confirm(self, owner: str) -> None:
        """``owner``'s object exists: its holdings are no longer a reservation."""
        self._sql("DELETE FROM reservations WHERE owner=?", (owner,))

    def reservations(self) -> builtins.list[tuple[str, str, float]]:
        """Open reservations: (owner, label, since)."""
        with self._lock:
            rows = self._sql("SELECT owner, label, since FROM reservations").fetchall()
        return [(str(o), str(label), float(since)) for o, label, since in rows]
