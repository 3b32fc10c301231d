"""A whole stack on a real libvirt host (QEMU, in private namespaces), through the engine.

One stack: an isolated network, a security group, a key pair, an image
booting the tiny guest, a volume, two instances and a port forward.  The
tests run in order on the same stack: apply, the guests' leases and what
their consoles say, a live memory change, the security group's filter, and
finally destroy, which must leave nothing behind on the host.
"""

from __future__ import annotations

import base64
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

import iaas
from iaas.cloud.kinds._instance_parts import disk_serial
from iaas.drivers.libvirt import Host, libvirtd_netns, wait_for_port
from iaas.errors import HostError
from tests.integration.conftest import Client, NamespacedHost, TinyGuest
from tests.libvirt_calls import LibvirtCalls

pytestmark = pytest.mark.realhost

STACK = "it"
LEASE_TIMEOUT = 180.0  # seconds for a guest under TCG to get its lease (typically under 15)
CONSOLE_TIMEOUT = 60.0  # seconds for the console to show a line once the guest has its lease


def _ssh_key() -> str:
    def wire(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = wire(b"ssh-ed25519") + wire(bytes(range(32)))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} it@test"


KEY = _ssh_key()


def make_stack(guest: TinyGuest, *, memory_mib: int = 256, vm2_volume: bool = False, extra_gib: int = 1) -> iaas.Stack:
    """The scenario's stack; the tests change ``memory_mib`` of vm1, give vm2 a volume and grow it."""
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="lan", cidr="10.88.0.0/24", mode="isolated", dhcp_end="10.88.0.199"))
    sg = stack.add(
        iaas.SecurityGroup(name="echo", rules=[iaas.Rule(protocol="tcp", port_min=7), iaas.Rule(protocol="icmp")])
    )
    key = stack.add(iaas.KeyPair(name="admin", public_key=KEY))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    data = stack.add(iaas.Volume(name="data", size_gib=1))
    size = {"vcpus": 1, "max_memory_mib": 256, "root_disk_gib": 1}
    vm1 = stack.add(
        iaas.Instance(
            name="vm1",
            image=image,
            key_pair=key,
            memory_mib=memory_mib,
            volumes=[data],
            nics=[iaas.Nic(network=lan, security_groups=[sg])],
            wait_for_port=7,
            **size,
        )
    )
    extra = [stack.add(iaas.Volume(name="extra", size_gib=extra_gib))] if vm2_volume else []
    stack.add(
        iaas.Instance(
            name="vm2", image=image, key_pair=key, memory_mib=256, nics=[iaas.Nic(network=lan)], volumes=extra, **size
        )
    )
    stack.add(iaas.PortForward(name="echo", instance=vm1, target_port=7, host_port=10007))
    return stack


