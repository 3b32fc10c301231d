"""Port forwards: recorded in the inventory on their instance's host, towards its address."""

from __future__ import annotations

import pytest

from iaas.cloud import Cloud
from iaas.cloud.inventory import InventoryRecord
from iaas.errors import NotFoundError


@pytest.fixture
def instance(cloud: Cloud) -> InventoryRecord:
    """An instance in the inventory, on h1 at 10.0.0.5."""
    rec = InventoryRecord(
        "i-1",
        "instance",
        "app",
        stack="s1",
        address="instance.app",
        host="h1",
        data={"inputs": {"name": "app"}, "outputs": {"id": "i-1", "host": "h1", "ip_address": "10.0.0.5"}},
    )
    cloud.inventory.put(rec)
    return rec


def inputs(name: str = "http", instance: str = "i-1", **extra: object) -> dict:
    return {
        "name": name,
        "instance": instance,
        "target_port": 80,
        "host_port": 8080,
        "host_address": "0.0.0.0",
        "protocol": "tcp",
        "project": None,
        **extra,
    }


def test_create_targets_the_instance_and_says_nothing_is_forwarded(cloud: Cloud, op, instance, caplog) -> None:
    ctx = op("port_forward.http")
    out = cloud.create("port_forward", ctx, inputs(), {})
    assert out["id"] == ctx.pending_id
    assert (out["host"], out["target_address"]) == ("h1", "10.0.0.5")
    assert out["programmed"].startswith("recorded only: host h1 is simulated")
    assert "recorded only" in caplog.text
    assert cloud.inventory.get(out["id"]).host == "h1"


def test_the_instance_may_be_named(cloud: Cloud, op, instance) -> None:
    assert cloud.create("port_forward", op("port_forward.http"), inputs(instance="app"), {})["host"] == "h1"


def test_an_unknown_instance_is_refused(cloud: Cloud, op) -> None:
    with pytest.raises(NotFoundError, match=r"port_forward.http: instance 'i-9' is not in the cloud"):
        cloud.create("port_forward", op("port_forward.http"), inputs(instance="i-9"), {})
    assert cloud.inventory.list("port_forward") == []


def test_create_again_with_the_same_pending_id_makes_no_duplicate(cloud: Cloud, op, instance) -> None:
    ctx = op("port_forward.http")
    assert cloud.create("port_forward", ctx, inputs(), {}) == cloud.create("port_forward", ctx, inputs(), {})
    assert len(cloud.inventory.list("port_forward")) == 1


def test_read_follows_the_instance(cloud: Cloud, op, instance) -> None:
    ctx = op("port_forward.http")
    out = cloud.create("port_forward", ctx, inputs(), {})
    instance.data["outputs"]["ip_address"] = "10.0.0.9"
    cloud.inventory.put(instance)
    seen = cloud.read("port_forward", ctx, out["id"], out)
    assert seen.outputs["target_address"] == "10.0.0.9"
    assert seen.inputs["host_port"] == 8080
    assert cloud.read("port_forward", ctx, "missing", out) is None


def test_update_records_the_new_inputs(cloud: Cloud, op, instance) -> None:
    ctx = op("port_forward.http")
    out = cloud.create("port_forward", ctx, inputs(), {})
    new = cloud.update("port_forward", ctx, out["id"], inputs(), inputs(host_port=8443), ["host_port"], out)
    assert new["id"] == out["id"] and new["host"] == "h1"
    assert cloud.read("port_forward", ctx, out["id"], new).inputs["host_port"] == 8443


def test_delete_and_delete_again(cloud: Cloud, op, instance) -> None:
    ctx = op("port_forward.http")
    out = cloud.create("port_forward", ctx, inputs(), {})
    cloud.delete("port_forward", ctx, out["id"], out)
    cloud.delete("port_forward", ctx, out["id"], out)
    assert cloud.read("port_forward", ctx, out["id"], out) is None


def test_lookup_by_name_and_by_id(cloud: Cloud, op, instance) -> None:
    ctx = op("port_forward.http")
    out = cloud.create("port_forward", ctx, inputs(), {})
    assert cloud.lookup("port_forward", ctx, "http").id == out["id"]
    assert cloud.lookup("port_forward", ctx, out["id"]).inputs["target_port"] == 80
    assert cloud.lookup("port_forward", ctx, "ssh") is None
