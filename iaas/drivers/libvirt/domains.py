"""Guest (domain) primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

Domains are referred to by UUID (a name works too).  Every domain iaas
defines carries iaas metadata and is persistent.  Device hotplug lives in
:mod:`iaas.drivers.libvirt.devices`.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import libvirt

from iaas.drivers.libvirt import _lookup, readback
from iaas.drivers.libvirt._connection import Connection
from iaas.drivers.libvirt._parsecache import ParseCache
from iaas.drivers.libvirt.meta import meta_from_element
from iaas.drivers.libvirt.networks import network_info
from iaas.drivers.libvirt.render import domain_xml
from iaas.drivers.libvirt.simdhcp import simulated_addresses
from iaas.drivers.libvirt.specs import (
    DomainAddress,
    DomainInfo,
    DomainSpec,
    DomainState,
    Meta,
    NetworkSpec,
    NicSpec,
)
from iaas.errors import HostError, NotFoundError

AddressSource = Literal["lease", "agent"]

_STATES: dict[int, DomainState] = {
    libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "running",
    libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_PMSUSPENDED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "running",  # shutting down
    libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
    libvirt.VIR_DOMAIN_CRASHED: "shutoff",
}
_INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
_RUNNING_ID = re.compile(r" id='-?\d+'")  # on the root element of a running guest's live XML
_CONFIG, _LIVE = libvirt.VIR_DOMAIN_AFFECT_CONFIG, libvirt.VIR_DOMAIN_AFFECT_LIVE
#: How often a graceful shutdown is checked for completion, in seconds.
SHUTDOWN_POLL = 0.25
#: How often the power button is pressed again while a guest shuts down (a guest still booting misses a press).
SHUTDOWN_REPEAT = 5.0


def _read_live(xml: str) -> tuple[DomainSpec, Meta | None, str | None]:
    root = ET.fromstring(xml)
    return readback.domain_spec(root), meta_from_element(root), readback.graphics_address(root)


def domain_info(
    dom: libvirt.virDomain, *, autostart: bool | None = None, parsed: ParseCache | None = None
) -> DomainInfo:
    """Describe a libvirt domain: live values plus its persistent definition (``autostart``: the flag as known
    without asking libvirt; ``parsed``: the host's XML read back before).

    The live XML is parsed once; the definition is parsed only when it differs from the live XML (a guest that is
    not running has one XML; on libvirt's test driver a running guest's differ only by its id).
    """
    live_xml = dom.XMLDesc(0)
    live, meta, graphics = _read_live(live_xml) if parsed is None else parsed.domain(live_xml, _read_live)
    defined_xml = dom.XMLDesc(_INACTIVE)
    if _same_definition(live_xml, defined_xml):
        spec = live
    else:
        spec = readback.domain_spec(defined_xml) if parsed is None else parsed.spec(defined_xml, readback.domain_spec)
    return DomainInfo(
        name=dom.name(),
        uuid=dom.UUIDString(),
        state=_STATES.get(dom.state()[0], "other"),
        vcpus=live.vcpus,
        max_vcpus=live.effective_max_vcpus,
        memory_mib=live.memory_mib,
        max_memory_mib=live.effective_max_memory_mib,
        nics=live.nics,
        disks=live.disks,
        meta=meta,
        spec=spec,
        autostart=bool(dom.autostart()) if autostart is None else autostart,
        graphics_address=graphics,
    )


def _same_definition(live_xml: str, defined_xml: str) -> bool:
    """Whether a guest's definition is its live XML but for the running guest's ``id`` (which a spec does not read)."""
    if live_xml == defined_xml:
        return True
    head, end, rest = live_xml.partition(">")
    return bool(end) and _RUNNING_ID.sub("", head, count=1) + end + rest == defined_xml


def _ignore_not_running(fn: Callable[..., object], *args: int) -> None:
    """Call a stop-like method; a guest that stopped meanwhile is fine."""
    try:
        fn(*args)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
            raise


class DomainOps(Connection):
    """Define, read, start, stop, resize and delete guests."""

    def _domain_info(self, dom: libvirt.virDomain) -> DomainInfo:
        autostart = True if self._autostart_ahead(dom.UUIDString()) else None
        return domain_info(dom, autostart=autostart, parsed=self._parsed)

    def _require_domain(self, conn: libvirt.virConnect, ref: str) -> libvirt.virDomain:
        dom = _lookup.domain(conn, ref)
        if dom is None:
            raise NotFoundError(f"host {self.name!r}: no domain {ref!r}")
        return dom

    def _nics(self, dom: libvirt.virDomain) -> tuple[NicSpec, ...]:
        """A guest's NICs as they are now (within a bulk-read session, as the session read them)."""
        if self._bulk is not None:
            info = self._once(("domain", dom.UUIDString()), lambda: self._domain_info(dom))
            return info.nics if info is not None else ()
        return readback.domain_spec(dom.XMLDesc(0)).nics

    def _sim_network(self, conn: libvirt.virConnect, name: str) -> NetworkSpec | None:
        net = self._bulk_network(conn, name)
        if net is None:
            return None
        info = self._once(("network", net.UUIDString()), lambda: _lookup.unless_gone(lambda: network_info(net)))
        return info.spec if info is not None else None

    def _host_arch(self, conn: libvirt.virConnect) -> str:
        return str(conn.getInfo()[0])

    def define_domain(self, spec: DomainSpec, meta: Meta) -> DomainInfo:
        """Define a guest (or replace the definition of the guest with this UUID).

        The guest is not started.  A running guest keeps running as it was;
        the new definition applies from its next start.
        """

        def run(conn: libvirt.virConnect) -> DomainInfo:
            xml = domain_xml(spec, meta, domain_type=self.domain_type, arch=self._host_arch(conn))
            dom = conn.defineXML(xml)
            self._save_domain(dom)
            return domain_info(dom)

        return self._call(f"define domain {spec.name}", run)

    def get_domain(self, ref: str) -> DomainInfo | None:
        """The guest with this UUID (or name), or None if there is none."""

        def run(conn: libvirt.virConnect) -> DomainInfo | None:
            dom = self._bulk_domain(conn, ref)
            if dom is None:
                return None
            return self._once(("domain", dom.UUIDString()), lambda: _lookup.unless_gone(lambda: self._domain_info(dom)))

        return self._call(f"read domain {ref}", run)

    def start_domain(self, ref: str) -> None:
        """Start a shut off guest or resume a paused one; a running guest is left alone."""

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            state = dom.state()[0]
            if state == libvirt.VIR_DOMAIN_PAUSED:
                dom.resume()
            elif not dom.isActive():
                dom.create()
            self._save_domain(dom)

        self._call(f"start domain {ref}", run)

    def stop_domain(self, ref: str, timeout: float = 60.0, force: bool = True) -> bool:
        """Shut a guest down: ask it (ACPI), wait up to ``timeout`` seconds, then power it off.

        The request is repeated every :data:`SHUTDOWN_REPEAT` seconds meanwhile.

        Returns True if the guest stopped by itself (or was already off), False
        if it was powered off.  With ``force=False`` a guest that does not stop
        in time raises :class:`HostError` and keeps running.
        """
        operation = f"stop domain {ref}"

        def request(conn: libvirt.virConnect) -> bool:
            dom = self._require_domain(conn, ref)
            if not dom.isActive():
                self._save_domain(dom)
                return False
            if dom.state()[0] != libvirt.VIR_DOMAIN_PAUSED:
                _ignore_not_running(dom.shutdown)
            return True

        if not self._call(operation, request):
            return True
        deadline = time.monotonic() + timeout
        pressed = time.monotonic()
        while self._active(operation, ref):
            now = time.monotonic()
            if now - pressed >= SHUTDOWN_REPEAT and now < deadline:
                self._call(operation, request)
                pressed = now
            if now >= deadline:
                if not force:
                    raise HostError(self.name, operation, f"guest did not shut down within {timeout:g} s")
                self._call(operation, lambda conn: self._power_off(conn, ref))
                return False
            time.sleep(SHUTDOWN_POLL)
        return True

    def _active(self, operation: str, ref: str) -> bool:
        def run(conn: libvirt.virConnect) -> bool:
            dom = self._require_domain(conn, ref)
            active = bool(dom.isActive())
            if not active:
                self._save_domain(dom)
            return active

        return self._call(operation, run)

    def _power_off(self, conn: libvirt.virConnect, ref: str) -> None:
        dom = self._require_domain(conn, ref)
        if dom.isActive():
            _ignore_not_running(dom.destroy)
        self._save_domain(dom)

    def set_domain_autostart(self, ref: str, autostart: bool) -> None:
        """Start the guest with the host (its libvirt daemon), or not."""

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            if bool(dom.autostart()) != autostart:
                dom.setAutostart(int(autostart))
                self._save_domain(dom)

        self._call(f"set autostart of domain {ref}", run)

    def reboot_domain(self, ref: str) -> None:
        """Ask a running guest to reboot."""

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            dom.reboot(0)
            self._save_domain(dom)

        self._call(f"reboot domain {ref}", run)

    def delete_domain(self, ref: str) -> None:
        """Power a guest off and undefine it with its snapshots, NVRAM and saved state.

        Its disks are left alone.  Nothing happens if the guest does not exist.
        """
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        if not self.simulated:  # the test driver refuses these two
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA

        def run(conn: libvirt.virConnect) -> None:
            dom = _lookup.domain(conn, ref)
            if dom is None:
                return
            uuid = dom.UUIDString()
            if dom.isActive():
                _ignore_not_running(dom.destroy)
            if dom.isPersistent():
                dom.undefineFlags(flags)
            self._forget("domain", uuid)

        self._call(f"delete domain {ref}", run)

    def set_memory(self, ref: str, mib: int, live: bool = True, *, max_mib: int | None = None) -> None:
        """Set a guest's memory to ``mib``.

        With ``live`` and a running guest the change applies now (up to the
        guest's maximum) and to its definition.  Otherwise only the definition
        changes: its maximum becomes ``max_mib`` when given, and is raised to
        ``mib`` when that is above it.
        """
        if max_mib is not None and mib > max_mib:
            raise ValueError(f"memory {mib} MiB is above the maximum {max_mib} MiB")

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            if live and dom.isActive():
                dom.setMemoryFlags(mib * 1024, _LIVE)
                dom.setMemoryFlags(mib * 1024, _CONFIG)
            else:
                current_max = readback.domain_spec(dom.XMLDesc(_INACTIVE)).effective_max_memory_mib
                new_max = max_mib if max_mib is not None else max(mib, current_max)
                if new_max != current_max:
                    dom.setMemoryFlags(new_max * 1024, libvirt.VIR_DOMAIN_MEM_MAXIMUM | _CONFIG)
                dom.setMemoryFlags(mib * 1024, _CONFIG)
            self._save_domain(dom)

        self._call(f"set memory of domain {ref}", run)

    def set_vcpus(self, ref: str, count: int, live: bool = True, *, max_count: int | None = None) -> None:
        """Set a guest's vCPU count; ``live`` and maxima work as for :meth:`set_memory`."""
        if max_count is not None and count > max_count:
            raise ValueError(f"{count} vCPUs is above the maximum {max_count}")

        def run(conn: libvirt.virConnect) -> None:
            dom = self._require_domain(conn, ref)
            if live and dom.isActive():
                dom.setVcpusFlags(count, _LIVE)
                dom.setVcpusFlags(count, _CONFIG)
            else:
                current_max = readback.domain_spec(dom.XMLDesc(_INACTIVE)).effective_max_vcpus
                new_max = max_count if max_count is not None else max(count, current_max)
                if new_max != current_max:
                    dom.setVcpusFlags(new_max, libvirt.VIR_DOMAIN_VCPU_MAXIMUM | _CONFIG)
                dom.setVcpusFlags(count, _CONFIG)
            self._save_domain(dom)

        self._call(f"set vCPUs of domain {ref}", run)

    def domain_addresses(self, ref: str, source: AddressSource = "lease") -> list[DomainAddress]:
        """IP addresses of a running guest (empty when off): from the host's DHCP leases, or from the guest agent.

        ``source="agent"`` asks the QEMU guest agent inside the guest (it must
        run there, with the ``org.qemu.guest_agent.0`` channel); the agent also
        reports addresses that DHCP did not give, and the loopback interface.
        A simulated host answers as its networks' DHCP would, with addresses
        that stay the same across runs (:mod:`iaas.drivers.libvirt.simdhcp`).
        """
        flag = {
            "lease": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
            "agent": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
        }[source]

        def run(conn: libvirt.virConnect) -> list[DomainAddress]:
            dom = self._bulk_domain(conn, ref)
            if dom is None:
                raise NotFoundError(f"host {self.name!r}: no domain {ref!r}")
            if not dom.isActive():
                return []
            if self.simulated:
                return simulated_addresses(self._nics(dom), lambda name: self._sim_network(conn, name))
            if source == "lease" and self._bulk is not None:
                return self._leased(conn, self._nics(dom))
            ifaces = dom.interfaceAddresses(flag, 0) or {}
            return [
                DomainAddress(
                    mac=(iface.get("hwaddr") or "").lower(),
                    address=addr["addr"],
                    prefix=int(addr["prefix"]),
                    family="ipv4" if addr["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4 else "ipv6",
                )
                for iface in ifaces.values()
                for addr in iface.get("addrs") or []
            ]

        return self._call(f"read addresses of domain {ref} ({source})", run)

    def _leased(self, conn: libvirt.virConnect, nics: Iterable[NicSpec]) -> list[DomainAddress]:
        """The addresses of ``nics`` from their networks' DHCP leases, each network's listed once per session."""
        return [
            DomainAddress(
                mac=nic.mac,
                address=lease["ipaddr"],
                prefix=int(lease["prefix"]),
                family="ipv4" if lease["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4 else "ipv6",
            )
            for nic in nics
            for lease in self._bulk_leases(conn, nic.network)
            if (lease.get("mac") or "").lower() == nic.mac
        ]

    def wait_for_addresses(
        self,
        ref: str,
        timeout: float = 60.0,
        *,
        macs: Iterable[str] | None = None,
        interval: float = 0.5,
        source: AddressSource = "lease",
        labels: Mapping[str, str] | None = None,
    ) -> list[DomainAddress]:
        """The guest's IPv4 addresses once every NIC (or every MAC in ``macs``) holds one.

        Polls the host's DHCP leases (or the guest agent, ``source="agent"``;
        an agent that does not answer yet is asked again) every ``interval``
        seconds.  After ``timeout`` seconds :class:`HostError` says what was
        seen: the guest's state, what each NIC holds (named by ``labels``, a
        text per MAC, when given) and the agent's last answer.  A guest that
        is not running fails at once.
        """
        start = time.monotonic()
        agent_error = ""
        while True:
            info = self.get_domain(ref)
            if info is None:
                raise NotFoundError(f"host {self.name}: no domain {ref}")
            wanted = [m.lower() for m in macs] if macs is not None else [n.mac for n in info.nics]
            try:
                found = [a for a in self.domain_addresses(ref, source) if a.family == "ipv4" and a.mac in wanted]
                agent_error = ""
            except HostError as exc:
                if source != "agent":
                    raise
                found, agent_error = [], exc.detail  # e.g. the agent is not connected yet
            if info.state == "running" and set(wanted) <= {a.mac for a in found}:
                return found
            waited = time.monotonic() - start
            if info.state != "running" or waited >= timeout:
                raise HostError(
                    self.name,
                    f"wait for the addresses of domain {ref}",
                    f"after {waited:.1f} s (timeout {timeout:g} s) the guest is {info.state}; "
                    f"{_seen_per_nic(wanted, found, source, labels or {})}"
                    + (f"; the guest agent: {agent_error}" if agent_error else ""),
                )
            time.sleep(interval)


def _seen_per_nic(
    wanted: list[str], found: list[DomainAddress], source: AddressSource, labels: Mapping[str, str]
) -> str:
    """What each NIC holds, e.g. ``leases seen: 52:54:00:aa:bb:cc (nics[0], network lan): none``."""
    what = "addresses the guest agent reports" if source == "agent" else "leases seen"
    parts = []
    for mac in wanted:
        label = f" ({labels[mac]})" if mac in labels else ""
        held = ", ".join(a.address for a in found if a.mac == mac) or "none"
        parts.append(f"{mac}{label}: {held}")
    return f"{what}: " + ("; ".join(parts) or "no NIC")
