"""A flavor of the cloud config through the Terraform provider's operations: the same expansion and verdicts
as the engine's plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas import resources
from iaas_terraform.operations import Operations
from tests.terraform.test_operations import _config, _create

FLAVORS = {"gpu-less": {"vcpus": 4, "memory_mib": 8192, "root_disk_gib": 40, "machine": "q35", "firmware": "uefi"}}


@pytest.fixture
def ops(tmp_path: Path) -> Operations:
    cloud = iaas.Cloud.open({"home": str(tmp_path / "home"), "flavors": FLAVORS})
    session = resources.Session(cloud, stack="terraform")
    return Operations(lambda: session)


def _values(ops: Operations, tmp_path: Path, **fields: Any) -> dict[str, Any]:
    (tmp_path / "base.qcow2").write_bytes(b"\0" * 4096)
    image, _ = _create(ops, "image", {"name": "base", "source": str(tmp_path / "base.qcow2")})
    return {"name": "vm", "image": image["id"], "flavor": "gpu-less", **fields}


def test_the_plan_shows_the_flavor_s_sizes_and_the_guest_gets_them(ops: Operations, tmp_path: Path) -> None:
    values = _values(ops, tmp_path, memory_mib=4096)
    vm, private = _create(ops, "instance", values)  # the planned sizes are those applied
    assert (vm["vcpus"], vm["memory_mib"], vm["root_disk_gib"], vm["max_vcpus"]) == (4, 4096, 40, 4)
    spec = ops.session.cloud.hosts["default"].get_domain(vm["id"]).spec
    assert (spec.vcpus, spec.machine, spec.firmware) == (4, "q35", "uefi")
    refreshed = ops.read("instance", vm, private)
    assert refreshed is not None
    plan = ops.plan("instance", refreshed, _config("instance", values), private)
    assert plan.state is refreshed  # no change: the values left to the flavor are kept as written
    assert refreshed["vcpus"] == 4 and refreshed["machine"] is None


def test_an_unknown_flavor_is_refused_at_plan(ops: Operations, tmp_path: Path) -> None:
    values = _values(ops, tmp_path, flavor="gpu-more")
    with pytest.raises(
        iaas.ValidationError, match=r"instance.vm.flavor: unknown flavor 'gpu-more' \(known flavors: m1"
    ):
        ops.plan("instance", None, _config("instance", values), b"")
