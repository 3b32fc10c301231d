"""Where a client reaches a port of an instance: through a port forward to that port, or at the instance's address."""

from __future__ import annotations

from typing import Any

from iaas.cloud import Cloud, HostConfig
from iaas.cloud.access import Endpoint, endpoint
from iaas.cloud.inventory import InventoryRecord

VM = InventoryRecord("vm-1", "instance", "web-1", stack="s1", address="instance.web-1", host="h1")


def forward(name: str, target_port: int, host_port: int, host: str = "h1", **inputs: Any) -> InventoryRecord:
    data = {"inputs": {"instance": VM.id, "target_port": target_port, "host_port": host_port, **inputs}}
    return InventoryRecord(f"pf-{name}", "port_forward", name, stack="s1", host=host, data=data)


def test_a_forward_to_the_port_on_every_address_of_a_local_host_is_reached_on_loopback(cloud: Cloud) -> None:
    records = [VM, forward("web", 80, 8080), forward("ssh", 22, 2222)]
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=records) == Endpoint("127.0.0.1", 2222)


def test_a_forward_on_one_address_is_reached_there(cloud: Cloud) -> None:
    records = [forward("ssh", 22, 2222, host_address="192.0.2.7")]
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=records) == Endpoint("192.0.2.7", 2222)


def test_a_forward_on_every_address_of_a_remote_host_is_reached_at_the_host(cloud: Cloud) -> None:
    cloud.host_configs["far"] = HostConfig("far", "qemu+ssh://root@hv.example.net/system")
    records = [forward("ssh", 22, 2200, host="far")]
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=records) == Endpoint("hv.example.net", 2200)


def test_without_a_forward_to_the_port_the_instance_is_reached_at_its_own_address(cloud: Cloud) -> None:
    records = [VM, forward("web", 80, 8080)]
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=records) == Endpoint("10.0.0.5", None)
    assert endpoint(cloud, VM, None, 22, records=records) is None


def test_the_records_default_to_what_the_cloud_manages(cloud: Cloud) -> None:
    cloud.inventory.put(forward("ssh", 22, 2222))
    assert endpoint(cloud, VM, None, 22) == Endpoint("127.0.0.1", 2222)
    assert endpoint(cloud, VM, None, 2222) is None


def test_an_instance_on_a_remote_host_without_a_forward_is_reached_through_the_host(cloud: Cloud) -> None:
    cloud.host_configs["h1"] = HostConfig("h1", "qemu+ssh://admin@hv.example.net:2022/system")
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[VM]) == Endpoint(
        "10.0.0.5", None, jump="admin@hv.example.net:2022"
    )
    cloud.host_configs["h1"] = HostConfig("h1", "qemu+tcp://[2001:db8::7]:16509/system")
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[VM]) == Endpoint("10.0.0.5", None, jump="[2001:db8::7]")


def test_a_forward_or_a_local_host_needs_no_jump(cloud: Cloud) -> None:
    cloud.host_configs["h1"] = HostConfig("h1", "qemu+ssh://admin@hv.example.net/system")
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[forward("ssh", 22, 2222)]).jump is None
    cloud.host_configs["h1"] = HostConfig("h1", "qemu:///system")
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[VM]) == Endpoint("10.0.0.5", None)


def test_an_instance_with_a_floating_ip_is_reached_there_on_its_own_port_without_a_jump(cloud: Cloud) -> None:
    cloud.host_configs["h1"] = HostConfig("h1", "qemu+ssh://admin@hv.example.net/system")
    data = {"inputs": {"instance": VM.id}, "outputs": {"ip_address": "192.0.2.17"}}
    public = InventoryRecord("fip-1", "floating_ip", "public", stack="s1", host="h1", data=data)
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[VM, public]) == Endpoint("192.0.2.17", None)
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[public, forward("ssh", 22, 2222)]).port == 2222  # forward first
    detached = InventoryRecord("fip-2", "floating_ip", "spare", stack="s1", data={"inputs": {"instance": None}})
    assert endpoint(cloud, VM, "10.0.0.5", 22, records=[VM, detached]).jump == "admin@hv.example.net"
