"""Plan, apply, read and import of single resources, on the embedded cloud, against the core's semantics.

Terraform's own rules are checked here as well: a planned value that is known must be the
value after apply, a no-op plan is the prior state itself, nothing stays unknown after apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas import resources
from iaas.model import UNKNOWN, contains_unknown
from iaas_terraform.objects import tf_object
from iaas_terraform.operations import Operations
from tests.terraform.conftest import KEY


@pytest.fixture
def ops(tmp_path: Path) -> Operations:
    session = resources.Session(iaas.Cloud.open(home=tmp_path / "home"), stack="terraform")
    return Operations(lambda: session)


def _config(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """A configuration as Terraform sends it: every attribute, null where unset, computed ones null."""
    return tf_object(kind, values, {})


def _consistent(planned: Any, applied: Any, path: str = "") -> None:
    if planned is UNKNOWN:
        assert not contains_unknown(applied), path
    elif isinstance(planned, dict):
        for key in planned:
            _consistent(planned[key], applied[key], f"{path}.{key}")
    elif isinstance(planned, list):
        assert len(planned) == len(applied), path
        for i, (a, b) in enumerate(zip(planned, applied, strict=True)):
            _consistent(a, b, f"{path}[{i}]")
    else:
        assert planned == applied, path


def _create(ops: Operations, kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    plan = ops.plan(kind, None, _config(kind, values), b"")
    state, private = ops.apply(kind, None, plan.state, plan.private)
    assert state is not None
    _consistent(plan.state, state)
    return state, private


NETWORK = {"name": "n", "cidr": "10.70.0.0/24"}
NETWORK_CHANGES = [
    ("cidr", "10.71.0.0/24"),
    ("mode", "isolated"),
    ("name", "m"),
    ("dhcp", False),
    ("mtu", 1400),
    ("domain", "lan"),
    ("dhcp_start", "10.70.0.50"),
]


@pytest.mark.parametrize(("field", "value"), NETWORK_CHANGES)
def test_requires_replace_is_the_core_diff(ops: Operations, field: str, value: Any) -> None:
    state, private = _create(ops, "network", NETWORK)
    new = {**NETWORK, field: value}
    plan = ops.plan("network", state, _config("network", new), private)
    core = resources.diff("network", resources.check("network", NETWORK).inputs, new)
    assert plan.requires_replace == core.replace_fields
    if core.action == "replace":
        assert plan.state is not None and plan.state["id"] is UNKNOWN
        return
    assert plan.state is not None and plan.state["id"] == state["id"] and plan.state["gateway"] == "10.70.0.1"
    after, after_private = ops.apply("network", state, plan.state, plan.private)
    _consistent(plan.state, after)
    assert after is not None and after[field] == value
    assert ops.plan("network", after, _config("network", new), after_private).state is after  # nothing left to do


def test_defaults_and_the_clouds_choices_are_planned(ops: Operations) -> None:
    plan = ops.plan("network", None, _config("network", NETWORK), b"")
    assert plan.state is not None
    assert (plan.state["mode"], plan.state["dhcp"], plan.state["host"]) == ("nat", True, "default")
    assert plan.state["id"] is UNKNOWN and plan.state["gateway"] is UNKNOWN
    state, private = ops.apply("network", None, plan.state, plan.private)
    assert ops.plan("network", state, _config("network", NETWORK), private).state is state
    pinned = {**NETWORK, "host": "default"}  # the core counts pinning a host as a change, even to the chosen one
    core = resources.diff("network", resources.check("network", NETWORK).inputs, pinned)
    assert ops.plan("network", state, _config("network", pinned), private).requires_replace == core.replace_fields


def _instance(ops: Operations, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    (tmp_path / "base.qcow2").write_bytes(b"\0" * 4096)
    image, _ = _create(ops, "image", {"name": "base", "source": str(tmp_path / "base.qcow2")})
    net, _ = _create(ops, "network", NETWORK)
    values = {
        "name": "vm",
        "image": image["id"],
        "flavor": "m1.tiny",
        "max_memory_mib": 1024,
        "nics": [{"network": net["id"]}],
    }
    vm, private = _create(ops, "instance", values)
    return values, vm, private


def test_instance_updates_in_place_and_replaces(ops: Operations, tmp_path: Path) -> None:
    values, vm, private = _instance(ops, tmp_path)
    assert (vm["vcpus"], vm["memory_mib"], vm["root_disk_gib"]) == (1, 512, 1)  # from the flavor
    bigger = {**values, "memory_mib": 1024}
    plan = ops.plan("instance", vm, _config("instance", bigger), private)
    assert plan.requires_replace == [] and plan.state is not None and plan.state["ip_address"] == vm["ip_address"]
    grown, private = ops.apply("instance", vm, plan.state, plan.private)
    assert grown is not None and grown["id"] == vm["id"] and grown["memory_mib"] == 1024

    net2, _ = _create(ops, "network", {"name": "n2", "cidr": "10.72.0.0/24"})
    two_nics = {**bigger, "nics": [*values["nics"], {"network": net2["id"], "fixed_ip": "10.72.0.9"}]}
    plan = ops.plan("instance", grown, _config("instance", two_nics), private)
    assert plan.state is not None and plan.state["ip_addresses"] is UNKNOWN and plan.state["id"] == vm["id"]
    wired, private = ops.apply("instance", grown, plan.state, plan.private)
    assert wired is not None and wired["ip_addresses"][1] == "10.72.0.9"
    _consistent(plan.state, wired)

    plan = ops.plan("instance", wired, _config("instance", {**two_nics, "user_data": "#cloud-config\n"}), private)
    assert plan.requires_replace == ["user_data"]
    assert plan.state is not None and plan.state["id"] is UNKNOWN and plan.state["host"] == "default"


def test_refresh_reports_drift_and_deletion(ops: Operations, tmp_path: Path) -> None:
    values, vm, private = _instance(ops, tmp_path)
    inputs = resources.check("instance", values).inputs
    ops.session.update("instance", "instance.vm", vm["id"], inputs, {**inputs, "memory_mib": 768}, {})
    refreshed = ops.read("instance", vm, private)
    assert refreshed is not None and refreshed["memory_mib"] == 768
    assert {k: v for k, v in refreshed.items() if k != "memory_mib"} == {
        k: v for k, v in vm.items() if k != "memory_mib"
    }
    plan = ops.plan("instance", refreshed, _config("instance", values), private)
    assert plan.state is not None and plan.state["memory_mib"] == 512 and plan.requires_replace == []
    ops.session.delete("instance", "instance.vm", vm["id"])
    assert ops.read("instance", vm, private) is None


def test_import_then_no_change(ops: Operations) -> None:
    state, _ = _create(ops, "security_group", {"name": "web", "rules": [{"port_min": 22}, {"protocol": "icmp"}]})
    key, _ = _create(ops, "key_pair", {"name": "admin", "public_key": KEY})
    for kind, ref, values in (
        ("security_group", "web", {"name": "web", "rules": [{"port_min": 22}, {"protocol": "icmp"}]}),
        ("key_pair", key["id"], {"name": "admin", "public_key": KEY}),
    ):
        imported, private = ops.import_(kind, ref)
        plan = ops.plan(kind, imported, _config(kind, values), private)
        assert plan.state is imported and plan.requires_replace == []
    assert imported == key
    with pytest.raises(iaas.NotFoundError):
        ops.import_("network", "nope")


def test_data_source_by_name_or_id(ops: Operations) -> None:
    net, _ = _create(ops, "network", NETWORK)
    by_name = ops.read_data("network", {"name": "n", "id": None})
    by_id = ops.read_data("network", {"name": None, "id": net["id"]})
    assert by_name == by_id and by_name["gateway"] == "10.70.0.1" and by_name["cidr"] == NETWORK["cidr"]
    with pytest.raises(iaas.NotFoundError, match="no network named or with id 'nope'"):
        ops.read_data("network", {"name": "nope"})


def test_errors_name_the_field(ops: Operations) -> None:
    state, private = _create(ops, "volume", {"name": "v", "size_gib": 2})
    with pytest.raises(iaas.ValidationError) as caught:
        ops.plan("volume", state, _config("volume", {"name": "v", "size_gib": 1}), private)
    assert [e.field for e in caught.value.errors] == ["size_gib"]
    with pytest.raises(iaas.ValidationError) as caught:
        ops.plan("network", None, _config("network", {"name": "n", "cidr": "10.0.0.0/33", "mtu": 1}), b"")
    assert {e.field for e in caught.value.errors} == {"cidr", "mtu"}


def test_references_by_name_stay_as_written(ops: Operations, tmp_path: Path) -> None:
    values, vm, private = _instance(ops, tmp_path)
    by_name = {**values, "image": "base", "nics": [{"network": "n"}]}
    plan = ops.plan("instance", vm, _config("instance", by_name), private)  # same objects, other spelling
    assert plan.requires_replace == [] and plan.state is not None and plan.state["id"] == vm["id"]
    named, private = ops.apply("instance", vm, plan.state, plan.private)
    assert named is not None and named["image"] == "base" and named["nics"][0]["network"] == "n"
    refreshed = ops.read("instance", named, private)
    assert refreshed == named  # the cloud reports ids; a name for the same object is no drift
    assert ops.plan("instance", refreshed, _config("instance", by_name), private).state is refreshed
    with pytest.raises(iaas.ValidationError, match="image: no image named or with id 'nope' exists"):
        ops.plan("instance", None, _config("instance", {**by_name, "name": "vm2", "image": "nope"}), b"")
