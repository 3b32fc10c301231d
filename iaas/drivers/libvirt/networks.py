"""Network primitives of a :class:`~iaas.drivers.libvirt.host.Host`.

Networks are referred to by UUID or name.  Every network iaas defines carries
iaas metadata, is persistent, autostarts and is started at once.
"""

from __future__ import annotations

import attrs
import libvirt

from iaas.drivers.libvirt import _lookup, readback
from iaas.drivers.libvirt._connection import Connection
from iaas.drivers.libvirt.meta import parse_meta
from iaas.drivers.libvirt.render import dhcp_host_xml, network_xml
from iaas.drivers.libvirt.specs import DhcpAction, DhcpHost, Meta, NetworkInfo, NetworkSpec
from iaas.errors import NotFoundError

_UPDATE_COMMANDS: dict[str, int] = {
    "add": libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
    "modify": libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
    "delete": libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
}


def network_info(net: libvirt.virNetwork) -> NetworkInfo:
    """Describe a libvirt network object."""
    xml = net.XMLDesc(0)
    spec = readback.network_spec(xml)
    return NetworkInfo(
        name=net.name(),
        uuid=net.UUIDString(),
        bridge=spec.bridge,
        active=bool(net.isActive()),
        autostart=bool(net.autostart()),
        meta=parse_meta(xml),
        spec=spec,
    )


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

    def get_network(self, ref: str) -> NetworkInfo | None:
        """The network with this UUID or name, or None if there is none."""

        def run(conn: libvirt.virConnect) -> NetworkInfo | None:
            net = _lookup.network(conn, ref)
            return _lookup.unless_gone(lambda: network_info(net)) if net is not None else None

        return self._call(f"read network {ref}", run)

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
            known = {h.mac: h for h in readback.network_spec(net.XMLDesc(0)).dhcp_hosts}
            command = _dhcp_command(action, known.get(host.mac), host)
            if command is not None:
                entry = known[host.mac] if action == "delete" else host
                flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
                if net.isActive():
                    flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
                net.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, dhcp_host_xml(entry), flags)
                self._save_network(net)
            return network_info(net)

        return self._call(f"{action} DHCP host {host.mac} on network {network}", run)


def _dhcp_command(action: DhcpAction, existing: DhcpHost | None, wanted: DhcpHost) -> int | None:
    """The update command that brings ``existing`` to what ``action`` asks, or None if nothing to do."""
    if action == "delete":
        return None if existing is None else _UPDATE_COMMANDS["delete"]
    if existing is None:
        return _UPDATE_COMMANDS["add"]
    return None if existing == wanted else _UPDATE_COMMANDS["modify"]
