"""Draining a host through the engine: one ordinary plan per stack, each instance's host changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.api import Drain, Session, drained_hosts
from iaas.errors import CapacityError, ValidationError
from iaas.model import Instance
from iaas.model.values import action_of, complete, diff
from iaas.state import open_store

SIZE = {"sim_cpus": 8, "sim_memory_mib": 8192}


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[iaas.Cloud]:
    """Three simulated hosts; "pack" fills h1 first."""
    hosts = [{"name": n, "uri": "test:///default", **SIZE} for n in ("h1", "h2", "h3")]
    c = iaas.Cloud.open({"home": str(tmp_path / "home"), "scheduler": "pack", "hosts": hosts})
    yield c
    c.close()


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state.db")


def web(image: Path, *, pinned: str | None = None) -> iaas.Stack:
    """Two instances in an anti-affinity group, a third behind a port forward."""
    s = iaas.Stack("web")
    s.add_raw("image", "img", {"source": str(image)})
    s.add_raw("server_group", "g", {"policy": "anti-affinity"})
    for name in ("a", "b"):
        s.add_raw(
            "instance",
            name,
            {"image": "${image.img}", "vcpus": 1, "memory_mib": 1024, "server_group": "${server_group.g}"},
        )
    s.add_raw(
        "instance",
        "c",
        {"image": "${image.img}", "vcpus": 1, "memory_mib": 1024, **({"host": pinned} if pinned else {})},
    )
    s.add_raw("port_forward", "ssh", {"instance": "${instance.c}", "target_port": 22, "host_port": 2222})
    s.output("c_host", "${instance.c.host}")
    return s


def db(image: Path) -> iaas.Stack:
    s = iaas.Stack("db")
    s.add_raw("image", "img", {"name": "db-img", "source": str(image)})
    s.add_raw("instance", "pg", {"image": "${image.img}", "vcpus": 1, "memory_mib": 2048})
    return s


def apply(cloud: iaas.Cloud, state: str, stack: iaas.Stack) -> iaas.Plan:
    with iaas.Engine(cloud, open_store(state, stack.name)) as engine:
        engine.apply(stack)
        return engine.plan(stack)


def hosts_of(cloud: iaas.Cloud) -> dict[str, str | None]:
    return {f"{r.stack}/{r.address}": r.host for r in cloud.managed_objects() if r.kind == "instance"}


def test_a_drain_moves_every_stacks_instances_and_leaves_their_plans_empty(
    cloud: iaas.Cloud, state: str, image_file: Path
) -> None:
    apply(cloud, state, web(image_file))
    apply(cloud, state, db(image_file))
    before = hosts_of(cloud)
    assert before == {"web/instance.a": "h1", "web/instance.b": "h2", "web/instance.c": "h1", "db/instance.pg": "h1"}
    drain = Drain(cloud, state)
    plan = drain.plan("h1")
    assert drained_hosts(cloud) == {}  # planning changes nothing
    targets = {m.label: m.target for m in plan.moves}
    assert targets["instance.a (stack web)"] == "h3"  # anti-affinity with b on h2
    assert set(plan.plans) == {"db", "web"}
    web_plan = plan.plans["web"]
    changed = {a: c.action for a, c in web_plan.changes.items() if c.action != "noop"}
    assert {"instance.a", "instance.c"} <= set(changed) <= {"instance.a", "instance.c", "port_forward.ssh"}
    for address in ("instance.a", "instance.c"):
        change = web_plan.changes[address]
        assert [c.field for c in change.changes] == ["host"]
        host_change = action_of(diff(Instance, change.before or {}, {**(change.before or {}), "host": "h9"}))
        assert changed[address] == host_change  # the core's own plan of a host change (a replacement, today)
    results = drain.apply(plan)
    assert all(not r.failed for r in results.values())
    after = hosts_of(cloud)
    assert "h1" not in after.values()
    assert after["web/instance.a"] == "h3" and after["web/instance.b"] == "h2"
    assert drained_hosts(cloud) == {"h1": "is drained for maintenance (iaas host drain)"}
    pf = next(r for r in cloud.managed_objects() if r.kind == "port_forward")
    assert pf.host == after["web/instance.c"]
    assert apply(cloud, state, web(image_file)).empty  # the stacks as written: nothing to do
    assert apply(cloud, state, db(image_file)).empty
    with iaas.Engine(cloud, open_store(state, "web")) as engine:
        assert engine.store.get("instance.c").inputs["host"] is None  # still the scheduler's choice


def test_a_stack_that_pins_an_instance_to_the_host_is_named_and_nothing_moves(
    cloud: iaas.Cloud, state: str, image_file: Path
) -> None:
    apply(cloud, state, web(image_file, pinned="h1"))
    before = hosts_of(cloud)
    with pytest.raises(ValidationError, match=r"instance.c \(stack web\).host: is pinned to host h1 by its stack web"):
        Drain(cloud, state).plan("h1")
    assert hosts_of(cloud) == before and drained_hosts(cloud) == {}


def test_instances_of_a_stack_kept_elsewhere_are_named_with_their_new_host(
    cloud: iaas.Cloud, state: str, image_file: Path
) -> None:
    """An object a Terraform, Pulumi or Ansible stack made is theirs to move: the drain says where it would go."""
    apply(cloud, state, db(image_file))
    session = Session(cloud, stack="terraform")
    image = cloud.managed_objects(stack="db")[0]
    inputs = complete(Instance, {"name": "tf", "image": image.id, "memory_mib": 1024, "vcpus": 1})
    session.create("instance", "instance.tf", inputs, session.plan_create("instance", inputs, "instance.tf"))
    assert hosts_of(cloud)["terraform/instance.tf"] == "h1"
    with pytest.raises(ValidationError) as failed:
        Drain(cloud, state).plan("h1")
    assert str(failed.value).startswith(
        f"instance.tf (stack terraform).host: is managed by stack terraform, whose state in {state} does not hold it"
    )
    assert "Set its host to h2 in that stack" in str(failed.value)


def test_a_drained_host_gets_nothing_from_the_one_resource_api(cloud: iaas.Cloud, image_file: Path) -> None:
    """The path of the Terraform, Pulumi and Ansible faces: plan-time placement and admission at create."""
    iaas.api.mark_drained(cloud, "h1")
    session = Session(cloud, stack="terraform")
    image = session.create("image", "image.img", {"name": "img", "source": str(image_file)})
    inputs = complete(Instance, {"name": "tf", "image": image.id, "memory_mib": 1024, "vcpus": 1})
    assert session.plan_create("instance", inputs, "instance.tf") == {"host": "h2"}
    with pytest.raises(CapacityError, match="host h1: is drained for maintenance"):
        session.plan_create("instance", {**inputs, "host": "h1"}, "instance.tf")
    with pytest.raises(CapacityError, match="instance.tf.host: host h1 is drained for maintenance"):
        session.create("instance", "instance.tf", {**inputs, "host": "h1"}, {})  # a face that skipped its plan
    assert not [r for r in cloud.managed_objects() if r.kind == "instance"]
