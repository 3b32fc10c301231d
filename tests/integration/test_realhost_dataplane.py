"""The dataplane heals: what a host loses (a reboot, a stopped network) shows in the plan and apply restores it."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

import iaas
from iaas.cloud.kinds import _dnat, _hostcmd
from iaas.drivers.libvirt import Host
from iaas.engine.render import render_plan
from tests.integration.conftest import NamespacedHost, TinyGuest, _host, restart_host
from tests.integration.test_realhost_stack import connect

pytestmark = pytest.mark.realhost


def make_stack(guest: TinyGuest) -> iaas.Stack:
    stack = iaas.Stack("heal")
    lan = stack.add(iaas.Network(name="lan", cidr="10.91.0.0/24", mode="isolated"))
    stack.add(iaas.Network(name="spare", cidr="10.92.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    vm = stack.add(
        iaas.Instance(name="vm", image=image, vcpus=1, memory_mib=192, root_disk_gib=1, nics=[iaas.Nic(network=lan)])
    )
    stack.add(iaas.PortForward(name="echo", instance=vm, target_port=7, host_port=10007))
    return stack


def test_a_reboot_and_a_stopped_network_show_as_drift_and_apply_restores_them(
    realhost_factory: dict[str, NamespacedHost], tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    host = _host(realhost_factory, "heal", tmp_path_factory)
    home = tmp_path_factory.mktemp("heal-home")
    cloud = {"hosts": [host.config()], "home": str(home / "cloud")}
    stack = make_stack(tiny_guest)
    with iaas.Engine.open("heal", home=home, cloud=cloud) as engine:
        engine.apply(stack)
        forward = engine.store.get("port_forward.echo").id  # type: ignore[union-attr]
    assert _dnat.present(_hostcmd.local_runner(host.uri), forward)

    host = restart_host(realhost_factory, "heal")  # the rules lived in the old network namespace
    conn = libvirt.open(host.uri)
    try:
        conn.networkLookupByName("spare").destroy()
    finally:
        conn.close()
    where = _hostcmd.local_runner(host.uri)
    assert not _dnat.present(where, forward)

    with iaas.Engine.open("heal", home=home, cloud=cloud) as engine:
        plan = engine.plan(stack)
        pending = {a: (c.action, c.repairs) for a, c in plan.changes.items() if c.action != "noop"}
        assert pending == {
            "port_forward.echo": ("update", ["DNAT rules on host heal"]),
            "network.spare": ("update", ["network running on host heal"]),
        }
        text = render_plan(plan)
        assert 'port_forward.echo.dataplane: "present" -> "missing: DNAT rules on host heal"' in text, text
        engine.apply(plan)
        assert _dnat.present(where, forward)
        with Host("heal", host.uri) as driver:
            assert driver.get_network("spare").active  # type: ignore[union-attr]
        assert engine.plan(stack).empty
        engine.destroy()
    assert host.run("nft", "list", "table", "ip", _dnat.TABLE).returncode != 0  # no empty table is left


def test_a_forward_is_reachable_from_another_machine(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    """A client namespace plays a machine on the host's LAN: it reaches the host's address, the forward takes it on."""
    stack = iaas.Stack("outside")
    lan = stack.add(iaas.Network(name="lan", cidr="10.97.0.0/24", mode="nat"))
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    vm = stack.add(
        iaas.Instance(name="vm", image=image, vcpus=1, memory_mib=128, root_disk_gib=1, nics=[iaas.Nic(network=lan)])
    )
    stack.add(iaas.PortForward(name="echo", instance=vm, target_port=7, host_port=10017))
    cloud = {"hosts": [realhost.config()], "home": str(tmp_path / "cloud")}
    for argv in (
        ["ip", "link", "add", "ext0", "type", "bridge"],
        ["ip", "addr", "add", "198.51.100.1/24", "dev", "ext0"],
        ["ip", "link", "set", "ext0", "up"],
    ):
        assert realhost.run(*argv).returncode == 0
    with iaas.Engine.open("outside", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            client = realhost.client("ext0", "198.51.100.2/24")
            answer = connect(client, "198.51.100.1", 10017, attempts=60)
            assert "hello from vm" in answer.stdout, answer.stderr
        finally:
            engine.destroy()
            realhost.run("ip", "link", "del", "ext0")
    assert "iaas:" not in realhost.run("iptables", "-w", "-S").stdout  # the admission went with the forward
