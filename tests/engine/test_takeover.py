"""A new resource that takes over a fixed IP or a volume from one being deleted is created after that delete."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.engine.apply import execution_graph


def stack_of(image_file: Path, name: str, *, create_first: bool = False) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="lan", cidr="10.61.0.0/24"))
    vol = stack.add(iaas.Volume(name="data", size_gib=1))
    stack.add(
        iaas.Instance(
            name=name,
            image=img,
            flavor="m1.tiny",
            nics=[iaas.Nic(network=net, fixed_ip="10.61.0.12")],
            volumes=[vol],
        ),
        lifecycle=iaas.Lifecycle(create_before_destroy=create_first),
    )
    return stack


def test_renamed_instance_keeps_its_address_and_volume(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file, "web"))
    volume = engine.resources()["volume.data"].id
    plan = engine.plan(stack_of(image_file, "web-2"))
    assert (plan.changes["instance.web"].action, plan.changes["instance.web-2"].action) == ("delete", "create")
    assert execution_graph(plan).has_edge(("instance.web-2", "apply"), ("instance.web", "delete"))
    engine.apply(plan)
    vm = engine.resources()["instance.web-2"]
    assert vm.outputs["ip_address"] == "10.61.0.12"
    assert vm.inputs["volumes"] == [volume]
    assert "instance.web" not in engine.resources()
    assert engine.plan(stack_of(image_file, "web-2")).empty


def test_unrelated_creates_and_deletes_stay_parallel(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file, "web"))
    stack = stack_of(image_file, "web")
    del stack.resources["instance.web"]
    stack.add(iaas.Instance(name="other", image=iaas.Reference("image", "tiny", "id"), flavor="m1.tiny"))
    plan = engine.plan(stack)
    assert not execution_graph(plan).has_edge(("instance.other", "apply"), ("instance.web", "delete"))


def test_create_before_destroy_cannot_take_over_what_the_old_one_holds(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file, "web"))
    stack = stack_of(image_file, "web", create_first=True)
    engine.taint("instance.web")
    with pytest.raises(iaas.ValidationError, match=r"take over nics\.fixed_ip 10\.61\.0\.12, volumes "):
        engine.plan(stack)
