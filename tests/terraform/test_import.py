"""Terraform import: another stack's object is refused unless taken over; a guest iaas did not create is adopted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas import resources
from iaas.errors import ConflictError
from iaas_terraform.objects import tf_object
from iaas_terraform.operations import Operations
from tests.brownfield import hand_made_world


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.qcow2"
    path.write_bytes(b"QFI\xfb" + b"\0" * 1020)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _ops(home: Path, stack: str) -> Operations:
    session = resources.Session(iaas.Cloud.open(home=home), stack=stack)
    return Operations(lambda: session)


def _create(ops: Operations, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    plan = ops.plan(kind, None, tf_object(kind, values, {}), b"")
    state, _ = ops.apply(kind, None, plan.state, plan.private)
    assert state is not None
    return state


def test_import_of_another_stacks_object_names_the_stack_and_changes_nothing(home: Path) -> None:
    made = _create(_ops(home, "team-a"), "network", {"name": "shared", "cidr": "10.72.0.0/24"})
    ops = _ops(home, "team-b")
    with pytest.raises(ConflictError, match=r"managed by stack 'team-a'.*take-over:"):
        ops.import_("network", "shared")
    [rec] = [r for r in ops.session.cloud.managed_objects() if r.id == made["id"]]
    assert (rec.stack, rec.address) == ("team-a", "network.shared")
    state, _ = ops.import_("network", f"take-over:{made['id']}")
    assert state["id"] == made["id"]
    [rec] = [r for r in ops.session.cloud.managed_objects() if r.id == made["id"]]
    assert rec.stack == "team-b"


def test_a_hand_made_guest_is_imported_and_its_first_plan_adopts_instead_of_replacing(
    home: Path, image_file: Path
) -> None:
    uuid = hand_made_world(home, image_file)
    ops = _ops(home, "terraform")
    state, private = ops.import_("instance", uuid)
    assert state["image"] is None and (state["vcpus"], state["memory_mib"], state["root_disk_gib"]) == (2, 768, 4)
    config = tf_object(
        "instance",
        {
            "name": "legacy",
            "image": "tiny",
            "vcpus": 2,
            "memory_mib": 768,
            "root_disk_gib": 4,
            "nics": [{"network": "web"}],
            "user_data": "#cloud-config\n",
        },
        {},
    )
    planned = ops.plan("instance", state, config, private)
    assert planned.requires_replace == []
    new, private = ops.apply("instance", state, planned.state, planned.private)
    assert new is not None and new["id"] == uuid and new["image"] == "tiny"
    assert ops.session.cloud.hosts["default"].get_domain(uuid) is not None
    again = ops.plan("instance", new, config, private)
    assert again.state == new and again.requires_replace == []
