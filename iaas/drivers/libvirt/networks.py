"""Network primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

Networks are referred to by UUID or name.  Every network iaas defines carries
iaas metadata, is persistent, autostarts and is started at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

import attrs
import libvirt

from iaas.drivers.libvirt import _lookup, readback, simdhcp
from iaas.drivers.libvirt._connection import Connection
from iaas.drivers.libvirt.meta import parse_meta
from iaas.drivers.libvirt.render import dhcp_host_xml, dhcp_range_xml, dns_host_xml, network_xml
from iaas.drivers.libvirt.specs import DhcpAction, DhcpHost, Meta, NetworkInfo, NetworkSpec
from iaas.errors import NotFoundError

_UPDATE_COMMANDS: dict[str, int] = {
    "add": libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
    "modify": libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
    "delete": libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
}


_PARSED_MAX = 64
_parsed: OrderedDict[str, tuple[NetworkSpec, Meta | None]] = OrderedDict()
_parsed_lock = threading.Lock()


def _read_xml(xml: str) -> tuple[NetworkSpec, Meta | None]:
    """A network's XML read into its spec and metadata, each distinct XML parsed once.

    A network's XML grows with its DHCP hosts: re-parsing it for every instance made an apply of N instances on
    one network cost N^2.  The last few XML texts seen are kept with what they read as.
    """
    with _parsed_lock:
        if xml in _parsed:
            _parsed.move_to_end(xml)
            return _parsed[xml]
    read = (readback.network_spec(xml), parse_meta(xml))
    _remember(xml, read)
    return read


def _remember(xml: str, read: tuple[NetworkSpec, Meta | None]) -> None:
    with _parsed_lock:
        _parsed[xml] = read
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)


def network_info(net: libvirt.virNetwork, xml: str | None = None) -> NetworkInfo:
    """Describe a libvirt network object (``xml``: its current XML, when the caller has just read it)."""
    spec, meta = _read_xml(net.XMLDesc(0) if xml is None else xml)
    return NetworkInfo(
        name=spec.name or net.name(),
        uuid=spec.uuid or net.UUIDString(),
        bridge=spec.bridge,
        active=bool(net.isActive()),
        autostart=bool(net.autostart()),
        meta=meta,
        spec=spec,
    )


def _updated_hosts(hosts: tuple[DhcpHost, ...], action: DhcpAction, host: DhcpHost) -> tuple[DhcpHost, ...]:
    """The static DHCP hosts after ``action`` of ``host``, as libvirt applies it (by MAC, new ones last)."""
    if action == "delete":
        return tuple(h for h in hosts if h.mac != host.mac)
    if any(h.mac == host.mac for h in hosts):
        return tuple(host if h.mac == host.mac else h for h in hosts)
    return (*hosts, host)


def _carry_forward(old_xml: str, new_xml: str, action: DhcpAction, host: DhcpHost) -> None:
    """Record what ``new_xml`` reads as, from ``old_xml`` and one DHCP host change, without parsing it.

    Only when the new text agrees (as many host entries, the MAC present or gone); otherwise it is parsed when read.
    """
    with _parsed_lock:
        old = _parsed.get(old_xml)
    if old is None:
        return
    hosts = _updated_hosts(old[0].dhcp_hosts, action, host)
    if new_xml.count("<host ") != len(hosts) or (f"'{host.mac}'" in new_xml or f'"{host.mac}"' in new_xml) != (
        action != "delete"
    ):
        return
    _remember(new_xml, (attrs.evolve(old[0], dhcp_hosts=hosts), old[1]))


class NetworkOps(Connection):
    """Define, read, change and delete virtual networks."""

    def _require_network(self, conn: libvirt.virConnect, ref: str) -> libvirt.virNetwork:
        net = _lookup.network(conn, ref)
        if net is None:
            raise NotFoundError(f"host {self.name!r}: no network {ref!r}")
        return net

    def _bring_up(self, net: libvirt.virNetwork) -> NetworkInfo:
        if not net.autostart():
            net.setAutostart(1)
        if not net.isActive():
            net.create()
        self._save_network(net)
        return network_info(net)

    def _definition(self, conn: libvirt.virConnect, spec: NetworkSpec, meta: Meta) -> str:
        """XML for ``spec``; without a UUID it keeps the UUID of the network of that name."""
        if spec.uuid is None:
            current = _lookup.network(conn, spec.name)
            if current is not None:
                spec = attrs.evolve(spec, uuid=current.UUIDString())
        return network_xml(spec, meta)

    def define_network(self, spec: NetworkSpec, meta: Meta) -> NetworkInfo:
        """Define a network (or update its definition), set it to autostart and start it.

        On an already running network a changed definition takes effect at its
        next start; use :meth:`redefine_network` to apply it now.
        """

        def run(conn: libvirt.virConnect) -> NetworkInfo:
            return self._bring_up(conn.networkDefineXML(self._definition(conn, spec, meta)))

        return self._call(f"define network {spec.name}", run)

    def redefine_network(self, spec: NetworkSpec, meta: Meta) -> NetworkInfo:
        """Change a network in place: stop it, define it anew and start it again.

        Guests attached to it lose connectivity while it is down.
        """

        def run(conn: libvirt.virConnect) -> NetworkInfo:
            xml = self._definition(conn, spec, meta)
            current = _lookup.network(conn, spec.uuid or spec.name)
            if current is not None and current.isActive():
                current.destroy()
            return self._bring_up(conn.networkDefineXML(xml))

        return self._call(f"redefine network {spec.name}", run)

    def update_network_live(self, spec: NetworkSpec) -> NetworkInfo:
        """Bring a network's DHCP range and DNS host records to ``spec`` without restarting it.

        Each edit is a virNetworkUpdate on the running network and its
        definition; the bridge and the guests' links stay up.  libvirt cannot
        modify a range, so the new one is added before the old one goes.
        """

        def run(conn: libvirt.virConnect) -> NetworkInfo:
            net = self._require_network(conn, spec.uuid or spec.name)
            current = _read_xml(net.XMLDesc(0))[0]
            flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
            if net.isActive():
                flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
            for command, section, xml in _live_edits(current, spec):
                net.update(command, section, -1, xml, flags)
            self._save_network(net)
            return network_info(net)

        return self._call(f"update network {spec.name} live", run)

    def get_network(self, ref: str) -> NetworkInfo | None:
        """The network with this UUID or name, or None if there is none."""

        def run(conn: libvirt.virConnect) -> NetworkInfo | None:
            net = self._bulk_network(conn, ref)
            if net is None:
                return None
            return self._once(("network", net.UUIDString()), lambda: _lookup.unless_gone(lambda: network_info(net)))

        return self._call(f"read network {ref}", run)

    def network_leases(self, ref: str, macs: Iterable[str] = ()) -> dict[str, str]:
        """The IPv4 address the network's DHCP service leased to each MAC.

        A simulated host answers for ``macs`` as its DHCP would (see :mod:`~iaas.drivers.libvirt.simdhcp`).
        """

        def run(conn: libvirt.virConnect) -> dict[str, str]:
            net = self._require_network(conn, ref)
            if self.simulated:
                spec = _read_xml(net.XMLDesc(0))[0]
                return {mac: found.address for mac in macs if (found := simdhcp.lease(spec, mac)) is not None}
            if not net.isActive():
                return {}
            return {
                str(lease["mac"]).lower(): str(lease["ipaddr"])
                for lease in net.DHCPLeases() or []
                if lease.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV4
            }

        return self._call(f"read DHCP leases of network {ref}", run)

    def network_names(self, ref: str) -> tuple[str, str] | None:
        """The (UUID, name) of the network with this UUID or name, without reading its definition; None if none."""

        def run(conn: libvirt.virConnect) -> tuple[str, str] | None:
            net = self._bulk_network(conn, ref)
            return None if net is None else (net.UUIDString(), net.name())

        return self._call(f"find network {ref}", run)

    def delete_network(self, ref: str) -> None:
        """Stop and undefine a network; nothing happens if it does not exist."""

        def run(conn: libvirt.virConnect) -> None:
            net = _lookup.network(conn, ref)
            if net is None:
                return
            uuid = net.UUIDString()
            if net.isActive():
                net.destroy()
            if net.isPersistent():
                net.undefine()
            self._forget("network", uuid)

        self._call(f"delete network {ref}", run)

    def update_dhcp_host(
        self, network: str, action: DhcpAction, mac: str, ip: str, name: str | None = None
    ) -> NetworkInfo:
        """Add, change or remove one static DHCP host of a network, live and in its definition.

        Idempotent and keyed by MAC: "add" of an existing MAC changes its entry,
        "modify" of an absent MAC adds it, "delete" of an absent MAC does
        nothing.  Returns the network as it is afterwards.
        """
        if action not in _UPDATE_COMMANDS:
            raise ValueError(f"unknown DHCP host action {action!r}")
        host = DhcpHost(mac=mac, ip=ip, name=name)

        def run(conn: libvirt.virConnect) -> NetworkInfo:
            net = self._require_network(conn, network)
            xml = net.XMLDesc(0)
            known = {h.mac: h for h in _read_xml(xml)[0].dhcp_hosts}
            command = _dhcp_command(action, known.get(host.mac), host)
            if command is None:
                return network_info(net, xml)
            entry = known[host.mac] if action == "delete" else host
            flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
            if net.isActive():
                flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
            net.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, dhcp_host_xml(entry), flags)
            new_xml = net.XMLDesc(0)
            _carry_forward(xml, new_xml, action, entry)
            self._save_network(net, new_xml)
            return network_info(net, new_xml)

        return self._call(f"{action} DHCP host {host.mac} on network {network}", run)


def _dhcp_command(action: DhcpAction, existing: DhcpHost | None, wanted: DhcpHost) -> int | None:
    """The update command that brings ``existing`` to what ``action`` asks, or None if nothing to do."""
    if action == "delete":
        return None if existing is None else _UPDATE_COMMANDS["delete"]
    if existing is None:
        return _UPDATE_COMMANDS["add"]
    return None if existing == wanted else _UPDATE_COMMANDS["modify"]


def _live_edits(current: NetworkSpec, wanted: NetworkSpec) -> list[tuple[int, int, str]]:
    """(command, section, XML) of the virNetworkUpdate calls that bring ``current``'s range and DNS hosts to
    ``wanted``'s."""
    add, delete = libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE
    edits: list[tuple[int, int, str]] = []
    old_range, new_range = (current.dhcp_start, current.dhcp_end), (wanted.dhcp_start, wanted.dhcp_end)
    if old_range != new_range:
        section = libvirt.VIR_NETWORK_SECTION_IP_DHCP_RANGE
        if wanted.dhcp_start and wanted.dhcp_end:
            edits.append((add, section, dhcp_range_xml(wanted.dhcp_start, wanted.dhcp_end)))
        if current.dhcp_start and current.dhcp_end:
            edits.append((delete, section, dhcp_range_xml(current.dhcp_start, current.dhcp_end)))
    old_dns, new_dns = dict(current.dns_hosts), dict(wanted.dns_hosts)
    section = libvirt.VIR_NETWORK_SECTION_DNS_HOST
    for ip, names in old_dns.items():
        if new_dns.get(ip) != names:
            edits.append((delete, section, dns_host_xml(ip, names)))
    for ip, names in new_dns.items():
        if old_dns.get(ip) != names:
            edits.append((add, section, dns_host_xml(ip, names)))
    return edits
