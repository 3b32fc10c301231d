"""Networks that span hosts: one L2 segment per network over VXLAN, with head-end replication.

A network lives on its own host (its ``host``: the gateway, DHCP and DNS of
the network run there, in libvirt's dnsmasq).  When an instance on another
host uses it, that host *joins* the network: it gets a libvirt network of the
same name, UUID and bridge, without addresses or DHCP (a *segment*), and
every host of the network gets a VXLAN port on the network's bridge — the
VNI the network holds in the inventory (admission claims one per network, see
:meth:`~iaas.cloud.admission.Admission.vni`), UDP port 4789, the host's underlay address as source
and no learning — with one all-zero FDB entry per other host of the network,
so broadcast and unknown traffic is copied to each of them (static head-end
replication, no multicast in the underlay).  Guests on every host then share
one segment, one subnet and the one DHCP service of the network's own host.

When the last instance on a joined host leaves, the host leaves the network:
its segment and VXLAN port go, and the other hosts stop sending to it.

Provider networks (``bridge``, ``macvtap``) are the operator's LAN: a host
joins them with the same definition as the network's own host and no VXLAN.

VXLAN adds 50 bytes to each frame: a network on a host that has an underlay
address gets an MTU of :data:`OVERLAY_MTU` unless its ``mtu`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from iaas.cloud.kinds._hostcmd import host_runner, link_problem, run
from iaas.cloud.kinds._libvirt import lock_for
from iaas.drivers.libvirt import Meta, NetworkInfo, NetworkSpec
from iaas.errors import HostError, IaasError
from iaas.model.subnets import PROVIDER_MODES

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

log = logging.getLogger(__name__)

VXLAN_PORT = 4789  # the IANA port of VXLAN
VXLAN_OVERHEAD = 50  # bytes VXLAN adds to each frame (outer Ethernet, IPv4, UDP and VXLAN headers)
OVERLAY_MTU = 1500 - VXLAN_OVERHEAD  # the MTU of a network that may span hosts over a 1500-byte underlay
VXLAN_PREFIX = "iaasx"
ALL_ZERO = "00:00:00:00:00:00"


def vni(cloud: Cloud, id: str) -> int:
    """The VXLAN network identifier of the network with this id (24 bits, never 0), held in the inventory."""
    return cloud.admission.vni(id)


def vxlan_name(id: str) -> str:
    """The VXLAN port of the network with this id (within the 15 characters Linux allows)."""
    return (VXLAN_PREFIX + id.replace("-", ""))[:15]


def default_mtu(cloud: Cloud, host_name: str, mode: str) -> int | None:
    """The MTU a network gets on its own host when its ``mtu`` is unset."""
    config = cloud.host_configs.get(host_name)
    if mode in PROVIDER_MODES or config is None or not config.underlay:
        return None
    return OVERLAY_MTU


def home_of(cloud: Cloud, network_id: str, host_name: str) -> str | None:
    """The network's own host when it is another host of the cloud than ``host_name`` (a spanned network)."""
    placed = cloud.inventory.placed(network_id)
    home = placed[1] if placed is not None and placed[0] == "network" else None
    return home if home is not None and home != host_name and home in cloud.hosts else None


def segment_spec(home: NetworkInfo) -> NetworkSpec:
    """The definition of a network on a host that joins it: the same segment, without addresses or DHCP."""
    spec = home.spec
    if spec.mode in PROVIDER_MODES:
        return spec
    return attrs.evolve(
        spec,
        mode="isolated",
        ipv4_address=None,
        ipv4_prefix=None,
        dhcp_start=None,
        dhcp_end=None,
        dhcp_hosts=(),
        dns_domain=None,
        dns_hosts=(),
    )


def span_problem(cloud: Cloud, home_host: str, home: NetworkInfo, host_name: str) -> str | None:
    """Why the network ``home`` (on ``home_host``) cannot span to ``host_name``; None when it can."""
    if home.spec.mode in PROVIDER_MODES:
        return None
    missing = [name for name in (home_host, host_name) if not getattr(cloud.host_configs.get(name), "underlay", None)]
    if not missing:
        return None
    return (
        f"network {home.name} is on host {home_host} and cannot span to host {host_name}: no underlay address for "
        f"host {' and '.join(missing)} in the cloud config"
    )


