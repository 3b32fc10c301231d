"""Plan-time checks: quotas per project, host placement, subnet and port clashes."""

from __future__ import annotations

from typing import Any

import pytest

from iaas.cloud import Cloud, PlannedItem
from iaas.cloud.admission import Subject
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.placement import CapacityProblem, QuotaProblem, as_error, check_plan
from iaas.drivers.libvirt import Host
from iaas.errors import CapacityError, QuotaError
from iaas.model import UNKNOWN


def item(
    kind: str,
    name: str,
    action: str = "create",
    *,
    before: dict | None = None,
    outputs: dict | None = None,
    **after: Any,
) -> PlannedItem:
    return PlannedItem(f"{kind}.{name}", kind, action, before, {"name": name, **after}, outputs)


def vm(name: str, vcpus: int = 1, memory_mib: int = 1024, root_disk_gib: int = 10, **extra: Any) -> PlannedItem:
    """A new instance of the given size."""
    return item("instance", name, vcpus=vcpus, memory_mib=memory_mib, root_disk_gib=root_disk_gib, **extra)


def put(
    c: Cloud, kind: str, name: str, *, stack: str = "other", host: str | None = None, **inputs: Any
) -> InventoryRecord:
    """An object some stack already has, recorded through admission (as an import is)."""
    rec = InventoryRecord(
        f"{kind}-{name}",
        kind,
        name,
        stack=stack,
        address=f"{kind}.{name}",
        host=host,
        data={"inputs": {"name": name, **inputs}, "outputs": {"id": f"{kind}-{name}", "host": host}},
    )
    c.admission.adopt(rec, strict=False)
    return rec


def messages(errors: list) -> list[str]:
    return [str(e) for e in errors]


# ---------------------------------------------------------------- quotas


def test_instances_within_the_quota_pass(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"instances": 2})
    errors, planned = check_plan(cloud, "s1", [vm("a", project=team.id), vm("b", project=team.id)])
    assert errors == []
    assert planned == {"instance.a": {"host": "h1"}, "instance.b": {"host": "h1"}}


def test_the_instance_that_crosses_the_quota_is_named(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"instances": 2})
    errors, _ = check_plan(cloud, "s1", [vm(n, project=team.id) for n in ("a", "b", "c")])
    assert messages(errors) == ["instance.c.project: project team-a: quota instances=2 exceeded (3 requested)"]
    assert isinstance(errors[0], QuotaProblem)
    assert isinstance(as_error(errors), QuotaError)


def test_usage_counts_every_stack_and_deletes_free_quota(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"instances": 2, "vcpus": -1})
    put(cloud, "instance", "old", stack="other", host="h1", project=team.id, vcpus=1, memory_mib=512)
    mine = put(cloud, "instance", "gone", stack="s1", host="h1", project=team.id, vcpus=1, memory_mib=512)
    two = [vm("a", project=team.id), vm("b", project=team.id)]
    errors, _ = check_plan(cloud, "s1", two)
    assert messages(errors) == ["instance.a.project: project team-a: quota instances=2 exceeded (3 requested)"]
    drop = PlannedItem("instance.gone", "instance", "delete", dict(mine.data["inputs"]), None, {"id": mine.id})
    errors, _ = check_plan(cloud, "s1", [drop, *two])
    assert messages(errors) == ["instance.b.project: project team-a: quota instances=2 exceeded (3 requested)"]


def test_vcpus_memory_and_gib_quotas(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"vcpus": 4, "memory_mib": 2048, "volume_gib": 30})
    items = [
        vm("a", vcpus=4, memory_mib=1024, project=team.id),
        vm("b", vcpus=1, memory_mib=2048, project=team.id),
        item("volume", "data", size_gib=15, project=team.id),
    ]
    errors, _ = check_plan(cloud, "s1", items)
    assert messages(errors) == [
        "instance.b.project: project team-a: quota vcpus=4 exceeded (5 requested)",
        "instance.b.project: project team-a: quota memory_mib=2048 exceeded (3072 requested)",
        "volume.data.project: project team-a: quota volume_gib=30 exceeded (35 requested)",
    ]


