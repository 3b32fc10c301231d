"""A network that spans two real libvirt hosts over VXLAN, on an underlay link the test makes between them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.cloud.kinds import _overlay
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import connect, wait_for_console

pytestmark = pytest.mark.realhost

UNDERLAY = {"h1": "192.0.2.1", "h2": "192.0.2.2"}  # TEST-NET-1: never routed anywhere


@pytest.fixture
def underlay(realhost: NamespacedHost, realhost2: NamespacedHost) -> Iterator[None]:
    """A veth pair between the two hosts' network namespaces, with an address at each end."""
    ends = {"h1": ("iaasul1", realhost), "h2": ("iaasul2", realhost2)}
    subprocess.run(["ip", "link", "add", "iaasul1", "type", "veth", "peer", "name", "iaasul2"], check=True)
    try:
        for name, (dev, host) in ends.items():
            subprocess.run(["ip", "link", "set", dev, "netns", str(host.process.pid)], check=True)
            for argv in (["ip", "addr", "add", f"{UNDERLAY[name]}/24", "dev", dev], ["ip", "link", "set", dev, "up"]):
                done = host.run(*argv)
                assert done.returncode == 0, done.stderr
        yield
    finally:
        realhost.run("ip", "link", "del", "iaasul1")  # takes its peer along
        subprocess.run(["ip", "link", "del", "iaasul1"], capture_output=True, check=False)


