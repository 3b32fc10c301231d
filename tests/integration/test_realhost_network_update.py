"""Editing a network under a running guest on a namespaced libvirt host: live where libvirt can, else a restart
that the plan announces."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import connect

pytestmark = pytest.mark.realhost


def _stack(guest: TinyGuest, **network: object) -> iaas.Stack:
    stack = iaas.Stack("netedit")
    lan = stack.add(iaas.Network(name="lan", cidr="10.98.0.0/24", mode="isolated", **network))  # type: ignore[arg-type]
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    size = {"vcpus": 1, "memory_mib": 128, "root_disk_gib": 1, "wait_for_address": True}
    stack.add(iaas.Instance(name="vm", image=image, nics=[iaas.Nic(network=lan, fixed_ip="10.98.0.10")], **size))
    return stack


def test_a_dhcp_range_and_dns_records_change_under_a_running_guest_without_a_restart(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    cloud = {"hosts": [realhost.config()], "home": str(tmp_path / "cloud")}
    with iaas.Engine.open("netedit", home=tmp_path, cloud=cloud) as engine, Host("h1", realhost.uri) as host:
        try:
            engine.apply(_stack(tiny_guest))
            net = engine.store.get("network.lan")
            assert net is not None and net.id is not None
            bridge = net.outputs["bridge"]

            def ifindex() -> str:
                return realhost.run("cat", f"/sys/class/net/{bridge}/ifindex").stdout.strip()

            before = ifindex()
            client = realhost.client(bridge, "10.98.0.250/24")
            assert "hello from vm" in connect(client, "10.98.0.10", 7, attempts=60).stdout

            edited = _stack(tiny_guest, dhcp_start="10.98.0.100", dhcp_end="10.98.0.120", dns_hosts={"db": "10.98.0.5"})
            plan = engine.plan(edited)
            change = plan.changes["network.lan"]
            assert change.action == "update" and {c.update for c in change.changes} == {"live"} and not change.notes
            engine.apply(plan)
            spec = host.get_network(net.id).spec  # type: ignore[union-attr]
            assert (spec.dhcp_start, spec.dhcp_end, spec.dns_hosts) == (
                "10.98.0.100",
                "10.98.0.120",
                (("10.98.0.5", ("db",)),),
            )
            assert ifindex() == before  # the bridge was not made anew: the network was not restarted
            assert host.get_domain("vm").state == "running"  # type: ignore[union-attr]
            answer = connect(client, "10.98.0.10", 7, attempts=20)  # the client's port is still on the bridge
            assert "hello from vm" in answer.stdout, answer.stderr
            looked_up = client.run("busybox", "nslookup", "db", "10.98.0.1")
            assert "10.98.0.5" in looked_up.stdout, looked_up.stdout + looked_up.stderr
            assert engine.plan(edited).empty

            restart = engine.plan(
                _stack(
                    tiny_guest,
                    dhcp_start="10.98.0.100",
                    dhcp_end="10.98.0.120",
                    mtu=1400,
                    dns_hosts={"db": "10.98.0.5"},
                )
            )
            assert restart.changes["network.lan"].notes == [
                "restarts the network: running guests lose connectivity for a moment: vm on host h1"
            ]
        finally:
            engine.destroy()