def test_flavor_sizes_count(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"vcpus": 3})
    errors, _ = check_plan(cloud, "s1", [item("instance", "a", flavor="m1.large", project=team.id)])
    assert messages(errors) == ["instance.a.project: project team-a: quota vcpus=3 exceeded (4 requested)"]


def test_minus_one_is_unlimited_and_resources_without_project_are_not_counted(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", quota={"networks": -1, "instances": 0})
    items = [item("network", f"n{i}", cidr=f"10.{i}.0.0/24", project=team.id) for i in range(5)]
    errors, _ = check_plan(cloud, "s1", [*items, vm("free")])
    assert errors == []


def test_a_project_created_in_the_same_plan_is_found_by_name(cloud: Cloud) -> None:
    project = item("project", "team-a", quota={"port_forwards": 1})
    put(cloud, "instance", "app", host="h1", vcpus=1, memory_mib=512)
    forwards = [
        item(
            "port_forward", f"p{i}", instance="instance-app", host_port=8000 + i, target_port=80, project="name:team-a"
        )
        for i in range(2)
    ]
    errors, _ = check_plan(cloud, "s1", [project, *forwards])
    assert messages(errors) == ["port_forward.p1.project: project team-a: quota port_forwards=1 exceeded (2 requested)"]


def test_an_unknown_project_is_the_one_project_the_plan_creates(cloud: Cloud) -> None:
    project = item("project", "team-a", quota={"instances": 1})
    errors, _ = check_plan(cloud, "s1", [project, vm("a", project=UNKNOWN), vm("b", project=UNKNOWN)])
    assert messages(errors) == ["instance.b.project: project team-a: quota instances=1 exceeded (2 requested)"]


def test_lowering_a_quota_below_usage_is_reported(cloud: Cloud) -> None:
    team = put(cloud, "project", "team-a", stack="s1", quota={"instances": 5})
    put(cloud, "instance", "a", host="h1", project=team.id, vcpus=1, memory_mib=512)
    put(cloud, "instance", "b", host="h1", project=team.id, vcpus=1, memory_mib=512)
    change = PlannedItem(
        "project.team-a",
        "project",
        "update",
        {"name": "team-a", "quota": {"instances": 5}},
        {"name": "team-a", "quota": {"instances": 1}},
        {"id": team.id},
    )
    errors, _ = check_plan(cloud, "s1", [change])
    assert messages(errors) == [
        "project.team-a.quota.instances: project team-a: quota instances=1 is below what is in use (2)"
    ]


# ---------------------------------------------------------------- scheduling


def test_spread_puts_instances_where_most_memory_is_free(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (4, 8192)})
    errors, planned = check_plan(c, "s1", [vm("a", memory_mib=2048), vm("b", memory_mib=2048)])
    assert errors == []
    assert {planned["instance.a"]["host"], planned["instance.b"]["host"]} == {"h1", "h2"}


def test_pack_fills_one_host_first(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (4, 8192)}, scheduler="pack")
    errors, planned = check_plan(c, "s1", [vm("a"), vm("b"), vm("c")])
    assert errors == []
    assert {p["host"] for p in planned.values()} == {"h1"}


def test_a_full_host_is_skipped(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (2, 4096)}, scheduler="pack")
    put(c, "instance", "big", host="h1", vcpus=4, memory_mib=1024)
    errors, planned = check_plan(c, "s1", [vm("a", vcpus=2)])
    assert errors == [] and planned["instance.a"] == {"host": "h2"}


def test_overcommit_ratios_count(make_cloud) -> None:
    c = make_cloud({"h1": (2, 4096)}, cpu_ratio=4.0)
    errors, _ = check_plan(c, "s1", [vm("a", vcpus=8, memory_mib=512)])
    assert errors == []
    errors, _ = check_plan(c, "s1", [vm("a", vcpus=9, memory_mib=512)])
    assert messages(errors) == ["instance.a.host: no host can take it: host h1: needs 9 vCPUs, 8 free"]


