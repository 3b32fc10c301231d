"""Floating IPs on a namespaced real host, reached from a client namespace that plays a machine on the host's LAN."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.cloud.kinds import _floating, _hostcmd
from tests.integration.conftest import NamespacedHost, TinyGuest, _host, restart_host
from tests.integration.test_realhost_stack import connect

pytestmark = pytest.mark.realhost

LAN = "198.51.100"  # the host's external LAN: the host is .1, the client .2, the floating pool .16/28
FLOATING = f"{LAN}.20"


def plug_external(host: NamespacedHost) -> str:
    """Give the host an external interface on the LAN: a bridge, for the client to plug into."""
    for argv in (
        ["ip", "link", "add", "ext1", "type", "bridge"],
        ["ip", "addr", "add", f"{LAN}.1/24", "dev", "ext1"],
        ["ip", "link", "set", "ext1", "up"],
    ):
        assert host.run(*argv).returncode == 0
    return "ext1"


@pytest.fixture
def external(realhost: NamespacedHost) -> Iterator[str]:
    """The session host's external interface (removed after the test)."""
    yield plug_external(realhost)
    realhost.run("ip", "link", "del", "ext1")


def make_stack(guest: TinyGuest, target: str) -> iaas.Stack:
    stack = iaas.Stack("floating")
    lan = stack.add(iaas.Network(name="lan", cidr="10.98.0.0/24", mode="nat"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    vms = {
        name: stack.add(
            iaas.Instance(
                name=name, image=image, vcpus=1, memory_mib=128, root_disk_gib=1, nics=[iaas.Nic(network=lan)]
            )
        )
        for name in ("vm-a", "vm-b")
    }
    stack.add(iaas.FloatingIp(name="public", instance=vms[target], ip_address=FLOATING))
    return stack


def test_a_floating_ip_reaches_its_instance_from_outside_moves_live_heals_and_goes(
    realhost: NamespacedHost, external: str, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    config = {**realhost.config(), "floating_pool": f"{LAN}.16/28"}  # its interface: the one the pool is routed by
    cloud = {"hosts": [config], "home": str(tmp_path / "cloud")}
    where = _hostcmd.local_runner(realhost.uri)
    with iaas.Engine.open("floating", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(make_stack(tiny_guest, "vm-a"))
            public = engine.store.get("floating_ip.public")
            assert public is not None and public.outputs["interface"] == external
            client = realhost.client(external, f"{LAN}.2/24")
            answer = connect(client, FLOATING, 7, attempts=60)
            assert "hello from vm-a" in answer.stdout, answer.stderr

            plan = engine.plan(make_stack(tiny_guest, "vm-b"))
            assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {
                "floating_ip.public": "update"
            }
            engine.apply(plan)
            answer = connect(client, FLOATING, 7, attempts=60)
            assert "hello from vm-b" in answer.stdout, answer.stderr
            snat = realhost.run("nft", "list", "table", "ip", _floating.TABLE).stdout
            vm_b = engine.store.get("floating_ip.public").outputs["target_address"]  # type: ignore[union-attr]
            assert vm_b.startswith("10.98.0.")
            assert f'ip saddr {vm_b} oifname "{external}" snat to {FLOATING}' in snat

            # What a host restart loses: the rules and the address.  The plan shows it, apply restores it.
            assert realhost.run("nft", "delete", "table", "ip", _floating.TABLE).returncode == 0
            realhost.run("ip", "addr", "del", f"{FLOATING}/32", "dev", external)
            plan = engine.plan(make_stack(tiny_guest, "vm-b"))
            change = plan.changes["floating_ip.public"]
            assert change.action == "update" and change.repairs == [
                f"floating IP NAT rules, address {FLOATING} on {external} on host {realhost.name}"
            ]
            engine.apply(plan)
            assert _floating.missing(where, public.id, FLOATING, external) == []
            answer = connect(client, FLOATING, 7, attempts=60)
            assert "hello from vm-b" in answer.stdout, answer.stderr
        finally:
            engine.destroy()
    assert realhost.run("nft", "list", "table", "ip", _floating.TABLE).returncode != 0  # no table is left
    assert "iaas:" not in realhost.run("iptables", "-w", "-S").stdout  # nor libvirt's admission
    assert f" {FLOATING}/32 " not in realhost.run("ip", "-o", "addr", "show", "dev", external).stdout


def test_a_host_restart_shows_in_the_plan_and_apply_carries_the_address_again(
    realhost_factory: dict[str, NamespacedHost], tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    host = _host(realhost_factory, "fipr", tmp_path_factory)
    external = plug_external(host)
    home = tmp_path_factory.mktemp("fipr-home")
    config = {**host.config(), "floating_pool": f"{LAN}.16/28", "floating_interface": external}
    cloud = {"hosts": [config], "home": str(home / "cloud")}
    stack = iaas.Stack("restart")
    lan = stack.add(iaas.Network(name="lan", cidr="10.99.0.0/24", mode="nat"))
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    nic = iaas.Nic(network=lan, fixed_ip="10.99.0.10")  # the same address after the restart's new lease
    vm = stack.add(iaas.Instance(name="vm", image=image, vcpus=1, memory_mib=128, root_disk_gib=1, nics=[nic]))
    stack.add(iaas.FloatingIp(name="public", instance=vm))
    with iaas.Engine.open("restart", home=home, cloud=cloud) as engine:
        engine.apply(stack)
        address = engine.store.get("floating_ip.public").outputs["ip_address"]  # type: ignore[union-attr]
    assert address == f"{LAN}.17"
    assert "hello from vm" in connect(host.client(external, f"{LAN}.2/24"), address, 7, attempts=60).stdout

    host = restart_host(realhost_factory, "fipr")  # a new network namespace: rules and interfaces are gone
    plug_external(host)
    with iaas.Engine.open("restart", home=home, cloud=cloud) as engine:
        plan = engine.plan(stack)
        pending = {a: c.repairs for a, c in plan.changes.items() if c.action != "noop"}
        assert list(pending) == ["floating_ip.public"]
        [lost] = pending["floating_ip.public"]
        assert lost.startswith(f"floating IP NAT rules, address {address} on {external}"), lost
        engine.apply(plan)
        answer = connect(host.client(external, f"{LAN}.2/24"), address, 7, attempts=60)
        assert "hello from vm" in answer.stdout, answer.stderr
        assert engine.plan(stack).empty
        engine.destroy()
    assert host.run("nft", "list", "table", "ip", _floating.TABLE).returncode != 0


@pytest.mark.parametrize("firewall", ["nft", "iptables"])
def test_the_rules_and_the_address_are_put_once_checked_and_removed(
    realhost: NamespacedHost, external: str, monkeypatch: pytest.MonkeyPatch, firewall: str
) -> None:
    monkeypatch.setattr(_floating, "tool", lambda *_: firewall)
    where = _hostcmd.local_runner(realhost.uri)
    address = f"{LAN}.21"
    assert _floating.interface_for(where, f"{LAN}.16") == external
    for _ in range(2):  # a repair puts them again: nothing twice
        assert _floating.add(where, "fip-t", address, "10.1.2.3", external) == firewall
    assert _floating.missing(where, "fip-t", address, external) == []
    if firewall == "nft":
        listing = realhost.run("nft", "list", "table", "ip", _floating.TABLE).stdout
    else:
        listing = realhost.run("iptables", "-w", "-t", "nat", "-S").stdout
    assert listing.count("iaas:fip-t") == 3  # DNAT arriving, DNAT from the host, SNAT leaving
    assert realhost.run("ip", "-o", "addr", "show", "dev", external).stdout.count(f" {address}/32 ") == 1
    _floating.remove(where, "fip-t", address, external)
    assert _floating.missing(where, "fip-t", address, external)[:2] == ["NAT rules", f"address {address} on {external}"]
    assert "iaas:fip-t" not in realhost.run("iptables", "-w", "-t", "nat", "-S").stdout
    assert realhost.run("nft", "list", "table", "ip", _floating.TABLE).returncode != 0
    _floating.remove(where, "fip-t", address, external)  # nothing there is fine


@pytest.fixture
def shared_lan(realhost: NamespacedHost, realhost2: NamespacedHost, external: str) -> Iterator[str]:
    """h2 on h1's external LAN too: a veth from h2's namespace (``ext2``, .3) into h1's bridge; its interface."""
    subprocess.run(["ip", "link", "add", "ext2", "type", "veth", "peer", "name", "ext2p"], check=True)
    try:
        subprocess.run(["ip", "link", "set", "ext2", "netns", str(realhost2.process.pid)], check=True)
        subprocess.run(["ip", "link", "set", "ext2p", "netns", str(realhost.process.pid)], check=True)
        for host, argv in (
            (realhost, ["ip", "link", "set", "ext2p", "master", external, "up"]),
            (realhost2, ["ip", "addr", "add", f"{LAN}.3/24", "dev", "ext2"]),
            (realhost2, ["ip", "link", "set", "ext2", "up"]),
        ):
            done = host.run(*argv)
            assert done.returncode == 0, done.stderr
        yield "ext2"
    finally:
        realhost2.run("ip", "link", "del", "ext2")  # takes its peer along
        subprocess.run(["ip", "link", "del", "ext2"], capture_output=True, check=False)


def two_host_stack(guest: TinyGuest, target: str) -> iaas.Stack:
    """vm-a on h1 and vm-b on h2, each on a nat network of its host; the floating IP on ``target``."""
    stack = iaas.Stack("floating2")
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    vms = {}
    for vm, host, cidr in (("vm-a", "h1", "10.96.0.0/24"), ("vm-b", "h2", "10.95.0.0/24")):
        net = stack.add(iaas.Network(name=f"lan-{host}", cidr=cidr, mode="nat", host=host))
        nics = [iaas.Nic(network=net)]
        vms[vm] = stack.add(
            iaas.Instance(name=vm, image=image, vcpus=1, memory_mib=128, root_disk_gib=1, host=host, nics=nics)
        )
    stack.add(iaas.FloatingIp(name="public", instance=vms[target], ip_address=FLOATING))
    return stack


def mac_of(host: NamespacedHost, interface: str) -> str:
    found = re.search(r"link/ether (\S+)", host.run("ip", "-o", "link", "show", "dev", interface).stdout)
    assert found is not None
    return found.group(1)


def test_a_move_to_another_host_is_announced_to_the_lan_by_gratuitous_arp(
    realhost: NamespacedHost,
    realhost2: NamespacedHost,
    external: str,
    shared_lan: str,
    tiny_guest: TinyGuest,
    tmp_path: Path,
) -> None:
    pool = f"{LAN}.16/28"
    hosts = [realhost.config() | {"floating_pool": pool}, realhost2.config() | {"floating_pool": pool}]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    with iaas.Engine.open("floating2", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(two_host_stack(tiny_guest, "vm-a"))
            client = realhost.client(external, f"{LAN}.2/24")
            answer = connect(client, FLOATING, 7, attempts=60)
            assert "hello from vm-a" in answer.stdout, answer.stderr
            neighbour = client.run("ip", "neigh", "show", FLOATING).stdout
            assert mac_of(realhost, external) in neighbour, neighbour

            engine.apply(two_host_stack(tiny_guest, "vm-b"))
            moved = engine.store.get("floating_ip.public")
            assert moved is not None and (moved.outputs["host"], moved.outputs["interface"]) == ("h2", shared_lan)
            # Before the client sends anything: its cache already names h2, told by h2's gratuitous ARP.
            neighbour = client.run("ip", "neigh", "show", FLOATING).stdout
            assert mac_of(realhost2, shared_lan) in neighbour, neighbour
            answer = connect(client, FLOATING, 7, attempts=60)
            assert "hello from vm-b" in answer.stdout, answer.stderr
        finally:
            engine.destroy()
    assert f" {FLOATING}/32 " not in realhost2.run("ip", "-o", "addr", "show", "dev", shared_lan).stdout


@pytest.mark.parametrize("announcer", [("arping",), ("busybox", "arping"), ("iaas-no-such-arping",)])
def test_an_address_arriving_on_a_host_is_announced_by_the_first_arping_it_has(
    realhost: NamespacedHost,
    external: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    announcer: tuple[str, ...],
) -> None:
    monkeypatch.setattr(_floating, "ANNOUNCERS", (("iaas-no-such-arping",), announcer))
    where = _hostcmd.local_runner(realhost.uri)
    address = f"{LAN}.22"
    client = realhost.client(external, f"{LAN}.2/24")
    [port] = [line.split()[1].split("@")[0] for line in client.run("ip", "-o", "link").stdout.splitlines()[1:]]
    stale = "02:00:00:00:00:01"  # what a neighbour cached when another host carried the address
    done = client.run("ip", "neigh", "replace", address, "lladdr", stale, "dev", port, "nud", "stale")
    assert done.returncode == 0, done.stderr
    try:
        _floating.add(where, "fip-a", address, "10.1.2.3", external)
        neighbour = client.run("ip", "neigh", "show", address).stdout
        if announcer == ("iaas-no-such-arping",):  # none: the address is carried all the same, and a warning says so
            assert stale in neighbour, neighbour
            assert f"floating address {address} not announced on {external}" in caplog.text
            assert _floating.missing(where, "fip-a", address, external) == []
        else:
            assert mac_of(realhost, external) in neighbour, neighbour
            assert "not announced" not in caplog.text
    finally:
        _floating.remove(where, "fip-a", address, external)
        client.stop()
