"""Floating IPs on simulated hosts: addresses from the hosts' pools through admission, moved live."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas.cloud import floating
from iaas.errors import ConflictError, QuotaError, ValidationError


def cloud(tmp_path: Path, **pools: str | None) -> dict[str, Any]:
    """Simulated hosts h1 and h2 with the given floating pools (h1: 192.0.2.16/29 unless given)."""
    chosen = {"h1": "192.0.2.16/29", "h2": None, **pools}
    hosts = [{"name": h, "uri": "test:///default", **({"floating_pool": p} if p else {})} for h, p in chosen.items()]
    return {"hosts": hosts, "home": str(tmp_path / "cloud")}


def stack(
    image_file: Path, name: str = "f", hosts: tuple[str, str] = ("h1", "h1"), **fips: dict[str, Any]
) -> iaas.Stack:
    """Instances a and b (on ``hosts``, each on a network of its host) and floating IPs ``fips`` (instance by name)."""
    s = iaas.Stack(name)
    image = s.add(iaas.Image(name="tiny", source=str(image_file)))
    vms = {}
    for i, (vm, host) in enumerate(zip(("a", "b"), hosts, strict=True)):
        lan = s.add(iaas.Network(name=f"lan-{vm}", cidr=f"10.{20 + len(name)}.{i}.0/24", mode="isolated", host=host))
        vms[vm] = s.add(
            iaas.Instance(
                name=vm, image=image, vcpus=1, memory_mib=128, root_disk_gib=1, host=host, nics=[iaas.Nic(network=lan)]
            )
        )
    for fip, fields in fips.items():
        target = fields.get("instance")
        s.add(iaas.FloatingIp(name=fip, **{**fields, "instance": vms[target] if target else None}))
    return s


def lone(name: str, **fields: Any) -> iaas.Stack:
    """A stack of one floating IP, ``pub``, attached to nothing."""
    s = iaas.Stack(name)
    s.add(iaas.FloatingIp(name="pub", **fields))
    return s


def outputs(engine: iaas.Engine, name: str) -> dict[str, Any]:
    record = engine.store.get(f"floating_ip.{name}")
    assert record is not None
    return record.outputs


def test_addresses_come_from_the_pool_of_the_instances_host_in_order(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, web={"instance": "a"}, db={"instance": "b"}))
        web, db = outputs(engine, "web"), outputs(engine, "db")
        vms = {vm: engine.store.get(f"instance.{vm}").outputs for vm in "ab"}  # type: ignore[union-attr]
    assert sorted([web["ip_address"], db["ip_address"]]) == ["192.0.2.17", "192.0.2.18"]  # .16 is the pool's first
    assert (web["host"], web["target_address"]) == ("h1", vms["a"]["ip_address"])
    assert web["programmed"].startswith("recorded only: host h1 is simulated")
    assert web["dataplane"] == "present"


def test_moving_is_an_update_in_place_that_keeps_the_address(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.20"}))
        before = outputs(engine, "pub")
        plan = engine.plan(stack(image_file, pub={"instance": "b", "ip_address": "192.0.2.20"}))
        change = plan.changes["floating_ip.pub"]
        assert (change.action, [(c.field, c.update) for c in change.changes]) == ("update", [("instance", "live")])
        engine.apply(plan)
        after = outputs(engine, "pub")
        b = engine.store.get("instance.b").outputs  # type: ignore[union-attr]
        assert (after["id"], after["ip_address"], after["target_address"]) == (
            before["id"],
            "192.0.2.20",
            b["ip_address"],
        )


def test_a_detached_address_stays_held_and_comes_back_with_the_next_attach(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, pub={"instance": "a"}))
        address = outputs(engine, "pub")["ip_address"]
        engine.apply(stack(image_file, pub={}))
        detached = outputs(engine, "pub")
        assert (detached["ip_address"], detached["host"], detached["target_address"]) == (address, None, None)
        with iaas.Engine.open("other", home=tmp_path, cloud=cloud(tmp_path)) as other:  # cannot take it meanwhile
            other.apply(lone("other"))
            assert outputs(other, "pub")["ip_address"] != address
        engine.apply(stack(image_file, pub={"instance": "b"}))
        assert outputs(engine, "pub")["ip_address"] == address
        assert engine.plan(stack(image_file, pub={"instance": "b"})).empty


def test_an_address_outside_the_pool_is_refused_before_anything_is_made(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        with pytest.raises(ValidationError) as caught:
            engine.plan(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.40"}))
        [error] = caught.value.errors
        assert (error.address, error.field) == ("floating_ip.pub", "ip_address")
        assert error.message == "192.0.2.40 is not an address of the floating pool of host h1 (192.0.2.16/29)"
        for edge in ("192.0.2.16", "192.0.2.23"):  # the pool's first and last addresses are not handed out
            with pytest.raises(ValidationError, match=f"{edge} is not an address"):
                engine.plan(stack(image_file, pub={"instance": "a", "ip_address": edge}))


def test_an_address_another_stack_holds_is_refused_naming_it(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("first", home=tmp_path, cloud=cloud(tmp_path)) as first:
        first.apply(lone("first", ip_address="192.0.2.17"))
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        with pytest.raises(ConflictError) as caught:
            engine.apply(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.17"}))
        message = str(caught.value)
        assert "floating_ip.pub.ip_address" in message
        assert "floating address 192.0.2.17 is already held by floating_ip.pub (stack first)" in message
        assert engine.store.get("instance.a") is None  # refused at plan: nothing was made


def test_a_deleted_floating_ip_gives_its_address_back(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("first", home=tmp_path, cloud=cloud(tmp_path)) as first:
        first.apply(lone("first", ip_address="192.0.2.17"))
        first.destroy()
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.17"}))
        assert outputs(engine, "pub")["ip_address"] == "192.0.2.17"


def test_changing_the_address_replaces(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        engine.apply(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.17"}))
        plan = engine.plan(stack(image_file, pub={"instance": "a", "ip_address": "192.0.2.18"}))
        assert plan.changes["floating_ip.pub"].action == "replace"
        engine.apply(plan)
        assert outputs(engine, "pub")["ip_address"] == "192.0.2.18"


def test_a_full_pool_is_refused(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path, h1="192.0.2.16/30")) as engine:
        with pytest.raises(ValidationError, match=r"every address of the floating pool of host h1 \(192.0.2.16/30\)"):
            engine.plan(stack(image_file, x={"instance": "a"}, y={"instance": "a"}, z={"instance": "b"}))


def test_each_host_hands_out_its_own_pool(tmp_path: Path, image_file: Path) -> None:
    pools = cloud(tmp_path, h2="198.51.100.0/28")
    with iaas.Engine.open("f", home=tmp_path, cloud=pools) as engine:
        engine.apply(stack(image_file, hosts=("h1", "h2"), pub={"instance": "b"}))
        assert (outputs(engine, "pub")["ip_address"], outputs(engine, "pub")["host"]) == ("198.51.100.1", "h2")
        with pytest.raises(ValidationError) as caught:  # h1's pool does not hold h2's address
            engine.plan(stack(image_file, hosts=("h1", "h2"), pub={"instance": "a"}))
        [error] = caught.value.errors
        assert (error.address, error.field) == ("floating_ip.pub", "instance")
        assert "198.51.100.1 is not an address of the floating pool of host h1" in error.message


def test_hosts_on_one_external_lan_share_a_pool_and_an_address_moves_between_them(
    tmp_path: Path, image_file: Path
) -> None:
    shared = cloud(tmp_path, h2="192.0.2.16/29")
    with iaas.Engine.open("f", home=tmp_path, cloud=shared) as engine:
        engine.apply(stack(image_file, hosts=("h1", "h2"), pub={"instance": "a"}))
        engine.apply(stack(image_file, hosts=("h1", "h2"), pub={"instance": "b"}))
        assert (outputs(engine, "pub")["ip_address"], outputs(engine, "pub")["host"]) == ("192.0.2.17", "h2")


def test_a_host_without_a_pool_is_named(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        with pytest.raises(ValidationError, match="runs on host h2, which has no floating_pool"):
            engine.plan(stack(image_file, hosts=("h1", "h2"), pub={"instance": "b"}))
    with iaas.Engine.open("f", home=tmp_path / "g", cloud=cloud(tmp_path / "g", h1=None)) as engine:
        with pytest.raises(ValidationError, match="the cloud config gives no host a floating_pool"):
            engine.plan(stack(image_file, pub={"instance": "a"}))


def test_the_embedded_cloud_has_a_pool_to_try_floating_ips_on(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("f", home=tmp_path) as engine:
        engine.apply(stack(image_file, hosts=("default", "default"), pub={"instance": "a"}))
        assert outputs(engine, "pub")["ip_address"] == "203.0.113.1"
        assert floating.pools(engine.cloud) == {"default": ipaddress.IPv4Network("203.0.113.0/24")}


def test_a_projects_quota_counts_its_floating_ips(tmp_path: Path, image_file: Path) -> None:
    team = iaas.Project(name="team", quota=iaas.Quota(floating_ips=1))
    s = stack(image_file, web={"instance": "a", "project": team}, db={"instance": "b", "project": team})
    s.add(team)
    with iaas.Engine.open("f", home=tmp_path, cloud=cloud(tmp_path)) as engine:
        with pytest.raises(QuotaError, match=r"floating_ip.db.project: project team: quota floating_ips=1 exceeded"):
            engine.plan(s)