@pytest.fixture(scope="module")
def world(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    """The engine on the namespaced host, and a driver connection to look at the host directly."""
    home = tmp_path_factory.mktemp("it-home")
    cloud = {"hosts": [realhost.config()], "home": str(home / "cloud")}
    engine = iaas.Engine.open(STACK, home=home, cloud=cloud, parallelism=8)
    host = Host("h1", realhost.uri)
    yield {"engine": engine, "host": host, "guest": tiny_guest, "ns": realhost, "ids": {}}
    try:
        engine.destroy()  # leaves nothing behind even when a test failed half way
    finally:
        engine.close()
        host.close()


def wait_for_console(path: Path, text: str, timeout: float = CONSOLE_TIMEOUT) -> str:
    """The console log once it holds ``text``; an error showing its end after ``timeout`` seconds."""
    start = time.monotonic()
    while True:
        seen = path.read_text(errors="replace") if path.exists() else ""
        if text in seen:
            return seen
        if time.monotonic() - start > timeout:
            raise AssertionError(
                f"{path.name}: no {text!r} after {timeout:g} s; the console ends with:\n{seen[-1500:]}"
            )
        time.sleep(0.2)


def connect(
    client: Client | NamespacedHost, address: str, port: int, attempts: int = 1
) -> subprocess.CompletedProcess[str]:
    """busybox nc: what a connection to ``address:port`` answers (tried up to ``attempts`` times).

    The guest's listener serves one connection at a time, so an allowed
    connection right after another may be refused for a moment; a guest
    under software emulation on a loaded machine may also accept and then
    take longer than the client waits to send its greeting.  Either is
    tried again: a try ends the loop only when something was answered.
    """
    for _ in range(attempts):
        done = client.run("busybox", "nc", "-w", "5", address, str(port))
        if done.returncode == 0 and done.stdout:
            break
        time.sleep(0.5)
    return done


def test_apply_boots_both_guests_with_their_seed(world: dict) -> None:
    engine, host, ids = world["engine"], world["host"], world["ids"]
    result = engine.apply(make_stack(world["guest"]))
    assert result.ok
    for name in ("vm1", "vm2"):
        info = host.get_domain(name)
        assert info is not None and info.state == "running"
        assert info.spec.kernel and info.spec.kernel.endswith("/vmlinuz")
        ids[name] = info.uuid
        found = host.wait_for_addresses(info.uuid, timeout=LEASE_TIMEOUT)
        assert [a.address.startswith("10.88.0.") for a in found] == [True]
        console = wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")
        assert f"IAAS-GUEST hostname={name}" in console
        assert f"IAAS-GUEST key={' '.join(KEY.split()[:2])}" in console
        assert f"IAAS-GUEST ip={found[0].address}" in console
        ids[f"{name}-ip"] = found[0].address


def test_readiness_from_the_lease_the_port_and_the_guest_agent(world: dict) -> None:
    engine, host, ids, ns = world["engine"], world["host"], world["ids"], world["ns"]
    # vm1 has wait_for_port=7: its address was known, and its port open, when the apply ended.
    vm1 = next(r for r in engine.cloud.managed_objects(STACK) if r.address == "instance.vm1")
    assert vm1.data["outputs"]["ip_address"] == ids["vm1-ip"]
    netns = libvirtd_netns(ns.uri)
    assert netns is not None and wait_for_port("h1", ids["vm1-ip"], 7, 10, netns=netns) < 10
    with pytest.raises(HostError, match=r"no connection after .*; last attempt: Connection refused"):
        wait_for_port("h1", ids["vm2-ip"], 9, 1.0, netns=netns)
    # The tiny guest runs no guest agent: asking it fails in time, saying so.
    with pytest.raises(HostError, match=r"addresses the guest agent reports: \S+: none; .*the guest agent: .*agent"):
        host.wait_for_addresses(ids["vm2"], timeout=2, source="agent")


def test_refresh_reports_the_leased_addresses(world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, ids = world["engine"], world["ids"]
    counted = LibvirtCalls(monkeypatch).during(engine.refresh)
    # the addresses of both guests come from one listing of the network's leases, not one call per guest
    assert counted["virNetworkGetDHCPLeases"] == 1 and counted["virDomainInterfaceAddresses"] == 0, counted
    plan = engine.plan(make_stack(world["guest"]))
    assert plan.empty, {a: c.action for a, c in plan.changes.items() if c.action != "noop"}
    records = {r.address: r for r in engine.cloud.managed_objects(STACK)}
    assert records["instance.vm1"].data["outputs"]["ip_address"] == ids["vm1-ip"]
    assert records["instance.vm2"].data["outputs"]["ip_address"] == ids["vm2-ip"]
    forward = records["port_forward.echo"]
    assert forward.host == "h1"
    assert forward.data["outputs"]["target_address"] == ids["vm1-ip"]
    assert forward.data["outputs"]["programmed"] == f"nft: DNAT to {ids['vm1-ip']}:7"


def test_port_forward_carries_a_connection_to_the_guest(world: dict) -> None:
    ns: NamespacedHost = world["ns"]
    # 10.88.0.1 is the host's own address on the network; port 10007 is forwarded to vm1's port 7.
    done = connect(ns, "10.88.0.1", 10007, attempts=20)
    assert "hello from vm1" in done.stdout, done.stderr
    rules = ns.run("nft", "list", "table", "ip", "iaas_port_forwards").stdout
    assert rules.count(f"dnat to {world['ids']['vm1-ip']}:7") == 2  # arriving, and made on the host


def test_guests_answer_inside_the_namespace(world: dict) -> None:
    ns: NamespacedHost = world["ns"]
    for name in ("vm1", "vm2"):  # a guest under software emulation on a loaded machine may take a while to listen
        done = connect(ns, world["ids"][f"{name}-ip"], 7, attempts=60)
        assert f"hello from {name}" in done.stdout, done.stderr


def test_security_group_drops_what_it_does_not_allow(world: dict) -> None:
    ns: NamespacedHost = world["ns"]
    bridge = world["engine"].cloud.managed_objects(STACK)
    bridge = next(r for r in bridge if r.address == "network.lan").data["outputs"]["bridge"]
    client = ns.client(bridge, "10.88.0.250/24")
    ids = world["ids"]
    allowed = connect(client, ids["vm1-ip"], 7, attempts=20)  # the new bridge port may take a moment
    assert "hello from vm1" in allowed.stdout, allowed.stderr
    # vm2 has no security group: a closed port refuses at once.
    unfiltered = connect(client, ids["vm2-ip"], 9)
    assert "refused" in unfiltered.stderr.lower(), unfiltered.stderr
    # vm1's group allows tcp/7 and icmp only: tcp/9 is dropped, no refusal comes back.
    filtered = connect(client, ids["vm1-ip"], 9)
    assert filtered.returncode != 0 and "timed out" in filtered.stderr, filtered.stderr


def test_memory_changes_live_without_a_reboot(world: dict) -> None:
    engine, host, ids = world["engine"], world["host"], world["ids"]
    before = host.get_domain(ids["vm1"])
    plan = engine.plan(make_stack(world["guest"], memory_mib=192))
    changes = {a: c for a, c in plan.changes.items() if c.action != "noop"}
    assert list(changes) == ["instance.vm1"] and changes["instance.vm1"].action == "update"
    engine.apply(plan)
    after = host.get_domain(ids["vm1"])
    assert (before.memory_mib, after.spec.memory_mib, after.state) == (256, 192, "running")
    # The guest's balloon driver gives the memory back over a moment; wait for it, boundedly.
    start = time.monotonic()
    while after.memory_mib != 192 and time.monotonic() - start < CONSOLE_TIMEOUT:
        time.sleep(0.2)
        after = host.get_domain(ids["vm1"])
    assert after.memory_mib == 192
    console = Path(after.spec.console_log).read_text(errors="replace")
    assert console.count("IAAS-GUEST ready") == 1  # the guest booted once: no restart
    assert connect(world["ns"], ids["vm1-ip"], 7, attempts=20).stdout.startswith("hello from vm1")


def test_a_volume_attaches_live(world: dict) -> None:
    engine, host, ids = world["engine"], world["host"], world["ids"]
    plan = engine.plan(make_stack(world["guest"], memory_mib=192, vm2_volume=True))
    changes = {a: c.action for a, c in plan.changes.items() if c.action != "noop"}
    assert changes == {"volume.extra": "create", "instance.vm2": "update"}
    engine.apply(plan)
    info = host.get_domain(ids["vm2"])
    extra = next(r for r in engine.cloud.managed_objects(STACK) if r.address == "volume.extra")
    assert info.state == "running"
    assert [(d.target, d.serial) for d in info.disks if d.target != "vda"] == [("vdb", disk_serial(extra.id))]
    console = Path(info.spec.console_log).read_text(errors="replace")
    assert console.count("IAAS-GUEST ready") == 1  # attached while it runs: no restart


def test_an_attached_volume_grows_under_the_running_guest(world: dict) -> None:
    engine, host, ids = world["engine"], world["host"], world["ids"]
    plan = engine.plan(make_stack(world["guest"], memory_mib=192, vm2_volume=True, extra_gib=2))
    changes = {a: c.action for a, c in plan.changes.items() if c.action != "noop"}
    assert changes == {"volume.extra": "update"}
    assert host.disk_capacity_live(ids["vm2"], "vdb") == 1 * 2**30
    engine.apply(plan)
    info = host.get_domain(ids["vm2"])
    assert info.state == "running"
    conn = libvirt.open(world["ns"].uri)
    try:  # what libvirt itself reports for the running guest's disk
        assert conn.lookupByUUIDString(ids["vm2"]).blockInfo("vdb", 0)[0] == 2 * 2**30
    finally:
        conn.close()
    assert engine.plan(make_stack(world["guest"], memory_mib=192, vm2_volume=True, extra_gib=2)).empty
    console = Path(info.spec.console_log).read_text(errors="replace")
    assert console.count("IAAS-GUEST ready") == 1  # grown while it runs: no restart


def test_destroy_leaves_nothing_behind(world: dict) -> None:
    engine, host, ns = world["engine"], world["host"], world["ns"]
    engine.destroy()
    assert host.list_managed() == []
    left = sorted(str(p.relative_to(ns.pool_path)) for p in Path(ns.pool_path).rglob("*") if p.is_file())
    assert left == []
    assert engine.cloud.managed_objects(STACK) == []
    assert "dnat" not in ns.run("nft", "list", "table", "ip", "iaas_port_forwards").stdout
