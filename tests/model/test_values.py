"""Inputs as plain values: conversion, validation, defaults and diff (iaas.model.values)."""

from __future__ import annotations

from iaas.model import Instance, object_schema
from iaas.model.values import complete


def test_complete_gives_each_resource_its_own_default_lists() -> None:
    first = complete(Instance, {"name": "a", "image": "i", "flavor": "m1.tiny"})
    first["volumes"].append("v")
    second = complete(Instance, {"name": "b", "image": "i", "flavor": "m1.tiny"})
    assert second["volumes"] == []
    assert object_schema(Instance).field("volumes").default == []
