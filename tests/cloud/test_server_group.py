"""Server groups: recorded in the inventory; not deletable while instances are members."""

from __future__ import annotations

import pytest

from iaas.cloud import Cloud
from iaas.cloud.inventory import InventoryRecord
from iaas.errors import IaasError


def inputs(name: str = "web", policy: str = "anti-affinity") -> dict:
    return {"name": name, "policy": policy, "project": None}


def test_create_records_the_group(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(), {})
    assert out == {"id": ctx.pending_id}
    rec = cloud.inventory.get(ctx.pending_id)
    assert (rec.kind, rec.name, rec.data["inputs"]["policy"]) == ("server_group", "web", "anti-affinity")


def test_create_again_with_the_same_pending_id_makes_no_duplicate(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    assert cloud.create("server_group", ctx, inputs(), {}) == cloud.create("server_group", ctx, inputs(), {})
    assert len(cloud.inventory.list("server_group")) == 1


def test_read_and_a_missing_group(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(policy="soft-affinity"), {})
    assert cloud.read("server_group", ctx, out["id"], out).inputs["policy"] == "soft-affinity"
    assert cloud.read("server_group", ctx, "missing", out) is None


def test_update_records_the_new_inputs(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(), {})
    cloud.update("server_group", ctx, out["id"], inputs(), inputs(policy="affinity"), ["policy"], out)
    assert cloud.read("server_group", ctx, out["id"], out).inputs["policy"] == "affinity"


def test_delete_and_delete_again(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(), {})
    cloud.delete("server_group", ctx, out["id"], out)
    cloud.delete("server_group", ctx, out["id"], out)
    assert cloud.read("server_group", ctx, out["id"], out) is None


def test_lookup_by_name_and_by_id(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(), {})
    assert cloud.lookup("server_group", ctx, "web").id == out["id"]
    assert cloud.lookup("server_group", ctx, out["id"]).inputs["name"] == "web"
    assert cloud.lookup("server_group", ctx, "db") is None


def test_delete_is_refused_while_an_instance_is_a_member(cloud: Cloud, op) -> None:
    ctx = op("server_group.web")
    out = cloud.create("server_group", ctx, inputs(), {})
    cloud.inventory.put(
        InventoryRecord(
            "i-1",
            "instance",
            "web-1",
            stack="s1",
            address="instance.web-1",
            host="h1",
            data={"inputs": {"server_group": out["id"]}, "outputs": {}},
        )
    )
    with pytest.raises(IaasError, match=r"still used by instance.web-1 \(stack s1\)"):
        cloud.delete("server_group", ctx, out["id"], out)
    cloud.inventory.delete("i-1")
    cloud.delete("server_group", ctx, out["id"], out)
