"""Flavors of the cloud config in the engine's plan: expanded before the diff, unknown ones refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import iaas

GPU_LESS = {"vcpus": 4, "memory_mib": 8192, "root_disk_gib": 40, "cpu_mode": "host-model", "machine": "q35"}


def _cloud(home: Path, **flavors: dict[str, Any]) -> dict[str, Any]:
    return {"home": str(home), "flavors": flavors}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[iaas.Engine]:
    with iaas.Engine.open("t", home=tmp_path, cloud=_cloud(tmp_path, **{"gpu-less": GPU_LESS})) as e:
        yield e


def _stack(image_file: Path, **fields: Any) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="deb", source=str(image_file)))
    stack.add(iaas.Instance(name="vm", image=img.ref(), **{"flavor": "gpu-less", **fields}))
    return stack


def test_the_plan_carries_the_flavor_s_values_and_the_guest_gets_them(engine: iaas.Engine, image_file: Path) -> None:
    plan = engine.plan(_stack(image_file, tpm=True, memory_mib=4096))
    after = plan.changes["instance.vm"].after or {}
    assert (after["vcpus"], after["memory_mib"], after["root_disk_gib"]) == (4, 4096, 40)  # the instance's wins
    assert (after["cpu_mode"], after["machine"], after["tpm"]) == ("host-model", "q35", True)
    engine.apply(plan)
    spec = engine.cloud.hosts["default"].get_domain(engine.store.get("instance.vm").id).spec  # type: ignore[union-attr]
    assert (spec.vcpus, spec.cpu_mode, spec.machine) == (4, "host-model", "q35")
    assert engine.plan(_stack(image_file, tpm=True, memory_mib=4096), refresh=True).empty


def test_an_unknown_flavor_is_refused_naming_the_field(engine: iaas.Engine, image_file: Path) -> None:
    with pytest.raises(iaas.ValidationError) as caught:
        engine.plan(_stack(image_file, flavor="gpu-more"))
    [error] = caught.value.errors
    assert (error.address, error.field) == ("instance.vm", "flavor")
    assert "unknown flavor 'gpu-more'" in error.message and "m1.tiny" in error.message and "gpu-less" in error.message
    assert engine.cloud.managed_objects() == []


def test_a_changed_definition_is_planned_like_a_changed_field(tmp_path: Path, image_file: Path) -> None:
    with iaas.Engine.open("t", home=tmp_path, cloud=_cloud(tmp_path, small={"vcpus": 1, "memory_mib": 512})) as e:
        e.apply(e.plan(_stack(image_file, flavor="small")))
    bigger = {"vcpus": 2, "memory_mib": 1024, "machine": "q35"}
    with iaas.Engine.open("t", home=tmp_path, cloud=_cloud(tmp_path, small=bigger)) as e:
        change = e.plan(_stack(image_file, flavor="small")).changes["instance.vm"]
    assert change.action == "replace" and {c.field for c in change.changes} >= {"vcpus", "memory_mib", "machine"}