def test_no_host_fits_and_each_refusal_is_explained(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (8, 4096)})
    put(c, "instance", "busy", host="h1", vcpus=2, memory_mib=1024)
    errors, planned = check_plan(c, "s1", [vm("big", vcpus=4, memory_mib=6144)])
    assert "instance.big" not in planned
    assert messages(errors) == [
        "instance.big.host: no host can take it: host h1: needs 4 vCPUs, 2 free; "
        "host h2: needs 6144 MiB memory, 4096 MiB free"
    ]
    assert isinstance(errors[0], CapacityProblem) and isinstance(as_error(errors), CapacityError)


def test_instances_placed_earlier_in_the_plan_take_room(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192)})
    errors, planned = check_plan(c, "s1", [vm("a", vcpus=3), vm("b", vcpus=2)])
    assert planned == {"instance.a": {"host": "h1"}}
    assert messages(errors) == ["instance.b.host: no host can take it: host h1: needs 2 vCPUs, 1 free"]


def test_labels_choose_the_hosts_that_carry_them(make_cloud) -> None:
    c = make_cloud(
        {"h1": (4, 8192), "h2": (4, 8192), "h3": (4, 8192)},
        labels={"h1": {"zone": "a"}, "h2": {"zone": "b", "gpu": "yes"}, "h3": {"zone": "b"}},
    )
    errors, planned = check_plan(
        c, "s1", [vm("a", host_labels={"zone": "b", "gpu": "yes"}), vm("b", host_labels={"zone": "a"})]
    )
    assert errors == [] and planned == {"instance.a": {"host": "h2"}, "instance.b": {"host": "h1"}}
    errors, _ = check_plan(c, "s1", [vm("c", host_labels={"zone": "c"})])
    assert messages(errors) == [
        "instance.c.host: no host can take it: host h1: lacks label zone=c; "
        "host h2: lacks label zone=c; host h3: lacks label zone=c"
    ]


def test_an_image_of_another_architecture_finds_no_host(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192)})  # the test driver reports x86_64 (as real hosts here do)
    arm = item("image", "arm", source="/srv/arm.qcow2", architecture="aarch64")
    x86 = item("image", "x86", source="/srv/x86.qcow2", architecture="x86_64")
    errors, planned = check_plan(c, "s1", [arm, x86, vm("a", image="name:x86"), vm("b", image="name:arm")])
    assert planned["instance.a"] == {"host": "h1"} and "instance.b" not in planned
    assert messages(errors) == ["instance.b.host: no host can take it: host h1: is x86_64; the image needs aarch64"]


def test_disk_counts_root_disks_and_volumes_with_the_disk_ratio(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)}, disk_gib=50, disk_ratio=1.5, scheduler="pack")
    put(c, "instance", "old", host="h1", vcpus=1, memory_mib=512, root_disk_gib=40)
    put(c, "volume", "old-data", host="h1", size_gib=20)  # h1: 75 GiB with the ratio, 60 used
    data = item("volume", "data", size_gib=10)
    errors, planned = check_plan(c, "s1", [data, vm("a", volumes=["name:data"])])  # 10 + 10 GiB
    assert errors == [] and planned["instance.a"] == {"host": "h2"} and planned["volume.data"] == {"host": "h2"}
    errors, _ = check_plan(c, "s1", [vm("big", root_disk_gib=80)])
    assert messages(errors) == [
        "instance.big.host: no host can take it: host h1: needs 80 GiB disk, 15 GiB free; "
        "host h2: needs 80 GiB disk, 75 GiB free"
    ]


def test_a_volume_of_its_own_goes_where_there_is_disk(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)}, disk_gib=50)
    put(c, "volume", "big", host="h1", size_gib=45)
    errors, planned = check_plan(c, "s1", [item("volume", "a", size_gib=20), item("volume", "b", size_gib=20)])
    assert errors == [] and planned == {"volume.a": {"host": "h2"}, "volume.b": {"host": "h2"}}
    errors, _ = check_plan(c, "s1", [item("volume", "huge", size_gib=60)])
    assert messages(errors) == [
        "volume.huge.host: no host can take it: needs 60 GiB disk; host h2: 50 GiB free; host h1: 5 GiB free"
    ]


