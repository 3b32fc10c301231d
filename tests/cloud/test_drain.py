"""Host maintenance in the core: drained hosts take nothing new, and every instance on one gets a new host."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from iaas.cloud import Cloud, CloudConfig, HostConfig
from iaas.cloud.admission import Subject
from iaas.cloud.drain import drained_hosts, mark_drained, mark_undrained, plan_moves
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.placement import check_plan
from iaas.errors import CapacityError, ValidationError
from tests.cloud.conftest import MakeCloud
from tests.cloud.test_placement import put, vm

SIZES = {"h1": (8, 4096), "h2": (8, 8192), "h3": (8, 8192)}  # with "pack", h1 (least free memory) comes first


def three(make_cloud: MakeCloud, **kw: object) -> Cloud:
    return make_cloud(SIZES, scheduler="pack", **kw)


def on(
    c: Cloud, name: str, where: str, *, stack: str = "web", memory_mib: int = 1024, pin: bool = False, **inputs: object
) -> str:
    """An instance recorded on host ``where`` (its stack names that host when ``pin``); its id."""
    rec = put(c, "instance", name, stack=stack, host=where, vcpus=1, memory_mib=memory_mib, **inputs)
    if pin:
        for attempt in c.inventory.attempts():
            with attempt:
                c.inventory.put(attrs.evolve(rec, data={**rec.data, "inputs": {**rec.inputs, "host": where}}))
    return rec.id


def test_a_drained_host_takes_no_new_instance(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    assert check_plan(c, "s1", [vm("a", memory_mib=512)])[1] == {"instance.a": {"host": "h1"}}
    assert mark_drained(c, "h1") is True
    assert mark_drained(c, "h1") is False  # already drained
    errors, planned = check_plan(c, "s1", [vm("a", memory_mib=512), vm("b", memory_mib=512)])
    assert errors == []
    assert {p["host"] for p in planned.values()} == {"h2"}


def test_an_instance_pinned_to_a_drained_host_is_refused_with_the_reason(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    mark_drained(c, "h1")
    errors, _ = check_plan(c, "s1", [vm("a", host="h1")])
    assert [str(e) for e in errors] == [
        "instance.a.host: no host can take it: host h1: is drained for maintenance (iaas host drain); "
        "host h2: instance.a is pinned to host h1; host h3: instance.a is pinned to host h1"
    ]


def test_a_new_volume_pinned_to_a_drained_host_is_refused(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    mark_drained(c, "h2")
    errors, _ = check_plan(c, "s1", [vm("a"), _volume("data", host="h2")])
    assert [str(e) for e in errors] == ["volume.data.host: host h2 is drained for maintenance (iaas host drain)"]


def _volume(name: str, **inputs: object):  # type: ignore[no-untyped-def]
    from tests.cloud.test_placement import item

    return item("volume", name, size_gib=1, **inputs)


def test_admission_refuses_a_write_that_places_anything_on_a_drained_host(make_cloud: MakeCloud) -> None:
    """A face that skips the plan (or a drain that came after it) still cannot put an instance there."""
    c = three(make_cloud)
    mark_drained(c, "h1")
    subject = Subject("instance", "vm-1", "instance.x", "instance.x (stack s1)", {"vcpus": 1, "memory_mib": 512}, "h1")
    with pytest.raises(CapacityError, match=r"instance.x.host: host h1 is drained for maintenance"):
        c.admission.reserve(subject)
    c.admission.reserve(Subject("instance", "vm-2", "instance.y", "instance.y", subject.inputs, "h2"))


def test_what_runs_on_a_drained_host_may_stay_but_not_grow(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    mark_drained(c, "h1")
    found = InventoryRecord(
        "vm-a", "instance", "a", stack="web", address="instance.a", host="h1",
        data={"inputs": {"name": "a", "vcpus": 1, "memory_mib": 1024}, "outputs": {"id": "vm-a", "host": "h1"}},
    )  # fmt: skip
    assert c.admission.adopt(found) == []  # an import records what is there already
    same = Subject("instance", "vm-a", "instance.a", "instance.a (stack web)", found.inputs, "h1", "web")
    c.admission.reserve(same)  # an update in place that takes no more room
    bigger = attrs.evolve(same, inputs={**found.inputs, "memory_mib": 2048})
    with pytest.raises(CapacityError, match="instance.a.host: host h1 is drained for maintenance"):
        c.admission.reserve(bigger)


def test_the_drain_is_kept_in_the_shared_inventory(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    mark_drained(c, "h3")
    other = Cloud(CloudConfig(hosts=list(c.config.hosts), home=c.config.home))  # another face, same inventory
    try:
        assert drained_hosts(other) == {"h3": "is drained for maintenance (iaas host drain)"}
        assert mark_undrained(other, "h3") is True
        assert mark_undrained(other, "h3") is False
    finally:
        other.close()
    assert drained_hosts(c) == {}


def test_the_drain_mark_is_in_the_inventory_on_each_backend(tmp_path: Path, database: str | None) -> None:
    config = CloudConfig(hosts=[HostConfig("h1", "test:///default")], home=str(tmp_path / "c"), database=database)
    one, two = Cloud(config), Cloud(config)  # two operators' machines, one inventory
    try:
        mark_drained(one, "h1")
        assert check_plan(two, "s1", [vm("a")])[0][0].message.startswith("no host can take it: host h1: is drained")
        mark_undrained(two, "h1")
        assert drained_hosts(one) == {}
    finally:
        one.close()
        two.close()


def test_the_cloud_config_flag_drains_a_host_and_undrain_names_it(tmp_path: Path) -> None:
    config = {
        "home": str(tmp_path),
        "hosts": [{"name": "h1", "uri": "test:///default", "drain": True}, {"name": "h2", "uri": "test:///default"}],
    }
    c = Cloud(CloudConfig.load(config))
    try:
        assert drained_hosts(c) == {"h1": "is drained for maintenance (drain: true in the cloud config)"}
        with pytest.raises(ValidationError, match=r"hosts.h1.drain: host h1 is drained by the cloud config"):
            mark_undrained(c, "h1")
    finally:
        c.close()
    config["hosts"][1]["drain"] = "yes"  # type: ignore[index]
    with pytest.raises(ValidationError, match=r"hosts\[1\].drain: must be true or false"):
        CloudConfig.load(config)


def test_an_unknown_host_is_named(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    with pytest.raises(ValidationError, match=r"no host 'h9' in the cloud \(its hosts: h1, h2, h3\)"):
        plan_moves(c, "h9")
    with pytest.raises(ValidationError, match="no host 'h9'"):
        mark_drained(c, "h9")


# ---------------------------------------------------------------- plan_moves


def test_every_instance_of_every_stack_gets_a_new_host(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    on(c, "a", "h1", stack="web")
    on(c, "b", "h1", stack="db")
    on(c, "c", "h2", stack="web")
    moves = plan_moves(c, "h1")
    assert [(m.label, m.stack, m.address, m.source) for m in moves] == [
        ("instance.a (stack web)", "web", "instance.a", "h1"),
        ("instance.b (stack db)", "db", "instance.b", "h1"),
    ]
    assert {m.target for m in moves} == {"h2"}  # "pack": the fuller of the other hosts
    assert drained_hosts(c) == {}  # planning drains nothing
    assert plan_moves(c, "h3") == []


def test_anti_affinity_sends_the_instance_away_from_its_group(make_cloud: MakeCloud) -> None:
    """A group of two, one on the drained host: it cannot join the other, though "pack" prefers that host."""
    c = three(make_cloud)
    group = put(c, "server_group", "g", stack="web", policy="anti-affinity")
    on(c, "a", "h1", server_group=group.id)
    on(c, "b", "h2", server_group=group.id)
    [move] = plan_moves(c, "h1")
    assert (move.label, move.target) == ("instance.a (stack web)", "h3")


def test_no_room_fails_naming_the_instance_and_every_hosts_reason(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    group = put(c, "server_group", "g", stack="web", policy="anti-affinity")
    on(c, "a", "h1", server_group=group.id, memory_mib=2048)
    on(c, "b", "h2", server_group=group.id)
    on(c, "big", "h3", stack="db", memory_mib=7168)
    with pytest.raises(CapacityError) as failed:
        plan_moves(c, "h1")
    assert str(failed.value) == (
        "instance.a (stack web).host: no host can take it: host h1: is being drained; "
        "host h2: anti-affinity with instance.b (stack web); host h3: needs 2048 MiB memory, 1024 MiB free"
    )


def test_host_labels_are_kept(make_cloud: MakeCloud) -> None:
    c = three(make_cloud, labels={"h1": {"zone": "a"}, "h2": {"zone": "b"}, "h3": {"zone": "a"}})
    on(c, "a", "h1", host_labels={"zone": "a"})
    [move] = plan_moves(c, "h1")
    assert move.target == "h3"
    on(c, "z", "h3", stack="db", memory_mib=8192)  # h3 full: no host with zone=a is left
    with pytest.raises(CapacityError, match=r"host h2: lacks label zone=a; host h3: needs 1024 MiB memory, 0 MiB"):
        plan_moves(c, "h1")


def test_a_project_at_its_quota_can_still_move(make_cloud: MakeCloud) -> None:
    """Moving keeps the project's usage: an instance is not counted twice."""
    c = three(make_cloud)
    team = put(c, "project", "team", stack="admin", quota={"instances": 2, "memory_mib": 2048})
    on(c, "a", "h1", project=team.id)
    on(c, "b", "h2", stack="db", project=team.id)
    [move] = plan_moves(c, "h1")
    assert move.target == "h2"


def test_instances_a_stack_pins_to_the_host_are_refused_naming_the_stack(make_cloud: MakeCloud) -> None:
    c = three(make_cloud)
    on(c, "a", "h1", pin=True)
    on(c, "b", "h1", stack="db")
    with pytest.raises(ValidationError) as failed:
        plan_moves(c, "h1")
    assert str(failed.value) == (
        "instance.a (stack web).host: is pinned to host h1 by its stack web (host: h1); drain does not override "
        "a stack's explicit choice: remove the host field (or name another host) in stack web, apply it, and "
        "drain again"
    )
