"""The modules of iaas.cloud run in this process: changes, check and diff mode, info, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iaas

from .conftest import COLLECTION

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d test@iaas"
RunModule = Callable[..., dict[str, Any]]


@pytest.fixture
def cloud(tmp_path: Path) -> dict[str, str]:
    """The embedded cloud in a temporary home, as the option ``cloud``."""
    return {"home": str(tmp_path / "home")}


def _objects(cloud: dict[str, str]) -> list[tuple[str, str]]:
    c = iaas.Cloud.open(cloud)
    try:
        return sorted((r.kind, r.name) for r in c.managed_objects() if r.kind != "instance_seed")
    finally:
        c.close()


def test_create_again_update_replace_delete(run_module: RunModule, cloud: dict[str, str]) -> None:
    net = {"cloud": cloud, "name": "web", "cidr": "10.42.0.0/24"}
    made = run_module("network", net)
    assert made["changed"] and made["action"] == "create"
    assert made["network"]["gateway"] == "10.42.0.1" and made["network"]["stack"] == "ansible"
    again = run_module("network", net)
    assert not again["changed"] and again["network"]["id"] == made["network"]["id"]
    updated = run_module("network", {**net, "mtu": 1400}, diff=True)
    assert updated["action"] == "update" and updated["network"]["id"] == made["network"]["id"]
    assert updated["diff"]["before"].get("mtu") is None and updated["diff"]["after"]["mtu"] == 1400
    replaced = run_module("network", {**net, "mtu": 1400, "cidr": "10.43.0.0/24"})
    assert replaced["action"] == "replace" and replaced["network"]["id"] != made["network"]["id"]
    assert replaced["network"]["gateway"] == "10.43.0.1"
    gone = run_module("network", {"cloud": cloud, "name": "web", "state": "absent"})
    assert gone["changed"] and gone["action"] == "delete"
    assert not run_module("network", {"cloud": cloud, "name": "web", "state": "absent"})["changed"]
    assert _objects(cloud) == []


def test_check_mode_reports_and_changes_nothing(run_module: RunModule, cloud: dict[str, str]) -> None:
    run_module("network", {"cloud": cloud, "name": "web", "cidr": "10.42.0.0/24"})
    vm = {"cloud": cloud, "name": "vm", "image": "base", "flavor": "m1.tiny", "nics": [{"network": "web"}]}
    planned = run_module("instance", vm, check_mode=True, diff=True)
    assert planned["changed"] and planned["action"] == "create"
    assert planned["diff"]["after"]["image"] == "(known after apply)"  # the image does not exist yet
    assert planned["instance"]["host"] == "default"  # placement is checked even in check mode
    change = run_module("network", {"cloud": cloud, "name": "web", "cidr": "10.50.0.0/24"}, check_mode=True, diff=True)
    assert change["action"] == "replace" and change["diff"]["after"]["cidr"] == "10.50.0.0/24"
    deleting = run_module("network", {"cloud": cloud, "name": "web", "state": "absent"}, check_mode=True)
    assert deleting["changed"] and deleting["action"] == "delete"
    assert _objects(cloud) == [("network", "web")]
    assert run_module("network_info", {"cloud": cloud})["networks"][0]["cidr"] == "10.42.0.0/24"


def test_stacks_keep_objects_of_the_same_name_apart(run_module: RunModule, cloud: dict[str, str]) -> None:
    a = run_module("volume", {"cloud": cloud, "name": "data", "size_gib": 1, "stack": "a"})
    b = run_module("volume", {"cloud": cloud, "name": "data", "size_gib": 1, "stack": "b"})
    assert b["changed"] and a["volume"]["id"] != b["volume"]["id"]
    assert [k["stack"] for k in run_module("volume_info", {"cloud": cloud, "name": "data"})["volumes"]] == ["a", "b"]
    assert len(run_module("volume_info", {"cloud": cloud, "stack": "b"})["volumes"]) == 1


def test_a_name_held_once_is_refused_to_a_second_stack(run_module: RunModule, cloud: dict[str, str]) -> None:
    run_module("key_pair", {"cloud": cloud, "name": "admin", "public_key": KEY, "stack": "a"})
    for check_mode in (True, False):
        b = run_module("key_pair", {"cloud": cloud, "name": "admin", "public_key": KEY, "stack": "b"}, check_mode)
        assert b["failed"] and "key_pair.admin (stack a)" in b["msg"], b


def test_info_finds_nothing_without_failing(run_module: RunModule, cloud: dict[str, str]) -> None:
    for kind in iaas.KINDS:
        found = run_module(f"{kind}_info", {"cloud": cloud, "name": "nothing-here"})
        assert found == {"changed": False, f"{kind}s": [], "invocation": found["invocation"]}


def test_instance_references_by_name_and_actions(run_module: RunModule, cloud: dict[str, str], tmp_path: Path) -> None:
    image = tmp_path / "tiny.qcow2"
    image.write_bytes(b"\0" * 4096)
    run_module("image", {"cloud": cloud, "name": "base", "source": str(image)})
    run_module("network", {"cloud": cloud, "name": "web", "cidr": "10.42.0.0/24"})
    vm = {
        "cloud": cloud,
        "name": "vm",
        "image": "base",
        "flavor": "m1.tiny",
        "nics": [{"network": "web", "fixed_ip": "10.42.0.10"}],
        "user_data": "#cloud-config\n",
    }
    made = run_module("instance", vm)
    assert made["instance"]["ip_address"] == "10.42.0.10" and made["instance"]["power_state"] == "running"
    assert run_module("instance", vm)["changed"] is False
    sized = {k: v for k, v in vm.items() if k != "flavor"}
    resized = run_module("instance", {**sized, "vcpus": 1, "memory_mib": 512, "max_memory_mib": 1024})
    assert resized["action"] == "update" and resized["instance"]["max_memory_mib"] == 1024
    live = run_module("instance", {**sized, "vcpus": 1, "memory_mib": 1024, "max_memory_mib": 1024}, diff=True)
    assert live["action"] == "update" and live["diff"]["after"]["memory_mib"] == 1024
    stopped = run_module("instance_action", {"cloud": cloud, "name": "vm", "action": "stop"})
    assert stopped["changed"] and stopped["instance"]["power_state"] == "stopped"
    assert not run_module("instance_action", {"cloud": cloud, "name": "vm", "action": "stop"})["changed"]
    rebooted = run_module("instance_action", {"cloud": cloud, "name": "vm", "action": "reboot"})
    assert rebooted["changed"] and rebooted["instance"]["power_state"] == "running"
    info = run_module("instance_info", {"cloud": cloud, "name": "vm"})["instances"]
    assert info[0]["power_state"] == "running" and info[0]["user_data"] == "(sensitive value)"


def test_stack_module_plans_applies_and_destroys(run_module: RunModule, cloud: dict[str, str]) -> None:
    definition = {
        "resources": {"network": {"lab": {"cidr": "10.60.0.0/24"}}},
        "outputs": {"gateway": "${network.lab.gateway}"},
    }
    args = {"cloud": cloud, "stack": "lab", "definition": definition}
    planned = run_module("stack", args, check_mode=True, diff=True)
    assert planned["changed"] and planned["plan"]["create"] == 1 and "network.lab" in planned["diff"]["prepared"]
    assert _objects(cloud) == []
    applied = run_module("stack", args)
    assert applied["changed"] and applied["outputs"] == {"gateway": "10.60.0.1"}
    assert applied["resources"]["network.lab"]["gateway"] == "10.60.0.1"
    assert run_module("stack", args)["changed"] is False
    assert run_module("stack", {"cloud": cloud, "stack": "lab", "state": "absent"})["changed"]
    assert _objects(cloud) == []


# ---------------------------------------------------------------- bad input

BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("project", {"name": "p", "quota": {"instances": -5}}, "quota.instances"),
    ("image", {"name": "i", "source": "images/relative.qcow2"}, "source"),
    ("image", {"name": "i"}, "source"),
    ("key_pair", {"name": "k", "public_key": "not a key"}, "public_key"),
    ("network", {"name": "n", "cidr": "10.0.0.0/33"}, "cidr"),
    ("network", {"name": "n", "cidr": "10.0.0.0/24", "mode": "bridged"}, "mode"),
    ("network", {"name": "n", "cidr": "10.0.0.0/24", "dhcp_start": "10.9.0.5"}, "dhcp_start"),
    ("security_group", {"name": "s", "rules": [{"protocol": "icmp", "port_min": 22}]}, "rules[0].port_min"),
    ("security_group", {"name": "s", "rules": [{"port_min": 80, "colour": "red"}]}, "colour"),
    ("server_group", {"name": "g", "policy": "together"}, "policy"),
    ("volume", {"name": "v", "size_gib": 0}, "size_gib"),
    ("instance", {"name": "vm", "image": "nowhere"}, "flavor"),
    ("instance", {"name": "vm", "image": "nowhere", "flavor": "m1.tiny"}, "image"),
    ("instance", {"name": "vm", "image": "x", "flavor": "m1.tiny", "nics": [{"fixed_ip": "10.0.0.1"}]}, "network"),
    ("port_forward", {"name": "f", "instance": "nowhere", "target_port": 22, "host_port": 70000}, "host_port"),
    ("port_forward", {"name": "f", "instance": "nowhere", "target_port": 22, "host_port": 2222}, "instance"),
    ("floating_ip", {"name": "f", "ip_address": "not-an-address"}, "ip_address"),
    ("floating_ip", {"name": "f", "instance": "nowhere"}, "instance"),
    ("snapshot", {"name": "s", "instance": "nowhere", "revert": -1}, "revert"),
    ("snapshot", {"name": "s", "instance": "nowhere"}, "instance"),
    ("instance_action", {"name": "vm", "action": "dance"}, "action"),
    ("instance_action", {"name": "nowhere", "action": "stop"}, "name"),
    ("stack", {"definition": {"resources": {"network": {"lab": {"cidr": "nope"}}}}}, "network.lab.cidr"),
    ("stack", {"src": "missing.yaml"}, "missing.yaml"),
    ("stack", {"state": "absent"}, "stack"),
    *[(f"{kind}_info", {"colour": "red"}, "colour") for kind in iaas.KINDS],
    ("network", {"name": "n", "cidr": "10.0.0.0/24", "cloud": 5}, "cloud"),
    ("instance_info", {"cloud": ["a"]}, "cloud"),
    ("stack", {"definition": {}, "cloud": 5}, "cloud"),
    ("volume", {"name": "v", "size_gib": 1, "timeout": "soon"}, "timeout"),
]


@pytest.mark.parametrize(("module", "args", "option"), BAD_INPUT, ids=[f"{m}-{o}" for m, _, o in BAD_INPUT])
def test_bad_input_names_the_option(
    run_module: RunModule, cloud: dict[str, str], module: str, args: dict[str, Any], option: str
) -> None:
    result = run_module(module, {"cloud": cloud, **args})
    assert result.get("failed") is True, result
    assert option in result["msg"], result["msg"]
    assert "Traceback" not in result["msg"] and "exception" not in result, result


def test_every_module_has_a_bad_input_case() -> None:
    modules = {p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py")}
    assert modules == {m for m, _, _ in BAD_INPUT}


def test_the_timeout_option_bounds_wait_for_address(
    run_module: RunModule, cloud: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iaas.drivers.libvirt import Host

    asked: list[float] = []
    original = Host.wait_for_addresses

    def wait_for_addresses(self: Host, ref: str, timeout: float = 60.0, **kw: Any) -> Any:
        asked.append(timeout)
        return original(self, ref, timeout, **kw)

    monkeypatch.setattr(Host, "wait_for_addresses", wait_for_addresses)
    image = tmp_path / "base.qcow2"
    image.write_bytes(b"\0" * 4096)
    run_module("image", {"cloud": cloud, "name": "base", "source": str(image)})
    run_module("network", {"cloud": cloud, "name": "web", "cidr": "10.42.0.0/24"})
    vm = {"cloud": cloud, "name": "vm", "image": "base", "flavor": "m1.tiny", "nics": [{"network": "web"}]}
    made = run_module("instance", {**vm, "wait_for_address": True, "timeout": 42})
    assert made["instance"]["ip_address"] and asked == [42.0]