def test_a_pinned_host_is_used_even_when_another_is_emptier(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (4, 8192)})
    put(c, "instance", "busy", host="h2", vcpus=1, memory_mib=4096)
    errors, planned = check_plan(c, "s1", [vm("a", host="h2")])
    assert errors == [] and planned["instance.a"] == {"host": "h2"}


def test_a_pinned_host_that_is_full_or_unknown(make_cloud) -> None:
    c = make_cloud({"h1": (1, 8192), "h2": (4, 8192)})
    errors, _ = check_plan(c, "s1", [vm("a", vcpus=2, host="h1")])
    assert messages(errors) == [
        "instance.a.host: no host can take it: host h1: needs 2 vCPUs, 1 free; host h2: instance.a is pinned to host h1"
    ]
    errors, _ = check_plan(c, "s1", [vm("a", host="h9")])
    assert "instance.a.host: host h9 is not a host of this cloud" in messages(errors)


def test_an_unreachable_host_is_passed_over_and_says_why(make_cloud, tmp_path) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (64, 262144)})
    c.hosts["h2"].close()
    c.hosts["h2"] = Host("h2", f"test://{tmp_path}/no-such-node.xml")
    errors, planned = check_plan(c, "s1", [vm("a"), item("network", "lan", cidr="10.0.0.0/24")])
    assert errors == [] and planned == {"instance.a": {"host": "h1"}, "network.lan": {"host": "h1"}}
    errors, _ = check_plan(c, "s1", [vm("b", host="h2")])
    assert len(errors) == 1 and "host h2: unreachable (host 'h2': connect failed" in errors[0].message


def test_anti_affinity_spreads_two_instances_on_two_hosts(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)}, scheduler="pack")
    group = item("server_group", "web", policy="anti-affinity")
    members = [vm(n, server_group="name:web") for n in ("web-1", "web-2", "web-3")]
    errors, planned = check_plan(c, "s1", [group, *members])
    assert {planned["instance.web-1"]["host"], planned["instance.web-2"]["host"]} == {"h1", "h2"}
    assert len(errors) == 1 and errors[0].address == "instance.web-3"
    assert "anti-affinity with instance.web-1" in errors[0].message
    assert "anti-affinity with instance.web-2" in errors[0].message


