"""Inputs as plain values: conversion, validation, defaults and diff (iaas.model.values)."""

from __future__ import annotations

from iaas.model import Instance, object_schema
from iaas.model.values import complete, from_raw, validate


def test_complete_gives_each_resource_its_own_default_lists() -> None:
    first = complete(Instance, {"name": "a", "image": "i", "flavor": "m1.tiny"})
    first["volumes"].append("v")
    second = complete(Instance, {"name": "b", "image": "i", "flavor": "m1.tiny"})
    assert second["volumes"] == []
    assert object_schema(Instance).field("volumes").default == []


def test_a_reference_cannot_stand_for_a_list_of_references() -> None:
    raw = {"name": "a", "image": "${image.i}", "flavor": "m1.tiny", "volumes": "${volume.v}",
           "nics": [{"network": "${network.n}", "security_groups": "${security_group.s}"}]}
    errors = {(e.field, e.message) for e in validate(Instance, from_raw(Instance, raw))}
    assert errors == {
        ("volumes", "a reference (${volume.v.id}) cannot stand for a list(string)"),
        ("nics[0].security_groups", "a reference (${security_group.s.id}) cannot stand for a list(string)"),
    }
