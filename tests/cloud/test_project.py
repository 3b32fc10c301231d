"""Projects: recorded in the cloud's inventory; not deletable while something belongs to them."""

from __future__ import annotations

import pytest

from iaas.cloud import Cloud
from iaas.cloud.store import InventoryRecord
from iaas.errors import IaasError

QUOTA = {
    "instances": 2,
    "vcpus": 8,
    "memory_mib": 8192,
    "volumes": 4,
    "volume_gib": 100,
    "networks": 2,
    "port_forwards": 5,
}


def inputs(name: str = "team-a", **extra: object) -> dict:
    return {"name": name, "description": "the A team", "quota": dict(QUOTA), **extra}


def test_create_records_the_project_under_the_pending_id(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    outputs = cloud.create("project", ctx, inputs(), {})
    assert outputs == {"id": ctx.pending_id}
    rec = cloud.inventory.get(ctx.pending_id)
    assert (rec.kind, rec.name, rec.stack, rec.address) == ("project", "team-a", "s1", "project.team-a")


def test_create_again_with_the_same_pending_id_makes_no_duplicate(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    first = cloud.create("project", ctx, inputs(), {})
    second = cloud.create("project", ctx, inputs(), {})
    assert first == second
    assert [r.id for r in cloud.inventory.list("project")] == [ctx.pending_id]


def test_read_reports_the_recorded_inputs(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    out = cloud.create("project", ctx, inputs(), {})
    seen = cloud.read("project", ctx, out["id"], out)
    assert seen is not None
    assert seen.inputs["quota"] == QUOTA and seen.inputs["description"] == "the A team"
    assert seen.outputs == {"id": out["id"]}
    assert (seen.stack, seen.address) == ("s1", "project.team-a")


def test_read_of_a_missing_project_is_none(cloud: Cloud, op) -> None:
    assert cloud.read("project", op("project.x"), "no-such-id", {}) is None


def test_update_changes_the_quota(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    out = cloud.create("project", ctx, inputs(), {})
    new = inputs(quota={**QUOTA, "instances": 7})
    assert cloud.update("project", ctx, out["id"], inputs(), new, ["quota"], out) == out
    assert cloud.read("project", ctx, out["id"], out).inputs["quota"]["instances"] == 7


def test_delete_removes_it_and_deleting_again_is_fine(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    out = cloud.create("project", ctx, inputs(), {})
    cloud.delete("project", ctx, out["id"], out)
    assert cloud.read("project", ctx, out["id"], out) is None
    cloud.delete("project", ctx, out["id"], out)


def test_lookup_by_name_and_by_id(cloud: Cloud, op) -> None:
    ctx = op("project.team-a")
    out = cloud.create("project", ctx, inputs(), {})
    cloud.create("project", op("project.team-b"), inputs("team-b"), {})
    assert cloud.lookup("project", ctx, "team-a").id == out["id"]
    assert cloud.lookup("project", ctx, out["id"]).inputs["name"] == "team-a"
    assert cloud.lookup("project", ctx, "team-z") is None


def test_lookup_by_name_prefers_the_asking_stack(cloud: Cloud, op) -> None:
    # project names are held once: two of one name are left only by an inventory older than that rule
    data = {"inputs": inputs(), "outputs": {}}
    cloud.inventory.put(InventoryRecord("older", "project", "team-a", "other", "project.team-a", data=data))
    mine = cloud.create("project", op("project.team-a", stack="mine"), inputs(), {})
    assert cloud.lookup("project", op("project.team-a", stack="mine"), "team-a").id == mine["id"]


def test_delete_is_refused_while_resources_belong_to_it(cloud: Cloud, op, create) -> None:
    ctx = op("project.team-a")
    out = cloud.create("project", ctx, inputs(), {})
    group = create(cloud, "server_group", "web", stack="s2", policy="anti-affinity", project=out["id"])
    with pytest.raises(IaasError, match=r"cannot delete project 'team-a': still used by server_group.web \(stack s2\)"):
        cloud.delete("project", ctx, out["id"], out)
    assert cloud.read("project", ctx, out["id"], out) is not None
    cloud.delete("server_group", op("server_group.web", stack="s2"), group["id"], group)
    cloud.delete("project", ctx, out["id"], out)
    assert cloud.read("project", ctx, out["id"], out) is None