def test_anti_affinity_counts_members_already_running(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    group = put(c, "server_group", "web", stack="s1", policy="anti-affinity")
    put(c, "instance", "web-1", stack="s1", host="h2", vcpus=1, memory_mib=512, server_group=group.id)
    errors, planned = check_plan(c, "s1", [vm("web-2", server_group=group.id, memory_mib=512)])
    assert errors == [] and planned["instance.web-2"] == {"host": "h1"}


def test_affinity_keeps_members_together(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    group = put(c, "server_group", "db", stack="s1", policy="affinity")
    put(c, "instance", "db-1", stack="s1", host="h2", vcpus=1, memory_mib=8192, server_group=group.id)
    errors, planned = check_plan(c, "s1", [vm("db-2", server_group=group.id)])
    assert errors == [] and planned["instance.db-2"] == {"host": "h2"}
    errors, _ = check_plan(c, "s1", [vm("db-3", vcpus=8, server_group=group.id)])
    assert messages(errors) == [
        "instance.db-3.host: no host can take it: host h1: affinity with instance.db-1 "
        "on host h2; host h2: needs 8 vCPUs, 7 free"
    ]


def test_soft_policies_prefer_but_do_not_refuse(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (2, 16384)})
    group = item("server_group", "web", policy="soft-anti-affinity")
    members = [vm(n, vcpus=2, server_group="name:web") for n in ("a", "b", "c")]
    errors, planned = check_plan(c, "s1", [group, *members])
    assert errors == []
    assert [planned[f"instance.{n}"]["host"] for n in "abc"] == ["h1", "h2", "h1"]
    c2 = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    group = item("server_group", "db", policy="soft-affinity")
    errors, planned = check_plan(c2, "s1", [group, *(vm(n, server_group="name:db") for n in "ab")])
    assert planned["instance.a"] == planned["instance.b"]


def test_updated_instances_must_still_fit_their_host(make_cloud) -> None:
    c = make_cloud({"h1": (4, 8192)})
    rec = put(c, "instance", "app", stack="s1", host="h1", vcpus=2, memory_mib=1024)
    put(c, "instance", "other", host="h1", vcpus=1, memory_mib=1024)
    grow = PlannedItem(
        "instance.app",
        "instance",
        "update",
        dict(rec.data["inputs"]),
        {**rec.data["inputs"], "vcpus": 4},
        {"id": rec.id, "host": "h1"},
    )
    errors, _ = check_plan(c, "s1", [grow])
    assert messages(errors) == ["instance.app.host: host h1: needs 2 more vCPUs, 1 free"]


# ---------------------------------------------------------------- networks and volumes


def test_an_instance_goes_where_its_network_and_volume_are(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 8192)})
    net = put(c, "network", "lan", stack="s1", host="h2", cidr="10.0.0.0/24")
    errors, planned = check_plan(c, "s1", [vm("a", nics=[{"network": net.id, "security_groups": []}])])
    assert errors == [] and planned["instance.a"] == {"host": "h2"}
    vol = put(c, "volume", "data", stack="s1", host="h1", size_gib=10)
    errors, _ = check_plan(c, "s1", [vm("b", nics=[{"network": net.id}], volumes=[vol.id])])
    assert messages(errors) == [
        "instance.b.host: no host can take it: host h1: network.lan is on host h2 and cannot span to host h1: "
        "no underlay address for host h2 and h1 in the cloud config; host h2: volume.data is on host h1"
    ]


def test_a_network_spans_to_the_host_of_an_instance_when_both_have_an_underlay(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 8192)})
    c.host_configs["h1"].underlay, c.host_configs["h2"].underlay = "192.0.2.1", "192.0.2.2"
    net = put(c, "network", "lan", stack="s1", host="h2", cidr="10.0.0.0/24")
    vol = put(c, "volume", "data", stack="s1", host="h1", size_gib=10)
    errors, planned = check_plan(c, "s1", [vm("b", nics=[{"network": net.id}], volumes=[vol.id])])
    assert errors == [] and planned["instance.b"] == {"host": "h1"}
    c.host_configs["h2"].underlay = None
    errors, _ = check_plan(c, "s1", [vm("b", nics=[{"network": net.id}], volumes=[vol.id])])
    assert "network.lan is on host h2 and cannot span to host h1: no underlay address for host h2 " in str(errors)


def test_new_networks_and_volumes_follow_the_instance_that_uses_them(make_cloud) -> None:
    c = make_cloud({"h1": (8, 8192), "h2": (8, 16384)})
    items = [
        item("network", "lan", cidr="10.0.0.0/24"),
        item("volume", "data", size_gib=5),
        vm("a", nics=[{"network": "name:lan"}], volumes=["name:data"]),
        vm("b", nics=[{"network": "name:lan"}]),
    ]
    errors, planned = check_plan(c, "s1", items)
    assert errors == []
    assert {a: p["host"] for a, p in planned.items()} == {
        "network.lan": "h2",
        "volume.data": "h2",
        "instance.a": "h2",
        "instance.b": "h2",
    }


