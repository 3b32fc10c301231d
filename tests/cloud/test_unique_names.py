"""Names held once: kinds whose names are unique per project (or cloud-wide, projects) refuse a second holder.

The rule is the admission's, so the plan (a dry run of it) and the apply both report it, on each inventory backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iaas import Cloud
from iaas.cloud.admission import Subject
from iaas.errors import ConflictError
from iaas.model import KINDS
from iaas.model.values import complete
from iaas.resources import Session


@pytest.fixture
def shared(tmp_path: Path, database: str | None) -> Any:
    config = {"hosts": [{"name": "h1", "uri": "test:///default"}], **({"database": database} if database else {})}
    cloud = Cloud.open(config, home=tmp_path / "home")
    yield cloud
    cloud.close()


def _inputs(kind: str, name: str, **inputs: Any) -> dict[str, Any]:
    return complete(KINDS[kind], {"name": name, **inputs})


def test_two_stacks_naming_a_network_alike_in_one_project(shared: Cloud) -> None:
    team = Session(shared, "base").create("project", "project.team", _inputs("project", "team")).id
    Session(shared, "one").create("network", "network.web", _inputs("network", "web", cidr="10.1.0.0/24", project=team))
    other = Session(shared, "two")
    second = _inputs("network", "web", cidr="10.2.0.0/24", project=team)
    expected = r"network\.web\.name: network name 'web' is already used in project team by network\.web \(stack one\)"
    with pytest.raises(ConflictError, match=expected):
        other.plan_create("network", second, "network.web")
    with pytest.raises(ConflictError, match=expected):
        other.create("network", "network.web", second)
    assert [r.stack for r in shared.inventory.list("network")] == ["one"]


def test_names_are_unique_per_project_and_projects_cloud_wide(shared: Cloud) -> None:
    base = Session(shared, "base")
    a = base.create("project", "project.a", _inputs("project", "a")).id
    b = base.create("project", "project.b", _inputs("project", "b")).id
    Session(shared, "one").create("security_group", "security_group.web", _inputs("security_group", "web", project=a))
    Session(shared, "two").create("security_group", "security_group.web", _inputs("security_group", "web", project=b))
    with pytest.raises(ConflictError, match=r"project name 'a' is already used in the cloud by project\.a"):
        Session(shared, "two").create("project", "project.a", _inputs("project", "a"))


def test_instances_may_share_a_name() -> None:
    assert KINDS["instance"].unique_name is None
    assert {k for k, cls in KINDS.items() if cls.unique_name} == {
        "project",
        "network",
        "security_group",
        "key_pair",
        "server_group",
        "image",
    }


def test_a_rename_gives_the_old_name_up(shared: Cloud) -> None:
    owner = "00000000-0000-4000-8000-0000000000aa"
    admission, store = shared.admission, shared.inventory
    for name in ("old", "new"):
        subject = Subject("key_pair", owner, "key_pair.k", "key_pair.k (stack one)", {"name": name})
        with store.transaction():
            assert admission.check(subject, admission.resolver(subject)) == []
    assert store.claimed(owner, "name:key_pair") == ["/new"]
    other = Subject("key_pair", "another", "key_pair.o", "key_pair.o (stack two)", {"name": "old"})
    with store.transaction():
        assert admission.check(other, admission.resolver(other)) == []
