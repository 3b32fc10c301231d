"""Server groups: placement policies (iaas.model.server_group)."""

from __future__ import annotations

import pytest

from iaas.model import Reference, ServerGroup
from iaas.model.values import action_of, complete, diff, from_raw

from ._util import assert_valid, problems

POLICIES = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_is_valid(policy: str) -> None:
    assert_valid(ServerGroup, {"name": "g", "policy": policy})


def test_policy_is_required_and_one_of_the_policies() -> None:
    assert problems(ServerGroup, {"name": "g"}) == {"policy": "is required"}
    assert problems(ServerGroup, {"name": "g", "policy": "spread"}) == {
        "policy": "must be one of affinity, anti-affinity, soft-affinity, soft-anti-affinity; got 'spread'"
    }
    assert problems(ServerGroup, {"name": "g", "policy": ["affinity"]}) == {
        "policy": "expected string, got list ['affinity']"
    }


def test_project_reference() -> None:
    values = from_raw(ServerGroup, {"name": "g", "policy": "affinity", "project": "${project.team}"})
    assert values["project"] == Reference("project", "team")
    assert_valid(ServerGroup, values)
    assert problems(ServerGroup, {**values, "project": Reference("instance", "vm")}) == {
        "project": "must refer to a project, not to instance.vm"
    }


def test_id_cannot_be_set() -> None:
    assert problems(ServerGroup, {"name": "g", "policy": "affinity", "id": "x"}) == {
        "id": "is computed by the cloud and cannot be set"
    }


@pytest.mark.parametrize(("name", "value"), [("policy", "anti-affinity"), ("project", "team"), ("name", "h")])
def test_every_change_replaces_the_group(name: str, value: str) -> None:
    old = complete(ServerGroup, {"name": "g", "policy": "affinity"})
    assert old == {"name": "g", "policy": "affinity", "project": None}
    changes = diff(ServerGroup, old, {**old, name: value})
    assert [(c.field, c.update) for c in changes] == [(name, "replace")]
    assert action_of(changes) == "replace"
    assert not ServerGroup.updatable