def test_unused_new_networks_are_spread(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    errors, planned = check_plan(c, "s1", [item("network", n, cidr=f"10.{i}.0.0/24") for i, n in enumerate("ab")])
    assert errors == [] and {p["host"] for p in planned.values()} == {"h1", "h2"}


def test_a_pinned_network_keeps_its_host(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    errors, planned = check_plan(
        c, "s1", [item("network", "lan", cidr="10.0.0.0/24", host="h2"), vm("a", nics=[{"network": "name:lan"}])]
    )
    assert errors == [] and planned == {"network.lan": {"host": "h2"}, "instance.a": {"host": "h2"}}


def test_a_subnet_overlapping_another_stacks_network_on_the_same_host(make_cloud) -> None:
    c = make_cloud({"h1": (8, 16384), "h2": (8, 16384)})
    put(c, "network", "theirs", stack="other", host="h1", cidr="10.0.0.0/16")
    errors, _ = check_plan(c, "s1", [item("network", "mine", cidr="10.0.5.0/24", host="h1")])
    assert messages(errors) == [
        "network.mine.cidr: 10.0.5.0/24 overlaps 10.0.0.0/16 of network network.theirs (stack other) on host h1"
    ]
    errors, _ = check_plan(c, "s1", [item("network", "mine", cidr="10.0.5.0/24", host="h2")])
    assert errors == []


# ---------------------------------------------------------------- port forwards


def test_a_port_already_forwarded_is_refused(cloud: Cloud) -> None:
    app = put(cloud, "instance", "app", host="h1", vcpus=1, memory_mib=512)
    put(
        cloud,
        "port_forward",
        "web",
        instance=app.id,
        host_address="0.0.0.0",
        host_port=8080,
        protocol="tcp",
        target_port=80,
    )
    clash = item(
        "port_forward",
        "mine",
        instance=app.id,
        host_address="192.0.2.1",
        host_port=8080,
        protocol="tcp",
        target_port=80,
    )
    errors, _ = check_plan(cloud, "s1", [clash])
    assert messages(errors) == [
        "port_forward.mine.host_port: 192.0.2.1:8080/tcp on host h1 is already forwarded "
        "by port_forward.web (stack other)"
    ]
    udp = item("port_forward", "mine", instance=app.id, host_port=8080, protocol="udp", target_port=80)
    assert check_plan(cloud, "s1", [udp])[0] == []


def test_two_new_forwards_of_one_port_clash(cloud: Cloud) -> None:
    app = put(cloud, "instance", "app", host="h1", vcpus=1, memory_mib=512)
    pfs = [item("port_forward", n, instance=app.id, host_port=2222, target_port=22) for n in ("a", "b")]
    errors, _ = check_plan(cloud, "s1", pfs)
    assert messages(errors) == [
        "port_forward.b.host_port: 0.0.0.0:2222/tcp on host h1 is already forwarded by port_forward.a"
    ]


@pytest.mark.parametrize("action", ["delete", "replace"])
def test_a_forward_the_plan_removes_frees_its_port(cloud: Cloud, action: str) -> None:
    app = put(cloud, "instance", "app", host="h1", vcpus=1, memory_mib=512)
    old = put(cloud, "port_forward", "web", stack="s1", instance=app.id, host_port=8080, target_port=80)
    gone = PlannedItem(
        "port_forward.web",
        "port_forward",
        action,
        old.data["inputs"],
        None if action == "delete" else {**old.data["inputs"], "target_port": 81},
        {"id": old.id},
    )
    new = item("port_forward", "web2", instance=app.id, host_port=8080, target_port=80)
    errors, _ = check_plan(cloud, "s1", [gone, new] if action == "delete" else [gone])
    assert errors == []


def test_admission_refuses_to_place_on_a_host_whose_capacity_it_cannot_read(make_cloud, tmp_path) -> None:
    c = make_cloud({"h1": (4, 8192), "h2": (64, 262144)})
    c.hosts["h2"].close()
    c.hosts["h2"] = Host("h2", f"test://{tmp_path}/no-such-node.xml")
    inputs = {"name": "a", "vcpus": 1, "memory_mib": 256, "root_disk_gib": 1}
    with pytest.raises(CapacityError) as refused:
        c.admission.reserve(Subject("instance", "vm-1", "instance.a", "instance.a (stack s1)", inputs, "h2", "s1"))
    assert str(refused.value).startswith(
        "instance.a.host: host h2: its capacity cannot be read, so nothing more is placed on it: unreachable (host 'h2'"
    )
    with c.inventory.transaction():
        assert c.inventory.used("host:h2", "vcpus") == 0
    c.admission.reserve(Subject("instance", "vm-2", "instance.b", "instance.b (stack s1)", inputs, "h1", "s1"))
