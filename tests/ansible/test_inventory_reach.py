"""The inventory plugin's ``ansible_host``: an instance on a remote hypervisor host is reached through that host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iaas import api
from iaas.cloud import Cloud, CloudConfig, HostConfig
from iaas.cloud.inventory import InventoryRecord

VM = InventoryRecord("vm-1", "instance", "web-1", stack="s1", address="instance.web-1", host="far")


@pytest.fixture
def plugin(importable_collection: None) -> Any:
    """The inventory plugin, its option ``ssh_port`` at its default."""
    from ansible_collections.iaas.cloud.plugins.inventory.iaas import InventoryModule

    made = InventoryModule()
    made.get_option = {"ssh_port": 22}.get  # type: ignore[method-assign]
    return made


def hostvars(plugin: Any, tmp_path: Path, uri: str) -> dict[str, Any]:
    cloud = Cloud(CloudConfig(hosts=[HostConfig("h1", "test:///default")], home=str(tmp_path)))
    try:
        cloud.host_configs["far"] = HostConfig("far", uri)
        found = api.ResourceState("vm-1", {}, {"ip_address": "10.0.0.5", "power_state": "running"})
        return dict(plugin._hostvars(cloud, VM, found, {}, [VM]))
    finally:
        cloud.close()


def test_an_instance_on_a_remote_host_gets_a_proxy_jump_through_the_host(plugin: Any, tmp_path: Path) -> None:
    found = hostvars(plugin, tmp_path, "qemu+ssh://admin@hv.example.net:2022/system")
    assert found["ansible_host"] == "10.0.0.5"
    assert found["ansible_ssh_common_args"] == "-o ProxyJump=admin@hv.example.net:2022"


def test_an_instance_on_this_machine_is_reached_directly(plugin: Any, tmp_path: Path) -> None:
    found = hostvars(plugin, tmp_path, "qemu:///system")
    assert found["ansible_host"] == "10.0.0.5" and "ansible_ssh_common_args" not in found