def join(cloud: Cloud, home_host: str, home: NetworkInfo, host_name: str, meta: Meta) -> NetworkInfo:
    """Make ``host_name`` part of the network ``home`` (on ``home_host``); the network there."""
    with lock_for("network span", home.uuid):
        host = cloud.hosts[host_name]
        info = host.get_network(home.uuid)
        if info is None:
            _check_provider_link(cloud, host_name, home)
            info = host.define_network(segment_spec(home), meta)
        if home.spec.mode not in PROVIDER_MODES:
            wire_all(cloud, home)
        return info


def rejoin(cloud: Cloud, home_host: str, home: NetworkInfo, meta: Meta) -> None:
    """After a network was defined anew on its host: the same definition on the hosts it spans, and their links.

    Restarting a network makes its bridge anew, without the VXLAN port.
    """
    with lock_for("network span", home.uuid):
        hosts = span(cloud, home.uuid)
        for name in hosts:
            if name != home_host:
                cloud.hosts[name].redefine_network(segment_spec(home), meta)
        if len(hosts) > 1 and home.spec.mode not in PROVIDER_MODES:
            wire_all(cloud, home)


def leave_if_unused(cloud: Cloud, host_name: str, network_id: str, home_host: str | None) -> None:
    """Take ``host_name`` out of a network it joined once no guest there uses it any more."""
    if home_host is None or home_host == host_name or home_host not in cloud.hosts:
        return
    with lock_for("network span", network_id):
        host = cloud.hosts[host_name]
        info = host.get_network(network_id)
        if info is None or _in_use(cloud, host_name, info.name):
            return
        host.delete_network(network_id)
        unwire(cloud, host_name, network_id)
        home = cloud.hosts[home_host].get_network(network_id)
        if home is not None and home.spec.mode not in PROVIDER_MODES:
            wire_all(cloud, home)


def remove_everywhere(cloud: Cloud, home_host: str, network_id: str) -> None:
    """Remove a network's segments and VXLAN ports from every host (the network itself is being deleted)."""
    with lock_for("network span", network_id):
        for name, host in cloud.hosts.items():
            if name != home_host and host.get_network(network_id) is not None:
                host.delete_network(network_id)
            unwire(cloud, name, network_id)


def span(cloud: Cloud, network_id: str) -> list[str]:
    """The hosts the network is on."""
    return [name for name, host in cloud.hosts.items() if host.get_network(network_id) is not None]


def wire_all(cloud: Cloud, home: NetworkInfo) -> None:
    """Give every host of a network a VXLAN port to every other one (none while it is on one host only)."""
    hosts = span(cloud, home.uuid)
    underlays = {name: _underlay(cloud, name, home.name) for name in hosts}
    for name in hosts:
        peers = [address for other, address in underlays.items() if other != name]
        if peers:
            wire(cloud, name, home, underlays[name], peers)
        else:
            unwire(cloud, name, home.uuid)


def wire(cloud: Cloud, host_name: str, home: NetworkInfo, local: str, peers: Sequence[str]) -> None:
    """The network's VXLAN port on one host, on the network's bridge, sending to exactly ``peers``."""
    where = host_runner(cloud, host_name, resolve=True)
    if where is None:
        if cloud.hosts[host_name].simulated:
            return  # a simulated host has no links
        raise IaasError(f"host {host_name}: iaas cannot run `ip` there to link network {home.name} to other hosts")
    port, bridge = vxlan_name(home.uuid), str(home.bridge)
    try:
        run(where, ["ip", "link", "show", "dev", port])
    except IaasError:
        run(where, ["ip", "link", "add", port, "type", "vxlan", "id", str(vni(cloud, home.uuid)), "dstport"]
            + [str(VXLAN_PORT), "local", local, "nolearning"])  # fmt: skip
    if home.spec.mtu:
        run(where, ["ip", "link", "set", "dev", port, "mtu", str(home.spec.mtu)])
    run(where, ["ip", "link", "set", "dev", port, "master", bridge, "up"])
    present = _flood_entries(run(where, ["bridge", "fdb", "show", "dev", port]))
    for peer in sorted(set(peers) - present):
        run(where, ["bridge", "fdb", "append", ALL_ZERO, "dev", port, "dst", peer])
    for stale in sorted(present - set(peers)):
        run(where, ["bridge", "fdb", "del", ALL_ZERO, "dev", port, "dst", stale])


