"""One connection to one libvirt host: opening, error wrapping, reconnecting.

The object primitives (domains, networks, storage) build on
:class:`Connection`; users see it as :class:`iaas.drivers.libvirt.host.Host`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sqlite3
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import attrs
import libvirt

from iaas.drivers.libvirt import _eventloop
from iaas.drivers.libvirt._bulk import READ_OPERATIONS, BulkReads
from iaas.drivers.libvirt._opening import Opener, hung
from iaas.drivers.libvirt._parsecache import ParseCache
from iaas.drivers.libvirt.readback import guest_domain_types
from iaas.drivers.libvirt.sim import SimStore, StoredObject, loaded_transient, write_node_file
from iaas.drivers.libvirt.uri import DEFAULT_TIMEOUT, on_this_machine, simulated_uri
from iaas.errors import HostError

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Error codes that may mean the connection itself broke.
_BROKEN_CODES = frozenset({libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_NO_CONNECT})
#: Architectures whose hardware KVM comes from the kvm_intel or kvm_amd module.
_X86_ARCHES = frozenset({"x86_64", "i686"})


@attrs.frozen
class _NodeFile:
    """A simulated host's node file, written from its store: the objects it holds, the guests loaded transient."""

    path: Path
    objects: list[StoredObject]
    transient: dict[str, StoredObject]


def _created(snapshot_xml: str) -> int:
    """The creation time a stored snapshot's XML records (0 when it says none)."""
    text = ET.fromstring(snapshot_xml).findtext("creationTime") or "0"
    return int(text) if text.isdigit() else 0


def _silence(_ctx: object, _err: object) -> None:
    """Swallow libvirt's own error report; errors reach users as HostError."""


libvirt.registerErrorHandler(_silence, None)


def error_detail(exc: libvirt.libvirtError) -> str:
    """The human part of a libvirt error."""
    return exc.get_error_message() or str(exc)


def error_code(exc: libvirt.libvirtError) -> int | None:
    """The libvirt error code (``VIR_ERR_*``) of an error, if known."""
    code = exc.get_error_code()
    return int(code) if code is not None else None


def _close_quietly(conn: libvirt.virConnect) -> None:
    with contextlib.suppress(libvirt.libvirtError):
        conn.close()


def capability_domain_type(caps_xml: str) -> str:
    """ "kvm" when a host's capabilities XML offers KVM guests of the host's own architecture, else "qemu" (TCG)."""
    return "kvm" if "kvm" in guest_domain_types(caps_xml) else "qemu"


def _no_hardware_kvm_here(caps_xml: str) -> bool:
    """Whether the host is x86 and this machine's kernel has neither the kvm_intel nor the kvm_amd module.

    libvirt offers KVM whenever /dev/kvm exists, but a /dev/kvm from another
    module (e.g. kvm_pvm inside a virtual machine) cannot run stock guest kernels.
    """
    if ET.fromstring(caps_xml).findtext("host/cpu/arch") not in _X86_ARCHES:
        return False
    return not any(os.path.exists(f"/sys/module/{m}") for m in ("kvm_intel", "kvm_amd"))


