"""Instances: flavors, sizes, ceilings, volumes, NICs and how changes apply (iaas.model.instance)."""

from __future__ import annotations

from iaas.model import UNKNOWN, Instance
from iaas.model.values import validate


def test_a_ceiling_below_the_flavor_size_is_refused() -> None:
    values = {"name": "vm", "image": "i", "flavor": "m1.large", "max_vcpus": 2, "max_memory_mib": 1024}
    assert {(e.field, e.message) for e in validate(Instance, values)} == {
        ("max_vcpus", "max_vcpus (2) is below vcpus (4)"),
        ("max_memory_mib", "max_memory_mib (1024) is below memory_mib (8192)"),
    }


def test_volumes_known_only_after_apply_are_left_alone() -> None:
    assert validate(Instance, {"name": "vm", "image": "i", "flavor": "m1.tiny", "volumes": UNKNOWN}) == []


def test_two_volumes_known_only_after_apply_are_not_the_same_volume() -> None:
    values = {"name": "vm", "image": "i", "flavor": "m1.tiny", "volumes": [UNKNOWN, UNKNOWN]}
    assert validate(Instance, values) == []
