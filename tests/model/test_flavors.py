"""Operator flavors in the model: a definition is checked by the instance's own fields; applying one fills in
what the instance leaves to it."""

from __future__ import annotations

from iaas.model import Instance, flavors
from iaas.model.values import complete, validate

GPU_LESS = {"vcpus": 4, "memory_mib": 8192, "root_disk_gib": 40, "cpu_mode": "host-model", "firmware": "uefi"}


def test_a_definition_is_checked_by_the_instance_fields() -> None:
    assert flavors.problems(GPU_LESS) == []
    found = flavors.problems({"vcpus": 0, "memory_mib": "big", "colour": "red", "firmware": "coreboot"})
    assert [field for field, _ in found] == ["vcpus", "memory_mib", "colour", "firmware"]
    assert "at least 1" in found[0][1] and "bios, uefi" in found[3][1]
    assert flavors.problems({"vcpus": 2}) == [("memory_mib", "is required")]
    assert flavors.problems({**GPU_LESS, "max_vcpus": 2})[0][0] == "max_vcpus"
    assert flavors.problems({**GPU_LESS, "secure_boot": True})[0][0] == "secure_boot"  # needs machine q35


def test_the_instance_keeps_what_it_sets_and_takes_the_rest() -> None:
    values = complete(Instance, {"name": "vm", "image": "i", "flavor": "gpu-less", "vcpus": 2, "tpm": True})
    out = flavors.apply(values, GPU_LESS)
    assert (out["vcpus"], out["max_vcpus"]) == (2, 2)  # set on the instance: wins
    assert (out["memory_mib"], out["max_memory_mib"], out["root_disk_gib"]) == (8192, 8192, 40)
    assert (out["cpu_mode"], out["firmware"], out["tpm"]) == ("host-model", "uefi", True)
    assert flavors.apply(out, GPU_LESS) == out  # applying twice changes nothing more


def test_a_definition_overrides_a_built_in_flavor_s_sizes() -> None:
    values = complete(Instance, {"name": "vm", "image": "i", "flavor": "m1.small"})
    assert values["vcpus"] == 1
    out = flavors.apply(values, {"vcpus": 3, "memory_mib": 3072})
    assert (out["vcpus"], out["max_vcpus"], out["memory_mib"], out["root_disk_gib"]) == (3, 3, 3072, 20)


def test_any_well_formed_flavor_name_passes_the_model() -> None:
    assert validate(Instance, {"name": "vm", "image": "i", "flavor": "gpu-less"}) == []
    bad = validate(Instance, {"name": "vm", "image": "i", "flavor": "no such/flavor"})
    assert [(e.address, e.field) for e in bad] == [("instance.vm", "flavor")]
