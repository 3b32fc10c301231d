"""Projects and their quotas (iaas.model.project)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from iaas.model import Project, Quota, Reference
from iaas.model.project import QUOTA_KINDS
from iaas.model.values import action_of, complete, diff, from_raw, inputs_of

from ._util import assert_valid, problems

QUOTA_KEYS = [f.name for f in attrs.fields(Quota)]


def _project(**values: Any) -> dict[str, Any]:
    return {"name": "team", **values}


def test_valid_projects() -> None:
    assert_valid(Project, _project())
    assert_valid(Project, _project(description="the team", quota={"vcpus": 8, "instances": -1}))
    assert_valid(Project, _project(quota={key: 0 for key in QUOTA_KEYS}))
    assert_valid(Project, inputs_of(Project(name="team", quota=Quota(memory_mib=-1))))


def test_quota_objects_become_mappings() -> None:
    assert inputs_of(Project(name="team", quota=Quota(volumes=3)))["quota"] == {**attrs.asdict(Quota()), "volumes": 3}


@pytest.mark.parametrize("key", QUOTA_KEYS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-2, "must be at least -1; got -2"),
        ("10", "expected integer, got str '10'"),
        (True, "expected integer, got bool True"),
        (1.5, "expected integer, got float 1.5"),
    ],
)
def test_quota_values(key: str, value: Any, message: str) -> None:
    assert problems(Project, _project(quota={key: value})) == {f"quota.{key}": message}


def test_unknown_quota_key() -> None:
    assert problems(Project, _project(quota={"gpus": 1})) == {
        "quota.gpus": "unknown field (known fields: " + ", ".join(QUOTA_KEYS) + ")"
    }


def test_quota_is_a_mapping() -> None:
    assert problems(Project, _project(quota=[1])) == {"quota": "expected a mapping, got a list"}
    assert problems(Project, _project(quota=10)) == {"quota": "expected a mapping, got an integer"}


def test_a_quota_may_come_from_a_reference() -> None:
    values = from_raw(Project, _project(quota={"vcpus": "${project.parent.id}"}))
    assert values["quota"] == {"vcpus": Reference("project", "parent")}
    assert_valid(Project, values)


def test_description_is_a_string() -> None:
    assert problems(Project, _project(description=["x"])) == {"description": "expected string, got list ['x']"}


def test_id_cannot_be_set() -> None:
    assert problems(Project, _project(id="p-1")) == {"id": "is computed by the cloud and cannot be set"}


def test_quota_defaults_follow_openstack() -> None:
    filled = complete(Project, _project(quota={"vcpus": 4}))
    assert filled == {
        "name": "team",
        "description": "",
        "quota": {
            "instances": 10,
            "vcpus": 4,
            "memory_mib": 51200,
            "volumes": 10,
            "volume_gib": 1000,
            "networks": 100,
            "port_forwards": 50,
            "floating_ips": 50,
        },
    }


def test_counted_quotas_name_real_kinds() -> None:
    assert set(QUOTA_KINDS) <= set(QUOTA_KEYS)
    assert set(QUOTA_KINDS.values()) == {"instance", "volume", "network", "port_forward", "floating_ip"}


def test_quota_and_description_change_live_the_name_replaces() -> None:
    old = complete(Project, _project())
    new = complete(Project, _project(quota={"vcpus": 40}, description="bigger"))
    changes = diff(Project, old, new)
    assert {c.field: c.update for c in changes} == {"quota": "live", "description": "live"}
    assert action_of(changes) == "update"
    assert action_of(diff(Project, old, {**old, "name": "other"})) == "replace"
