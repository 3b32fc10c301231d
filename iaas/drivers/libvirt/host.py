"""One libvirt host, with every driver primitive as a method.

Usage::

    host = Host("h1", "qemu:///system")
    host = Host("sim", "test:///default", sim_store="/var/lib/iaas/sim.db")

A ``Host`` opens its connection on first use and keeps it; a connection that
breaks is reopened once, transparently.  Every libvirt failure is raised as
:class:`iaas.errors.HostError` naming the host and the operation; asking to
change an object that does not exist raises :class:`iaas.errors.NotFoundError`.
A ``Host`` may be shared by threads.

URIs:

``qemu:///system``, ``qemu+ssh://host/system``, ...
    a real host.  Guests get ``<domain type='kvm'>`` when the host's
    capabilities offer KVM for its own architecture, else ``qemu`` (TCG).
    This is read on first use of :attr:`domain_type` (opening the
    connection) and read again after a reconnect.  An x86 host on this
    machine (a URI naming no other machine, unless ``remote=True``) gets
    ``qemu`` while this kernel has neither the kvm_intel nor the kvm_amd
    module: a /dev/kvm from another module (e.g. kvm_pvm) cannot run stock
    guest kernels.  Pass ``domain_type=`` to decide otherwise.
    libvirt keepalive is enabled, with libvirt's event loop in a thread.
    ``timeout`` (seconds, default 30) bounds how long the daemon may leave
    a call unanswered: opening the connection waits at most that long, and
    keepalive closes an open connection whose daemon stopped answering
    about that long ago.  Either way the call raises
    :class:`iaas.errors.HostError` naming the host (see
    :mod:`iaas.drivers.libvirt._opening`).
``test:///default``
    a simulated host (libvirt's in-process test driver), empty and roomy:
    ``sim_cpus`` CPUs and ``sim_memory_mib`` memory.  Each ``Host`` gets its
    own.  With ``sim_store`` (a file path) its objects are kept in a small
    SQLite file and come back in the next process; see
    :mod:`iaas.drivers.libvirt.sim`.  Without, they live as long as the
    ``Host`` stays connected.
``test:///path/to/node.xml``
    a simulated host loaded from a test-driver node file, as is.
"""

from __future__ import annotations

from types import TracebackType

import libvirt

from iaas.drivers.libvirt.devices import DeviceOps
from iaas.drivers.libvirt.inventory import InventoryOps
from iaas.drivers.libvirt.networks import NetworkOps
from iaas.drivers.libvirt.nwfilters import NwfilterOps
from iaas.drivers.libvirt.snapshots import SnapshotOps
from iaas.drivers.libvirt.specs import HostInfo
from iaas.drivers.libvirt.storage import StorageOps


class Host(DeviceOps, SnapshotOps, NetworkOps, StorageOps, NwfilterOps, InventoryOps):
    """A libvirt host and the primitives iaas uses on it.

    ``Host(name, uri, *, sim_store=None, sim_cpus=64, sim_memory_mib=262144,
    domain_type=None, remote=None, timeout=30.0)``; see the module documentation.
    """

    def __repr__(self) -> str:
        return f"Host({self.name!r}, {self.uri!r})"

    def __enter__(self) -> Host:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def info(self) -> HostInfo:
        """CPUs, memory, free memory, architecture and guest type of this host.

        The test driver reports no free memory; on a simulated host it is the
        memory not held by running guests.
        """

        domain_type = self.domain_type

        def run(conn: libvirt.virConnect) -> HostInfo:
            arch, memory_mib, cpus = conn.getInfo()[:3]
            if self.simulated:
                used_kib = sum(d.info()[2] for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE))
                free_mib = max(0, memory_mib - used_kib // 1024)
            else:
                free_mib = conn.getFreeMemory() // 2**20
            return HostInfo(
                cpus=cpus, memory_mib=memory_mib, free_memory_mib=free_mib, arch=arch, domain_type=domain_type
            )

        return self._call("read host info", run)

    def capabilities(self) -> str:
        """The host's capabilities XML: the guest architectures and domain types it can run."""
        return self._call("read capabilities", lambda conn: str(conn.getCapabilities()))

    def domain_capabilities(
        self, arch: str | None = None, domain_type: str | None = None, machine: str | None = None
    ) -> str:
        """The host's domain capabilities XML for guests of ``arch`` and ``domain_type``.

        It says what such guests can use here: firmware (``<os>``), CPU modes
        and devices.  ``arch`` defaults to the host's architecture,
        ``domain_type`` to :attr:`domain_type` and ``machine`` to the
        hypervisor's default machine type.  A host with no emulator for
        them raises :class:`iaas.errors.HostError`, as does a simulated host
        (the test driver has no domain capabilities).
        """
        virt_type = domain_type or self.domain_type
        what = " ".join(w for w in (arch, virt_type, machine) if w)
        return self._call(
            f"read domain capabilities ({what})",
            lambda conn: str(conn.getDomainCapabilities(None, arch, machine, virt_type, 0)),
        )