def link_problems(cloud: Cloud, home_host: str, home: NetworkInfo) -> list[str]:
    """What the hosts a network spans lost of it (a reboot, say): the network not running on a host it joined, a
    VXLAN port missing, off its bridge, or not sending to every other host.  None to check on one host."""
    if home.spec.mode in PROVIDER_MODES or sum(1 for c in cloud.host_configs.values() if c.underlay) < 2:
        return []
    found = {}
    for name, host in cloud.hosts.items():
        try:
            found[name] = host.get_network(home.uuid)
        except HostError as exc:  # with a host that does not answer, the links cannot be judged (see timeouts)
            log.info("network %s: links not checked, host %s does not answer: %s", home.name, name, exc)
            return []
    hosts = [name for name, info in found.items() if info is not None]
    if len(hosts) < 2:
        return []
    lost = []
    for name in hosts:
        info = found[name]
        if name != home_host and info is not None and not info.active:
            lost.append(f"network running on host {name}")
        where = host_runner(cloud, name, resolve=True)
        if where is None:
            continue
        peers = {_underlay(cloud, other, home.name) for other in hosts if other != name}
        if not _wired(where, vxlan_name(home.uuid), str(home.bridge), peers):
            lost.append(f"VXLAN link on host {name}")
    return lost


def _wired(where: Sequence[str], port: str, bridge: str, peers: set[str]) -> bool:
    """Whether the VXLAN port is up on the bridge and floods to exactly ``peers``."""
    try:
        link = run(where, ["ip", "-o", "link", "show", "dev", port])
        fdb = run(where, ["bridge", "fdb", "show", "dev", port])
    except IaasError:
        return False
    return f"master {bridge}" in link and "UP" in link and _flood_entries(fdb) == peers


def repair(cloud: Cloud, home: NetworkInfo, meta: Meta) -> None:
    """Put back what :func:`link_problems` finds: the network started again where it joined, and the links."""
    with lock_for("network span", home.uuid):
        found = {name: host.get_network(home.uuid) for name, host in cloud.hosts.items()}
        hosts = [name for name, info in found.items() if info is not None]
        for name in hosts:
            if not found[name].active:  # type: ignore[union-attr]
                cloud.hosts[name].redefine_network(segment_spec(home), meta)
        if len(hosts) > 1 and home.spec.mode not in PROVIDER_MODES:
            wire_all(cloud, home)


def unwire(cloud: Cloud, host_name: str, network_id: str) -> None:
    """Remove the network's VXLAN port from a host (absent is fine)."""
    where = host_runner(cloud, host_name, resolve=True)
    if where is None:
        return
    try:
        run(where, ["ip", "link", "del", "dev", vxlan_name(network_id)])
    except IaasError:
        pass  # not there


def missing_link(cloud: Cloud, host_name: str, what: str, name: str) -> str | None:
    """Why a host lacks the bridge (``what`` "bridge") or interface a provider network sits on; None when it has
    it, or when iaas cannot run a program there (a simulated host)."""
    where = host_runner(cloud, host_name, resolve=True)
    return None if where is None else link_problem(where, name, what == "bridge")


def _check_provider_link(cloud: Cloud, host_name: str, home: NetworkInfo) -> None:
    """A provider network's bridge or interface exists on a host that joins it (iaas never makes it)."""
    what = "bridge" if home.spec.mode == "bridge" else "interface"
    link = home.spec.bridge if what == "bridge" else home.spec.interface
    problem = missing_link(cloud, host_name, what, link) if home.spec.mode in PROVIDER_MODES and link else None
    if problem:
        raise IaasError(f"host {host_name} {problem}: provider network {home.name} sits on it; create it there first")


def _flood_entries(fdb: str) -> set[str]:
    """The destinations of the all-zero (flood) entries in ``bridge fdb show`` output."""
    found = set()
    for line in fdb.splitlines():
        words = line.split()
        if words[:1] == [ALL_ZERO] and "dst" in words:
            found.add(words[words.index("dst") + 1])
    return found


def _underlay(cloud: Cloud, host_name: str, network: str) -> str:
    config = cloud.host_configs.get(host_name)
    if config is None or not config.underlay:
        raise IaasError(
            f"network {network} spans host {host_name}, which has no underlay address: give it one "
            "(`underlay:` in the cloud config's host entry)"
        )
    return config.underlay


def _in_use(cloud: Cloud, host_name: str, network: str) -> bool:
    """Whether a guest on the host has a NIC on the network of this name."""
    host = cloud.hosts[host_name]
    for obj in host.list_managed():
        if obj.type != "domain" or obj.uuid is None:
            continue
        info = host.get_domain(obj.uuid)
        if info is not None and any(nic.network == network for nic in info.nics):
            return True
    return False
