"""Plans with NICs that get their address from iaas: dry runs pass, a full range is refused, nothing drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas


def stack_of(image_file: Path, servers: int, last: str = "10.33.0.3") -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="lan", cidr="10.33.0.0/24", dhcp_end=last))
    for i in range(servers):
        stack.add(iaas.Instance(name=f"vm{i}", image=img, vcpus=1, memory_mib=256, nics=[iaas.Nic(network=net)]))
    return stack


def test_servers_get_distinct_addresses_and_plans_stay_empty(engine: iaas.Engine, image_file: Path) -> None:
    assert (
        engine.plan(stack_of(image_file, 2)).summary()["create"] == 4
    )  # the dry run takes addresses and gives them back
    engine.apply(stack_of(image_file, 2))
    given = sorted(engine.resources()[f"instance.vm{i}"].outputs["ip_address"] for i in range(2))
    assert given == ["10.33.0.2", "10.33.0.3"]
    assert all(engine.resources()[f"instance.vm{i}"].inputs["nics"][0]["fixed_ip"] is None for i in range(2))
    assert engine.plan(stack_of(image_file, 2)).empty
    assert engine.plan(stack_of(image_file, 2), refresh=True).empty
    assert engine.refresh() == []


def test_a_range_too_small_for_the_servers_is_refused_at_plan(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file, 2))
    with pytest.raises(iaas.ConflictError, match=r"instance.vm2.nics\[0\].network: no free address left"):
        engine.plan(stack_of(image_file, 3))
    assert sorted(engine.resources()) == ["image.tiny", "instance.vm0", "instance.vm1", "network.lan"]


@pytest.mark.parametrize("parallelism", [1, 4])
def test_a_fixed_ip_of_the_same_plan_is_never_given_to_another_nic(
    tmp_path: Path, image_file: Path, parallelism: int
) -> None:
    stack = stack_of(image_file, 2, last="10.33.0.20")  # vm0 and vm1 take their addresses from iaas
    net = stack.resources["network.lan"]
    stack.add(
        iaas.Instance(  # declared after them, asking for the first address they would be given
            name="fixed",
            image="${image.tiny}",
            vcpus=1,
            memory_mib=256,
            nics=[iaas.Nic(network="${network.lan}", fixed_ip="10.33.0.2")],
        )
    )
    assert net is not None
    with iaas.Engine.open("t", home=tmp_path, parallelism=parallelism) as engine:
        assert engine.plan(stack).summary()["create"] == 5
        assert engine.apply(stack).ok
        res = engine.resources()
        assert res["instance.fixed"].outputs["ip_address"] == "10.33.0.2"
        assert sorted(res[f"instance.vm{i}"].outputs["ip_address"] for i in range(2)) == ["10.33.0.3", "10.33.0.4"]
        assert engine.plan(stack).empty
