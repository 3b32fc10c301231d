"""Snapshots of instances (iaas.model.snapshot)."""

from __future__ import annotations

import pytest

from iaas.model import Reference, Snapshot
from iaas.model.values import action_of, complete, diff, from_raw

from ._util import assert_valid, problems


def test_an_instance_reference_is_required() -> None:
    values = from_raw(Snapshot, {"name": "before", "instance": "${instance.vm}"})
    assert values["instance"] == Reference("instance", "vm")
    assert_valid(Snapshot, values)
    assert problems(Snapshot, {"name": "before"}) == {"instance": "is required"}
    assert problems(Snapshot, {"name": "before", "instance": Reference("volume", "data")}) == {
        "instance": "must refer to an instance, not to volume.data"
    }


def test_names_are_libvirt_names_and_revert_is_a_count() -> None:
    assert "name" in problems(Snapshot, {"name": "a b", "instance": "vm"})
    assert problems(Snapshot, {"name": "s", "instance": "vm", "revert": -1}) == {"revert": "must be at least 0; got -1"}


def test_defaults() -> None:
    assert complete(Snapshot, {"name": "s", "instance": "vm"}) == {
        "name": "s",
        "instance": "vm",
        "memory": False,
        "description": None,
        "revert": 0,
        "project": None,
    }


@pytest.mark.parametrize(("name", "value", "update"), [("revert", 1, "live"), ("description", "x", "live")])
def test_revert_and_description_change_in_place(name: str, value: object, update: str) -> None:
    old = complete(Snapshot, {"name": "s", "instance": "vm"})
    changes = diff(Snapshot, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, update)]
    assert action_of(changes) == "update"


@pytest.mark.parametrize(("name", "value"), [("memory", True), ("instance", "other"), ("name", "t")])
def test_what_was_saved_cannot_change_in_place(name: str, value: object) -> None:
    old = complete(Snapshot, {"name": "s", "instance": "vm"})
    assert action_of(diff(Snapshot, old, {**old, name: value})) == "replace"
