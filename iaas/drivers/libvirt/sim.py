"""A simulated host that outlives the process.

libvirt's test driver keeps its objects in memory only.  A :class:`SimStore`
is a small SQLite file holding the XML and run state of every object a
simulated host has; each change the host makes is written to it at once, in
its own transaction.  When the host connects, :func:`node_xml` turns the store
into a test-driver *node file* (the document ``test:///path/to/file.xml``
loads) so the new process finds every domain, network, pool and volume as it
was left, with the same UUIDs, metadata, run states and capacities.

Node file format (libvirt's test driver)::

    <node>
      <cpu><nodes/><sockets/><cores/><threads/><active/><mhz/><model/></cpu>
      <memory>KiB</memory>
      <domain type='test'> ... <test:runstate xmlns:test="...">5</test:runstate></domain>
      <network> ... </network>                     (always loaded active)
      <pool type='dir'> ... <volume> ... </volume></pool>   (loaded active)
    </node>

``test:runstate`` takes libvirt's numeric domain state (1 running, 3 paused,
5 shut off); without it a domain is loaded running.  Pool capacity is fixed
by the test driver (100 GiB); pool allocation is the sum of its volumes'.
Domain, network and pool autostart flags, inactive networks and domain snapshots are
not expressible in the file: the host applies them right after connecting (snapshots
are defined again from their stored XML, oldest first).  Running guests are loaded
transient (``<test:transient/>``, no copy of their definition) and made persistent
again from their stored XML in the background; a change waits until that is done.

Several processes may share one store: each writes only the objects it
changes, but a process does not see objects another process creates after it
connected.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Collection, Iterable
from pathlib import Path

import attrs

from iaas.files import private_database

#: XML namespace of the test driver's per-domain extras.
TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
#: Domain states as the test driver's ``runstate`` element spells them.
RUNSTATE = {"running": 1, "paused": 3, "shutoff": 5}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    type TEXT NOT NULL,           -- domain | network | pool | volume | snapshot
    parent TEXT NOT NULL DEFAULT '',  -- the pool of a volume, the domain uuid of a snapshot
    name TEXT NOT NULL,           -- uuid of a domain or network, name of a pool or volume
    xml TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '',   -- running/paused/shutoff, active/inactive
    autostart INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (type, parent, name)
)
"""


@attrs.frozen
class StoredObject:
    """One row of the store."""

    type: str
    parent: str
    name: str
    xml: str
    state: str
    autostart: bool


class SimStore:
    """The SQLite file behind one persistent simulated host.

    Safe to use from several threads; every write is its own transaction.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        private_database(self.path)  # guests' definitions may carry what users put in them
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        with self._lock:
            self._db.execute(_SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        """The open database (opened again after :meth:`close`); call with the lock held."""
        if self._conn is None:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA busy_timeout = 10000")
            # WAL with synchronous=NORMAL: a commit survives a crash of the process (what the engine's
            # crash safety needs); only a power loss may lose the last commits, as with a real host's disk.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._conn = db
        return self._conn

    def put(
        self, type: str, name: str, xml: str, *, state: str = "", autostart: bool = False, parent: str = ""
    ) -> None:
        """Insert or replace one object."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO objects (type, parent, name, xml, state, autostart) VALUES (?, ?, ?, ?, ?, ?)",
                (type, parent, name, xml, state, int(autostart)),
            )

    def delete(self, type: str, name: str, *, parent: str = "") -> None:
        """Remove one object; nothing happens if it is absent."""
        with self._lock:
            self._db.execute("DELETE FROM objects WHERE type = ? AND parent = ? AND name = ?", (type, parent, name))

    def delete_children(self, type: str, parent: str) -> None:
        """Remove every object of ``type`` under ``parent`` (the snapshots of a domain)."""
        with self._lock:
            self._db.execute("DELETE FROM objects WHERE type = ? AND parent = ?", (type, parent))

    def objects(self, type: str | None = None) -> list[StoredObject]:
        """Every stored object (of one type when given), in a stable order."""
        sql = "SELECT type, parent, name, xml, state, autostart FROM objects"
        args: tuple[str, ...] = ()
        if type is not None:
            sql, args = sql + " WHERE type = ?", (type,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY type, parent, name", args).fetchall()
        return [StoredObject(t, p, n, x, s, bool(a)) for t, p, n, x, s, a in rows]

    def close(self) -> None:
        """Close the database file (the next call opens it again)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _splice(xml: str, closing: str, inner: str) -> str:
    """Insert ``inner`` just before the final ``closing`` tag of ``xml``."""
    body = xml.rstrip()
    if not body.endswith(closing):
        raise ValueError(f"stored XML does not end with {closing}")
    return body[: -len(closing)] + inner + closing


def _domain(obj: StoredObject, transient: bool) -> str:
    runstate = RUNSTATE.get(obj.state, RUNSTATE["shutoff"])
    extra = f'<test:runstate xmlns:test="{TEST_NS}">{runstate}</test:runstate>\n'
    if transient:
        extra += f'<test:transient xmlns:test="{TEST_NS}"/>\n'
    return _splice(obj.xml, "</domain>", extra)


def loaded_transient(objects: list[StoredObject]) -> dict[str, StoredObject]:
    """The running guests a node file may load as transient, by UUID: those without snapshots.

    The test driver starts a running guest of a node file by copying its definition (a parse and a format, half
    the time it takes to load a host); a transient guest is started without the copy.  Defining it again from its
    stored XML (and setting its autostart flag, which a transient guest cannot have) makes it as it was, without
    stopping it.
    """
    with_snapshots = {o.parent for o in objects if o.type == "snapshot"}
    return {o.name: o for o in objects if o.type == "domain" and o.state == "running" and o.name not in with_snapshots}


def _pool(obj: StoredObject, volumes: Iterable[StoredObject]) -> str:
    inner = "".join(v.xml.rstrip() + "\n" for v in volumes if v.parent == obj.name)
    return _splice(obj.xml, "</pool>", inner)


def node_xml(
    objects: list[StoredObject], *, cpus: int, memory_mib: int, arch: str, transient: Collection[str] = ()
) -> str:
    """The test-driver node document for a host of this size holding ``objects`` (the domains whose UUIDs are in
    ``transient`` loaded as transient guests: see :func:`loaded_transient`)."""
    by_type: dict[str, list[StoredObject]] = {}
    for obj in objects:
        by_type.setdefault(obj.type, []).append(obj)
    parts = [
        "<node>",
        f"<cpu><nodes>1</nodes><sockets>1</sockets><cores>{cpus}</cores><threads>1</threads>"
        f"<active>{cpus}</active><mhz>2000</mhz><model>{arch}</model></cpu>",
        f"<memory>{memory_mib * 1024}</memory>",
    ]
    parts += [o.xml.rstrip() for o in by_type.get("network", [])]
    parts += [_pool(o, by_type.get("volume", [])) for o in by_type.get("pool", [])]
    parts += [_domain(o, o.name in transient) for o in by_type.get("domain", [])]
    parts.append("</node>\n")
    return "\n".join(parts)


def write_node_file(
    objects: list[StoredObject], *, cpus: int, memory_mib: int, arch: str, transient: Collection[str] = ()
) -> Path:
    """Write a node document to a new temporary file and return its path.

    The caller removes the file once the test driver has loaded it.
    """
    fd, name = tempfile.mkstemp(prefix="iaas-sim-", suffix=".xml")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(node_xml(objects, cpus=cpus, memory_mib=memory_mib, arch=arch, transient=transient))
    return Path(name)