class Connection(BulkReads):
    """A lazily opened, shared libvirt connection with wrapped errors.

    Calls on a simulated (test driver) host are serialised by one lock, which
    also makes each change and its write to the sim store one step.  Calls on
    real hosts run concurrently (libvirt connections are thread-safe).
    """

    def __init__(
        self,
        name: str,
        uri: str,
        *,
        sim_store: str | os.PathLike[str] | None = None,
        sim_cpus: int = 64,
        sim_memory_mib: int = 256 * 1024,
        domain_type: str | None = None,
        remote: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.name = name
        self.timeout = timeout  # seconds a real host may leave a call unanswered
        self.uri = uri
        self._scheme = urlsplit(uri).scheme
        if sim_store is not None and not self.simulated:
            raise ValueError(f"host {name!r}: sim_store needs a test:// URI, not {uri!r}")
        self._store = SimStore(sim_store) if sim_store is not None else None
        self._generate = self.simulated and (self._store is not None or uri == "test:///default")
        self._sim_cpus = sim_cpus
        self._sim_memory_mib = sim_memory_mib
        self._domain_type = domain_type
        self._remote = remote  # None: decided from the URI's host name
        self._detected_type: str | None = None  # read from the capabilities of the current connection
        self._conn: libvirt.virConnect | None = None
        self._conn_lock = threading.Lock()
        self._op_lock = threading.RLock()
        self._opener = Opener(name, uri, timeout)
        self._ahead_error: HostError | None = None  # what opening ahead met, for the first call to report
        self._parsed = ParseCache(name, uri)
        self._persisting: threading.Thread | None = None  # defines the guests loaded transient again
        self._persist_error: str | None = None
        self._autostart_pending: frozenset[str] = frozenset()
        self._persist_stop = threading.Event()  # closing: the definitions are in the store, persisting may stop
        self._init_bulk()

    # --- properties ---------------------------------------------------------

    @property
    def simulated(self) -> bool:
        """True for libvirt's in-process test driver (``test://`` URIs)."""
        return simulated_uri(self.uri)

    @property
    def sim_store_path(self) -> Path | None:
        """The sim store file of a persistent simulated host, else None."""
        return self._store.path if self._store is not None else None

    @property
    def domain_type(self) -> str:
        """The ``<domain type>`` guests get here: "kvm", "qemu" (TCG) or "test".

        Unless given to the constructor, a QEMU host's is read from its
        capabilities (this opens the connection; failures raise
        :class:`HostError`) and kept until the connection is reopened.
        """
        if self._domain_type is not None:
            return self._domain_type
        base = self._scheme.split("+", 1)[0]
        if base != "qemu":
            return base  # "test", or another libvirt driver's own type
        detected = self._detected_type
        if detected is None:
            detected = self._call("read capabilities", self._detect_domain_type)
        return detected

    def _detect_domain_type(self, conn: libvirt.virConnect) -> str:
        caps = str(conn.getCapabilities())
        detected = capability_domain_type(caps)
        here = on_this_machine(self.uri) if self._remote is None else not self._remote
        if detected == "kvm" and here and _no_hardware_kvm_here(caps):
            detected = "qemu"
        with self._conn_lock:
            if conn is self._conn:  # not from a connection replaced meanwhile
                self._detected_type = detected
        return detected

    # --- calls --------------------------------------------------------------

    def _exclusive(self) -> contextlib.AbstractContextManager[object]:
        return self._op_lock if self.simulated else contextlib.nullcontext()

    def _call(self, operation: str, fn: Callable[[libvirt.virConnect], T]) -> T:
        """Run ``fn(connection)``; wrap every libvirt error as :class:`HostError`.

        If the connection turns out to be broken, it is reopened and ``fn`` is
        run once more, so ``fn`` must look objects up afresh and be safe to
        repeat.
        """
        self._changed(operation)
        try:
            return self._call_once(operation, fn)
        finally:
            self._changed(operation)

    def _call_once(self, operation: str, fn: Callable[[libvirt.virConnect], T]) -> T:
        with self._exclusive():
            conn = self._connection()
            if self._persisting is not None and not operation.startswith(READ_OPERATIONS):
                self._settle()
            try:
                return self._run(operation, fn, conn)
            except libvirt.libvirtError as exc:
                if not self._broken(conn, exc):
                    raise HostError(self.name, operation, error_detail(exc)) from None
                if "keepalive" in error_detail(exc):  # the daemon stopped answering: reopening would wait again
                    self._reconnect(conn, reopen=False)
                    raise hung(self.name, operation, self.timeout) from None
                log.warning("host %s: connection lost during %s; reconnecting", self.name, operation)
            conn = self._reconnect(conn)
            try:
                return self._run(operation, fn, conn)
            except libvirt.libvirtError as exc:
                raise HostError(self.name, operation, error_detail(exc)) from None

    def _run(self, operation: str, fn: Callable[[libvirt.virConnect], T], conn: libvirt.virConnect) -> T:
        try:
            return fn(conn)
        except sqlite3.Error as exc:
            raise HostError(self.name, operation, f"simulated host store: {exc}") from None

    def _broken(self, conn: libvirt.virConnect, exc: libvirt.libvirtError) -> bool:
        if error_code(exc) not in _BROKEN_CODES:
            return False
        return not self._alive(conn)

    def _alive(self, conn: libvirt.virConnect) -> bool:
        try:
            return bool(conn.isAlive())
        except libvirt.libvirtError:
            return False

    # --- opening and closing -------------------------------------------------

    def connect_ahead(self) -> None:
        """Start opening the connection in the background, so that the first call finds it open.

        A command knows early which hosts it will ask; opening a simulated host loads every guest it keeps, and
        a remote one waits on the network, while the command reads its files.  A call made before the opening
        ends waits for it; an opening that failed is reported by the first call, not tried again by it.
        """
        with self._conn_lock:
            if self._conn is not None or self._ahead_error is not None:
                return
            node = None
            if self._generate:  # written here: Python work in a thread would wait on this one's at every row
                try:
                    node = self._node_file()
                except HostError as exc:
                    self._ahead_error = exc
                    return
        threading.Thread(target=self._open_ahead, args=(node,), name=f"connect {self.name}", daemon=True).start()

    def _open_ahead(self, node: _NodeFile | None) -> None:
        with self._conn_lock:
            if self._conn is None and self._ahead_error is None:
                try:
                    self._conn = self._open(node)
                except HostError as exc:
                    self._ahead_error = exc
                except Exception:  # noqa: BLE001 - the first call opens again and reports it
                    log.debug("host %s: opening ahead failed", self.name, exc_info=True)
                self._detected_type = None
            elif node is not None:
                node.path.unlink(missing_ok=True)

    def _connection(self) -> libvirt.virConnect:
        with self._conn_lock:
            if self._conn is None:
                failed, self._ahead_error = self._ahead_error, None
                if failed is not None:
                    raise failed
                self._conn = self._open()
                self._detected_type = None  # the daemon may have been restarted or reconfigured
            return self._conn

    def _reconnect(self, broken: libvirt.virConnect, *, reopen: bool = True) -> libvirt.virConnect:
        with self._conn_lock:
            stale = self._conn is broken
            if stale:
                self._conn = None
        if stale:  # another thread may have reopened already
            _close_quietly(broken)
        return self._connection() if reopen else broken

    def _open(self, node: _NodeFile | None = None) -> libvirt.virConnect:
        if self._generate:
            return self._open_generated(node or self._node_file())
        if not self.simulated:
            _eventloop.ensure_running()  # keepalive needs it
            return self._opener.open()
        try:
            return libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise HostError(self.name, "connect", error_detail(exc)) from None

    def _node_file(self) -> _NodeFile:
        """The node file of a simulated host from its store (the caller has it loaded, then removed)."""
        try:
            objects = self._store.objects() if self._store is not None else []
            transient = loaded_transient(objects)
            path = write_node_file(
                objects,
                cpus=self._sim_cpus,
                memory_mib=self._sim_memory_mib,
                arch=platform.machine() or "x86_64",
                transient=transient,
            )
        except (ValueError, sqlite3.Error) as exc:
            raise HostError(self.name, "connect", f"simulated host store: {exc}") from None
        return _NodeFile(path, objects, transient)

    def _open_generated(self, node: _NodeFile) -> libvirt.virConnect:
        try:
            conn = libvirt.open(f"test://{node.path}")
        except libvirt.libvirtError as exc:
            raise HostError(self.name, "connect", error_detail(exc)) from None
        finally:
            node.path.unlink(missing_ok=True)
        try:
            self._restore_flags(conn, node.objects, node.transient)
        except libvirt.libvirtError as exc:
            conn.close()
            raise HostError(self.name, "connect", error_detail(exc)) from None
        self._persist_ahead(conn, node.transient)
        return conn

    def _persist_ahead(self, conn: libvirt.virConnect, guests: dict[str, StoredObject]) -> None:
        """Define the guests loaded transient again from their stored XML, and set their autostart flags, in the
        background: reads go on meanwhile (a transient guest reads the same, its autostart flag is read from the
        store: :meth:`_autostart_ahead`), a change waits for it (:meth:`_settle`)."""
        if not guests:
            return
        self._autostart_pending = frozenset(uuid for uuid, obj in guests.items() if obj.autostart)

        def run() -> None:
            for uuid, obj in guests.items():
                if self._persist_stop.is_set():
                    return
                try:
                    dom = conn.defineXML(obj.xml)
                    if obj.autostart:
                        dom.setAutostart(1)
                except libvirt.libvirtError as exc:
                    self._persist_error = f"guest {uuid}: {error_detail(exc)}"
                    return

        self._persisting = threading.Thread(target=run, name=f"persist guests of {self.name}", daemon=True)
        self._persisting.start()

    def _autostart_ahead(self, uuid: str) -> bool:
        """Whether the guest ``uuid``, loaded transient, starts with its host once persistent again (what a
        read tells of it until then)."""
        return self._persisting is not None and uuid in self._autostart_pending

    def _settle(self) -> None:
        """Wait until every guest loaded transient is persistent again (before a change, and before closing)."""
        persisting = self._persisting
        if persisting is None:
            return
        persisting.join()
        self._persisting = None
        failed, self._persist_error = self._persist_error, None
        if failed is not None:
            raise HostError(self.name, "connect", f"simulated host: cannot define again {failed}")

    def _restore_flags(self, conn: libvirt.virConnect, objects: list[StoredObject], transient: Collection[str]) -> None:
        """Apply what the node file cannot say: autostart flags, inactive networks and pools.

        ``objects`` is the snapshot the node file was written from: a second read of the store could hold an
        object that another process added since, which this connection does not have.
        """
        for obj in (o for o in objects if o.type == "network"):
            net = conn.networkLookupByUUIDString(obj.name)
            net.setAutostart(int(obj.autostart))
            if obj.state == "inactive" and net.isActive():
                net.destroy()
        for obj in (o for o in objects if o.type == "domain" and o.name not in transient):  # set when persistent
            if obj.autostart:
                conn.lookupByUUIDString(obj.name).setAutostart(1)
        snapshots = [o for o in objects if o.type == "snapshot"]
        snapshots.sort(key=lambda o: (_created(o.xml), o.name))  # a snapshot's parent is defined before it
        for obj in snapshots:
            dom = conn.lookupByUUIDString(obj.parent)
            dom.snapshotCreateXML(obj.xml, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
        for obj in (o for o in objects if o.type == "pool"):
            pool = conn.storagePoolLookupByName(obj.name)
            pool.setAutostart(int(obj.autostart))
            if obj.state == "inactive" and pool.isActive():
                pool.destroy()

    def close(self) -> None:
        """Close the connection (the next call reopens it) and the sim store.

        A simulated host without a sim store loses its objects on close.
        """
        with self._exclusive(), self._conn_lock:
            self._persist_stop.set()
            with contextlib.suppress(HostError):
                self._settle()
            self._persist_stop.clear()
            conn, self._conn, self._detected_type, self._ahead_error = self._conn, None, None, None
        if conn is not None:
            _close_quietly(conn)
        if self._store is not None:
            self._store.close()
        self._parsed.save()

    # --- sim store -----------------------------------------------------------

    def _save_domain(self, dom: libvirt.virDomain) -> None:
        if self._store is not None:
            state = {libvirt.VIR_DOMAIN_RUNNING: "running", libvirt.VIR_DOMAIN_PAUSED: "paused"}
            self._store.put(
                "domain",
                dom.UUIDString(),
                dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
                state=state.get(dom.state()[0], "shutoff"),
                autostart=bool(dom.autostart()),
            )

    def _save_network(self, net: libvirt.virNetwork, xml: str | None = None) -> None:
        if self._store is not None:
            self._store.put(
                "network",
                net.UUIDString(),
                net.XMLDesc(0) if xml is None else xml,
                state="active" if net.isActive() else "inactive",
                autostart=bool(net.autostart()),
            )

    def _save_pool(self, pool: libvirt.virStoragePool) -> None:
        if self._store is not None:
            self._store.put(
                "pool",
                pool.name(),
                pool.XMLDesc(0),
                state="active" if pool.isActive() else "inactive",
                autostart=bool(pool.autostart()),
            )

    def _save_volume(self, pool: str, vol: libvirt.virStorageVol) -> None:
        if self._store is not None:
            self._store.put("volume", vol.name(), vol.XMLDesc(0), parent=pool)

    def _forget(self, type: str, name: str, *, parent: str = "") -> None:
        if self._store is not None:
            self._store.delete(type, name, parent=parent)
            if type == "domain":  # its snapshots go with it
                self._store.delete_children("snapshot", name)