def test_two_guests_on_two_hosts_share_one_network(
    realhost: NamespacedHost, realhost2: NamespacedHost, underlay: None, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = iaas.Stack("span")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    net = stack.add(iaas.Network(name="web", cidr="10.77.0.0/24", mode="isolated", host="h1"))
    group = stack.add(iaas.ServerGroup(name="apart", policy="anti-affinity"))
    for name in ("web-1", "web-2"):
        stack.add(
            iaas.Instance(
                name=name,
                image=image,
                vcpus=1,
                memory_mib=128,
                root_disk_gib=1,
                server_group=group,
                nics=[{"network": net}],
                wait_for_address=True,  # the guest on h2 waits for its lease from h1's DHCP
            )
        )
    hosts = [realhost.config() | {"underlay": UNDERLAY["h1"]}, realhost2.config() | {"underlay": UNDERLAY["h2"]}]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    libvirt = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    ns = {"h1": realhost, "h2": realhost2}
    with iaas.Engine.open("span", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            res = engine.resources()
            placed = {res[f"instance.{n}"].outputs["host"]: n for n in ("web-1", "web-2")}
            assert sorted(placed) == ["h1", "h2"]
            bridge = res["network.web"].outputs["bridge"]
            seen = {}
            for host_name, name in placed.items():
                info = libvirt[host_name].get_domain(name)
                assert info is not None
                console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
                found = re.search(r"IAAS-GUEST ip=(10\.77\.0\.\d+)", console)
                assert found, console[-1500:]
                seen[name] = found.group(1)
            # one DHCP service, on h1, leased both addresses: the guest on h2 asked it over the overlay
            leases = libvirt["h1"].network_leases(res["network.web"].id)
            assert sorted(leases.values()) == sorted(seen.values())
            engine.refresh()
            res = engine.resources()
            assert {res[f"instance.{n}"].outputs["ip_address"] for n in seen} == set(seen.values())
            # h1 (the gateway 10.77.0.1) reaches the guest on h2, and a machine on h2's bridge the guest on h1
            done = connect(realhost, seen[placed["h2"]], 7, attempts=60)
            assert f"hello from {placed['h2']}" in done.stdout, done.stderr
            client = realhost2.client(bridge, "10.77.0.200/24")
            try:
                done = connect(client, seen[placed["h1"]], 7, attempts=60)
            finally:
                client.stop()  # its namespace goes, and its link with it
            assert f"hello from {placed['h1']}" in done.stdout, done.stderr
            for host_name in ("h1", "h2"):  # the encapsulation's room: 1450 on the bridges and VXLAN ports
                link = ns[host_name].run("ip", "-d", "link", "show", "dev", bridge).stdout
                assert "mtu 1450" in link, link
        finally:
            engine.destroy()
            for name, host in libvirt.items():
                assert host.list_managed() == []
                assert "iaasx" not in ns[name].run("ip", "-o", "link").stdout
                host.close()


def nic_stack(tiny_guest: TinyGuest, b_on_web: bool) -> iaas.Stack:
    """``a`` on h1 on the spanned network ``web`` (of h1); ``b`` on h2 on ``mgmt`` (of h2), and on ``web`` too."""
    stack = iaas.Stack("unplug")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    web = stack.add(iaas.Network(name="web", cidr="10.79.0.0/24", mode="isolated", host="h1"))
    mgmt = stack.add(iaas.Network(name="mgmt", cidr="10.80.0.0/24", mode="isolated", host="h2"))
    size = {"vcpus": 1, "memory_mib": 128, "root_disk_gib": 1}
    stack.add(iaas.Instance(name="a", image=image, host="h1", nics=[{"network": web}], **size))
    nics = [{"network": mgmt}, *([{"network": web}] if b_on_web else [])]
    stack.add(iaas.Instance(name="b", image=image, host="h2", nics=nics, **size))
    return stack


def test_a_host_leaves_the_overlay_when_its_last_guest_there_unplugs_its_nic(
    realhost: NamespacedHost, realhost2: NamespacedHost, underlay: None, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    hosts = [realhost.config() | {"underlay": UNDERLAY["h1"]}, realhost2.config() | {"underlay": UNDERLAY["h2"]}]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    libvirt = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    with iaas.Engine.open("unplug", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(nic_stack(tiny_guest, b_on_web=True))
            res = engine.resources()
            web = res["network.web"]
            port, bridge = _overlay.vxlan_name(web.id), web.outputs["bridge"]
            links = realhost2.run("ip", "-o", "link").stdout
            assert f" {port}:" in links and f" {bridge}:" in links  # h2 joined web for b
            consoles = {}
            for name, host in (("a", "h1"), ("b", "h2")):  # booted: ready for a NIC to be unplugged
                info = libvirt[host].get_domain(res[f"instance.{name}"].id)
                assert info is not None
                consoles[name] = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
            found = re.search(r"IAAS-GUEST ip=(10\.79\.0\.\d+)", consoles["a"])
            assert found, consoles["a"][-1500:]

            plan = engine.plan(nic_stack(tiny_guest, b_on_web=False))
            assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {"instance.b": "update"}
            engine.apply(plan)
            info = libvirt["h2"].get_domain(res["instance.b"].id)
            assert info is not None and info.state == "running" and [n.network for n in info.nics] == ["mgmt"]
            links = realhost2.run("ip", "-o", "link").stdout
            assert f" {port}:" not in links and f" {bridge}:" not in links, links  # h2 left web
            assert libvirt["h2"].get_network(web.id) is None
            # h1 still serves a on web (from its gateway, 10.79.0.1), without a VXLAN port to nobody
            assert f" {port}:" not in realhost.run("ip", "-o", "link").stdout
            done = connect(realhost, found.group(1), 7, attempts=60)
            assert "hello from a" in done.stdout, done.stderr
        finally:
            engine.destroy()
            for host in libvirt.values():
                assert host.list_managed() == []
                host.close()


def test_a_lost_vxlan_link_is_drift_and_apply_puts_it_back(
    realhost: NamespacedHost, realhost2: NamespacedHost, underlay: None, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    hosts = [realhost.config() | {"underlay": UNDERLAY["h1"]}, realhost2.config() | {"underlay": UNDERLAY["h2"]}]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    libvirt = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    stack = nic_stack(tiny_guest, b_on_web=True)
    with iaas.Engine.open("unplug", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            res = engine.resources()
            port = _overlay.vxlan_name(res["network.web"].id)
            info = libvirt["h2"].get_domain(res["instance.b"].id)
            assert info is not None
            console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
            found = re.search(r"IAAS-GUEST ip=(10\.80\.0\.\d+)", console)  # b's first NIC is on mgmt
            assert found, console[-1500:]
            assert engine.plan(stack, refresh=True).empty
            realhost2.run("ip", "link", "del", "dev", port)  # as a reboot of h2 would leave it
            plan = engine.plan(stack, refresh=True)
            assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {"network.web": "update"}
            assert any("VXLAN link on host h2" in str(d.get("actual")) for d in plan.drift)
            engine.apply(plan)
            link = realhost2.run("ip", "-o", "link", "show", "dev", port).stdout
            assert "UP" in link and f"master {res['network.web'].outputs['bridge']}" in link, link
            fdb = realhost2.run("bridge", "fdb", "show", "dev", port).stdout
            assert f"dst {UNDERLAY['h1']}" in fdb, fdb
            assert engine.plan(stack, refresh=True).empty
        finally:
            engine.destroy()
            for host in libvirt.values():
                assert host.list_managed() == []
                host.close()
