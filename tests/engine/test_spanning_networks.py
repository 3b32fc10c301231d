"""Networks that span hosts: one L2 segment per network across the hosts of its instances."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas.errors import IaasError
from iaas.stackfile import load_stack


def cloud(tmp_path: Path, underlay: bool) -> dict[str, Any]:
    """Two simulated hosts, with underlay addresses or without."""
    hosts: list[dict[str, Any]] = [{"name": "ho1", "uri": "test:///default"}, {"name": "ho2", "uri": "test:///default"}]
    if underlay:
        for i, host in enumerate(hosts, 1):
            host["underlay"] = f"192.0.2.{i}"
    return {"hosts": hosts, "home": str(tmp_path / "cloud")}


def web_tier(image_file: Path, servers: int = 2, fixed: bool = False) -> iaas.Stack:
    """Anti-affinity web servers on one network (with fixed addresses, or from the DHCP range)."""
    stack = iaas.Stack("web")
    image = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="web", cidr="10.20.0.0/24", mode="isolated"))
    group = stack.add(iaas.ServerGroup(name="apart", policy="anti-affinity"))
    for i in range(1, servers + 1):
        nic: dict[str, Any] = {"network": net, "fixed_ip": f"10.20.0.{9 + i}"} if fixed else {"network": net}
        stack.add(
            iaas.Instance(
                name=f"web-{i}",
                image=image,
                vcpus=1,
                memory_mib=256,
                root_disk_gib=1,
                server_group=group,
                nics=[nic],
                wait_for_address=True,  # on the host that joined the network: a lease of the network's own host
            )
        )
    return stack


def test_a_network_spanning_hosts_without_underlay_is_a_plan_error(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, underlay=False)) as engine:
        with pytest.raises(IaasError) as caught:
            engine.plan(web_tier(image_file))
        message = str(caught.value)
        assert "network.web" in message
        assert "underlay" in message
        assert "ho2" in message


def test_two_anti_affinity_servers_share_a_network_across_hosts(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, underlay=True)) as engine:
        engine.apply(web_tier(image_file))
        resources = engine.resources()
        placed = {resources[f"instance.web-{i}"].outputs["host"] for i in (1, 2)}
        assert placed == {"ho1", "ho2"}
        net = resources["network.web"]
        home = net.outputs["host"]
        other = ({"ho1", "ho2"} - {home}).pop()
        hosts = engine.cloud.hosts
        segment = hosts[other].get_network(net.id)
        assert segment is not None  # the same network (UUID, bridge) joined on the other host
        assert (segment.bridge, segment.spec.ipv4_address, segment.spec.dhcp_start) == (
            net.outputs["bridge"],
            None,
            None,
        )
        own = hosts[home].get_network(net.id)
        assert own.spec.mtu == 1450 and segment.spec.mtu == 1450  # room for the VXLAN header
        assert own.spec.dhcp_start == "10.20.0.2"  # the one DHCP service, on the network's own host
        addresses = [resources[f"instance.web-{i}"].outputs["ip_address"] for i in (1, 2)]
        assert all(a.startswith("10.20.0.") for a in addresses) and len(set(addresses)) == 2

        one = web_tier(image_file, servers=1)  # the host of web-2 leaves the network, which stays
        plan = engine.plan(one)
        assert plan.summary()["replace"] == 0
        engine.apply(one)
        left = resources["instance.web-2"].outputs["host"]
        if left != home:
            assert hosts[left].get_network(net.id) is None
        assert engine.resources()["network.web"].id == net.id

        engine.destroy()
        assert [h.get_network(net.id) for h in hosts.values()] == [None, None]


def test_a_fixed_ip_on_a_spanned_network_is_served_by_its_own_host(tmp_path: Path, image_file: Path) -> None:
    stack = web_tier(image_file, fixed=True)
    with iaas.Engine.open("web", home=tmp_path, cloud=cloud(tmp_path, underlay=True)) as engine:
        engine.apply(stack)
        net = engine.resources()["network.web"]
        own = engine.cloud.hosts[net.outputs["host"]].get_network(net.id)
        assert sorted(h.ip for h in own.spec.dhcp_hosts) == ["10.20.0.10", "10.20.0.11"]
        engine.destroy()


def test_the_three_tier_example_plans_and_applies_over_two_hosts(tmp_path: Path, image_file: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "three-tier"
    shutil.copy(example / "stack.yaml", tmp_path / "stack.yaml")  # next to image_file, the tiny.qcow2 it names
    stack = load_stack(tmp_path / "stack.yaml")
    with iaas.Engine.open("three-tier", home=tmp_path, cloud=cloud(tmp_path, underlay=True)) as engine:
        assert engine.plan(stack).summary()["create"] == 9
        engine.apply(stack)
        assert {engine.outputs()["web_1_host"], engine.outputs()["web_2_host"]} == {"ho1", "ho2"}
        engine.destroy()
