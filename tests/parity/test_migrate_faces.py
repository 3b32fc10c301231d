"""Every face moves an instance whose host changes, as the core plans it: a migration, never a replacement."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

import iaas
from iaas import resources
from iaas.model import UNKNOWN
from iaas_pulumi.names import camel, resource_token
from iaas_pulumi.schema import package_schema
from iaas_terraform.objects import tf_object
from iaas_terraform.operations import Operations
from tests.ansible.conftest import COLLECTION

TWO_HOSTS = [{"name": f"ho{i}", "uri": "test:///default", "underlay": f"192.0.2.{i}"} for i in (1, 2)]


def _assigned(source: str, name: str) -> str:
    """The source text of the literal assigned to ``name`` at a module's top level."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.get_source_segment(source, node.value) or ""
    raise AssertionError(f"no {name} in the module")


@pytest.fixture
def session(tmp_path: Path) -> resources.Session:
    cloud = iaas.Cloud.open({"hosts": TWO_HOSTS, "home": str(tmp_path / "cloud")})
    return resources.Session(cloud, stack="faces")


def test_the_core_diff_of_a_host_change_is_a_migration() -> None:
    old = {"name": "vm", "image": "img", "vcpus": 1, "memory_mib": 256, "host": "ho1"}
    diff = resources.diff("instance", old, {**old, "host": "ho2"})
    assert diff.action == "migrate" and diff.replace_fields == [] and diff.changed_fields == ["host"]
    both = resources.diff("instance", old, {**old, "host": "ho2", "memory_mib": 512})
    assert both.action == "migrate" and sorted(both.changed_fields) == ["host", "max_memory_mib", "memory_mib"]
    assert resources.diff("instance", old, {**old, "host": "ho2", "user_data": "x"}).action == "replace"


def test_pulumi_and_ansible_do_not_replace_an_instance_for_its_host() -> None:
    props = package_schema()["resources"][resource_token("instance")]["inputProperties"]
    assert "willReplaceOnChanges" not in props[camel("host")]
    assert "willReplaceOnChanges" in props[camel("image")]
    module = (COLLECTION / "plugins" / "modules" / "instance.py").read_text()
    doc = yaml.safe_load(ast.literal_eval(_assigned(module, "DOCUMENTATION")))
    text = " ".join(doc["options"]["host"]["description"])
    assert "moves the object to that host" in text and "replaces" not in text


def test_terraform_moves_the_instance_in_place(session: resources.Session, tmp_path: Path) -> None:
    ops = Operations(lambda: session)

    def create(kind: str, values: dict[str, Any]) -> dict[str, Any]:
        plan = ops.plan(kind, None, tf_object(kind, values, {}), b"")
        state, _ = ops.apply(kind, None, plan.state, plan.private)
        assert state is not None
        return state

    (tmp_path / "base.qcow2").write_bytes(b"\0" * 4096)
    image = create("image", {"name": "base", "source": str(tmp_path / "base.qcow2")})
    values = {"name": "vm", "image": image["id"], "vcpus": 1, "memory_mib": 256, "host": "ho1"}
    plan = ops.plan("instance", None, tf_object("instance", values, {}), b"")
    vm, private = ops.apply("instance", None, plan.state, plan.private)
    assert vm is not None and vm["host"] == "ho1"
    moved = {**values, "host": "ho2"}
    plan = ops.plan("instance", vm, tf_object("instance", moved, {}), private)
    assert plan.requires_replace == [] and plan.state is not None
    assert plan.state["id"] == vm["id"] and plan.state["id"] is not UNKNOWN
    after, _ = ops.apply("instance", vm, plan.state, plan.private)
    assert after is not None and after["id"] == vm["id"] and after["host"] == "ho2"
    hosts = session.cloud.hosts
    assert hosts["ho1"].get_domain(vm["id"]) is None and hosts["ho2"].get_domain(vm["id"]) is not None
