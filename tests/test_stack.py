"""Stacks built in Python: resources, references, dependencies, lifecycle and outputs (iaas.stack)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas.errors import ValidationError
from iaas.model import Image, Instance, KeyPair, Network, Nic, Reference, Volume
from iaas.stack import Declared, Lifecycle, Stack
from tests.model._util import PUBLIC_KEY


def _stack() -> tuple[Stack, Network, Instance]:
    stack = Stack("demo")
    net = stack.add(Network(name="web", cidr="10.10.0.0/24"))
    vm = stack.add(Instance(name="vm", image="${image.debian}", flavor="m1.tiny", nics=[Nic(network=net)]))
    assert isinstance(net, Network) and isinstance(vm, Instance)
    return stack, net, vm


def test_add_records_the_inputs_with_references() -> None:
    stack, net, vm = _stack()
    decl = stack["instance.vm"]
    assert isinstance(decl, Declared)
    assert (decl.kind, decl.name, decl.address, decl.cls) == ("instance", "vm", "instance.vm", Instance)
    assert decl.inputs == {
        "name": "vm",
        "image": Reference("image", "debian"),
        "flavor": "m1.tiny",
        "volumes": [],
        "nics": [{"network": Reference("network", "web"), "security_groups": []}],
        "power_state": "running",
        "stop_timeout": 60,
        "wait_for_address": False,
        "address_timeout": 300,
        "address_source": "lease",
        "host_labels": {},
        "firmware": "bios",
        "secure_boot": False,
        "tpm": False,
        "boot_order": [],
        "disk_bus": "virtio",
        "graphics": "none",
    }
    assert (decl.depends_on, decl.lifecycle, decl.source) == ([], Lifecycle(), None)


def test_container_protocol() -> None:
    stack, _, _ = _stack()
    assert stack.name == "demo"
    assert len(stack) == 2
    assert "network.web" in stack and "network.db" not in stack
    assert [d.address for d in stack] == ["network.web", "instance.vm"]
    with pytest.raises(KeyError):
        stack["network.db"]


def test_resources_given_at_construction() -> None:
    stack = Stack(resources=[Volume(name="a", size_gib=1), Volume(name="b", size_gib=2)])
    assert stack.name == "default"
    assert [d.address for d in stack] == ["volume.a", "volume.b"]


def test_a_duplicate_address_is_refused_naming_the_first() -> None:
    stack = Stack()
    stack.add(Volume(name="a", size_gib=1), source="stack.yaml:3")
    with pytest.raises(ValidationError) as info:
        stack.add(Volume(name="a", size_gib=2), source="stack.yaml:9")
    [error] = info.value.errors
    assert (error.address, error.field, error.source) == ("volume.a", "name", "stack.yaml:9")
    assert str(error) == "stack.yaml:9: volume.a.name: duplicate name (first declared at stack.yaml:3)"
    assert stack["volume.a"].inputs["size_gib"] == 1
    stack.add(Network(name="a", cidr="10.0.0.0/24"))  # the same name in another kind is another address


def test_only_resources_can_be_added() -> None:
    with pytest.raises(ValidationError, match="is not a resource"):
        Stack().add({"kind": "volume", "name": "a"})  # type: ignore[arg-type]


def test_depends_on_takes_resources_references_and_addresses() -> None:
    stack = Stack()
    img = stack.add(Image(name="debian", source="/srv/debian.qcow2"))
    key = stack.add(KeyPair(name="admin", public_key=PUBLIC_KEY))
    vol = stack.add(Volume(name="data", size_gib=1))
    stack.add(
        Network(name="web", cidr="10.0.0.0/24"),
        depends_on=[img, key.ref("fingerprint"), "${volume.data}", "project.team"],
    )
    assert stack["network.web"].depends_on == ["image.debian", "key_pair.admin", "volume.data", "project.team"]
    assert vol.address == "volume.data"


def test_lifecycle_options() -> None:
    stack = Stack()
    life = Lifecycle(prevent_destroy=True, create_before_destroy=True, ignore_changes=("size_gib",))
    stack.add(Volume(name="a", size_gib=1), lifecycle=life)
    assert stack["volume.a"].lifecycle is life
    assert life.ignores("size_gib") and not life.ignores("format")
    assert life.to_dict() == {"prevent_destroy": True, "create_before_destroy": True, "ignore_changes": ["size_gib"]}
    everything = Lifecycle(ignore_changes="all")
    assert everything.ignores("anything")
    assert everything.to_dict()["ignore_changes"] == "all"
    assert Lifecycle().to_dict() == {"prevent_destroy": False, "create_before_destroy": False, "ignore_changes": []}


def test_add_raw_takes_stack_file_values() -> None:
    stack = Stack()
    decl = stack.add_raw(
        "instance",
        "vm",
        {"image": "${image.debian}", "flavor": "m1.tiny", "nics": [{"network": "${network.web.id}"}]},
        depends_on=["${network.web}"],
        lifecycle=Lifecycle(prevent_destroy=True),
        source="s.yaml:4",
    )
    assert stack["instance.vm"] is decl
    assert decl.inputs == {
        "name": "vm",
        "image": Reference("image", "debian"),
        "flavor": "m1.tiny",
        "nics": [{"network": Reference("network", "web")}],
    }
    assert decl.depends_on == ["network.web"]
    assert decl.lifecycle.prevent_destroy and decl.source == "s.yaml:4"


def test_add_raw_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValidationError) as info:
        Stack().add_raw("elastic_ip", "x", {}, source="s.yaml:2")
    [error] = info.value.errors
    assert (error.address, error.source) == ("elastic_ip.x", "s.yaml:2")
    assert error.message == (
        "unknown kind 'elastic_ip' (known kinds: project, image, key_pair, network, "
        "security_group, server_group, volume, instance, snapshot, port_forward, floating_ip)"
    )


def test_add_raw_refuses_a_duplicate() -> None:
    stack = Stack()
    stack.add(Volume(name="a", size_gib=1))
    with pytest.raises(ValidationError, match="volume.a.name: duplicate name"):
        stack.add_raw("volume", "a", {"size_gib": 1})


def test_outputs() -> None:
    stack, net, vm = _stack()
    stack.output("ip", vm.ref("ip_address"))
    stack.output("net", net)
    stack.output("gateway", "${network.web.gateway}")
    stack.output("note", "plain text")
    stack.output("count", 3)
    assert stack.outputs == {
        "ip": Reference("instance", "vm", "ip_address"),
        "net": Reference("network", "web"),
        "gateway": Reference("network", "web", "gateway"),
        "note": "plain text",
        "count": 3,
    }


def test_load_reads_a_stack_file(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("resources:\n  volume:\n    data:\n      size_gib: 5\n")
    stack = Stack.load(str(path))
    assert stack.name == "site"
    assert stack["volume.data"].inputs == {"name": "data", "size_gib": 5}
    assert Stack.load(str(path), "other").name == "other"
