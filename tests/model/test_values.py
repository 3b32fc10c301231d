"""Inputs as plain values: conversion, validation, defaults and diff (iaas.model.values)."""

from __future__ import annotations

import copy
import pickle
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iaas.model import (
    KINDS,
    UNKNOWN,
    Image,
    Instance,
    Network,
    Nic,
    Project,
    Quota,
    Reference,
    Resource,
    Rule,
    SecurityGroup,
    Volume,
    contains_unknown,
    field,
    object_schema,
)
from iaas.model.values import Change, ForbiddenChange, action_of, complete, diff, from_raw, inputs_of, validate

from ._strategies import VALID_INPUTS
from ._util import SAMPLES, problems

KIND_NAMES = list(KINDS)


def _sample(kind: str) -> dict[str, Any]:
    return from_raw(KINDS[kind], copy.deepcopy(SAMPLES[kind]))


# ---------------------------------------------------------------- references and unknowns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${network.web}", Reference("network", "web", "id")),
        ("${network.web.gateway}", Reference("network", "web", "gateway")),
        ("${ network.web.gateway }", Reference("network", "web", "gateway")),
        ("  ${instance.vm-1.ip_address}  ", Reference("instance", "vm-1", "ip_address")),
        ("${volume.db.2}", Reference("volume", "db.2", "id")),
        ("${security_group.ssh}", Reference("security_group", "ssh", "id")),
    ],
)
def test_reference_syntax(text: str, expected: Reference) -> None:
    assert Reference.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["network.web", "${network}", "${Network.web}", "$network.web", "${network.web", "${}", "x ${network.web}", ""],
)
def test_not_a_reference(text: str) -> None:
    assert Reference.parse(text) is None


def test_reference_rendering_and_address() -> None:
    ref = Reference("network", "web")
    assert ref.attribute == "id"
    assert ref.address == "network.web"
    assert str(ref) == "${network.web.id}"
    assert Reference.parse(str(ref)) == ref
    assert Reference.parse(42) is None  # type: ignore[arg-type]


def test_resource_ref() -> None:
    net = Network(name="web", cidr="10.0.0.0/24")
    assert net.address == "network.web"
    assert net.ref() == Reference("network", "web", "id")
    assert net.ref("gateway") == Reference("network", "web", "gateway")


def test_unknown_is_one_value_that_survives_pickling() -> None:
    assert repr(UNKNOWN) == "(known after apply)"
    assert type(UNKNOWN)() is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN


def test_contains_unknown_looks_inside_lists_and_mappings() -> None:
    assert contains_unknown(UNKNOWN)
    assert contains_unknown([1, {"a": [UNKNOWN]}])
    assert contains_unknown(("x", UNKNOWN))
    assert not contains_unknown({"a": [1, "2", None]})
    assert not contains_unknown(Reference("network", "web"))


# ---------------------------------------------------------------- inputs_of and from_raw


def test_inputs_of_keeps_set_input_fields_and_turns_resources_into_references() -> None:
    img = Image(name="debian", source="/images/debian.qcow2")
    net = Network(name="web", cidr="10.0.0.0/24", id="set-by-the-cloud")
    vm = Instance(
        name="vm",
        image=img,
        flavor="m1.tiny",
        volumes=["${volume.data}"],
        nics=[Nic(network=net, security_groups=[SecurityGroup(name="ssh")])],
        user_data=net.ref("gateway"),
    )
    assert inputs_of(net) == {"name": "web", "cidr": "10.0.0.0/24", "mode": "nat", "dhcp": True, "dns_hosts": {}}
    assert inputs_of(vm) == {
        "name": "vm",
        "image": Reference("image", "debian"),
        "flavor": "m1.tiny",
        "volumes": [Reference("volume", "data")],
        "nics": [{"network": Reference("network", "web"), "security_groups": [Reference("security_group", "ssh")]}],
        "user_data": Reference("network", "web", "gateway"),
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


def test_inputs_of_nested_objects_become_mappings() -> None:
    project = Project(name="p", quota=Quota(vcpus=4))
    assert inputs_of(project)["quota"] == {**attrs.asdict(Quota()), "vcpus": 4}
    group = SecurityGroup(name="g", rules=[Rule(port_min=22, remote_group="${security_group.other}")])
    assert inputs_of(group)["rules"] == [
        {
            "direction": "ingress",
            "protocol": "tcp",
            "port_min": 22,
            "remote_group": Reference("security_group", "other", "name"),
        }
    ]


def test_from_raw_turns_reference_strings_into_references_everywhere() -> None:
    raw = {
        "name": "vm",
        "image": "${image.debian}",
        "flavor": "m1.tiny",
        "user_data": "${network.web.gateway}",
        "volumes": ["${volume.a}", "literal-id"],
        "nics": [{"network": "${network.web}", "security_groups": ["${security_group.ssh.id}"], "extra": 1}],
        "colour": "${network.web}",
    }
    assert from_raw(Instance, raw) == {
        "name": "vm",
        "image": Reference("image", "debian"),
        "flavor": "m1.tiny",
        "user_data": Reference("network", "web", "gateway"),
        "volumes": [Reference("volume", "a"), "literal-id"],
        "nics": [
            {
                "network": Reference("network", "web"),
                "security_groups": [Reference("security_group", "ssh")],
                "extra": 1,
            }
        ],
        "colour": "${network.web}",  # unknown fields are left for validation to report
    }


def test_from_raw_leaves_plain_values_alone() -> None:
    raw = {"name": "p", "description": "costs ${dollars}", "quota": {"vcpus": "${project.other.id}", "x": 1}}
    assert from_raw(Project, raw) == {
        "name": "p",
        "description": "costs ${dollars}",
        "quota": {"vcpus": Reference("project", "other"), "x": 1},
    }


# ---------------------------------------------------------------- validation, for every kind


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_samples_are_valid(kind: str) -> None:
    assert validate(KINDS[kind], _sample(kind)) == []


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_required_field_missing(kind: str) -> None:
    cls = KINDS[kind]
    for f in object_schema(cls).fields:
        if f.required and f.name != "name":
            values = {k: v for k, v in _sample(kind).items() if k != f.name}
            assert problems(cls, values)[f.name] == "is required"
            assert problems(cls, {**values, f.name: None})[f.name] == "is required"
    errors = validate(cls, {})
    assert ("name", "is required") in {(e.field, e.message) for e in errors}
    assert all(e.address == f"{kind}.?" for e in errors)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_unknown_top_level_field(kind: str) -> None:
    cls = KINDS[kind]
    message = problems(cls, {**_sample(kind), "colour": "blue"})["colour"]
    known = ", ".join(f.name for f in object_schema(cls).inputs)
    assert message == f"unknown field (known fields: {known})"


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_computed_fields_cannot_be_set(kind: str) -> None:
    cls = KINDS[kind]
    for f in object_schema(cls).fields:
        if f.computed:
            found = problems(cls, {**_sample(kind), f.name: "x"})
            assert found == {f.name: "is computed by the cloud and cannot be set"}
            assert validate(cls, {**_sample(kind), f.name: None}) == []  # None means "not set"


def _wrong_values(type_name: str) -> list[tuple[Any, str]]:
    return {
        "string": [
            (5, "expected string, got int 5"),
            (True, "expected string, got bool True"),
            (["a"], "expected string, got list ['a']"),
        ],
        "integer": [
            ("5", "expected integer, got str '5'"),
            (True, "expected integer, got bool True"),
            (2.5, "expected integer, got float 2.5"),
            ([1], "expected integer, got list [1]"),
        ],
        "boolean": [(1, "expected boolean, got int 1"), ("yes", "expected boolean, got str 'yes'")],
        "list": [("a", "expected a list, got a string"), ({"a": 1}, "expected a list, got a mapping")],
        "object": [("a", "expected a mapping, got a string"), ([1], "expected a mapping, got a list")],
        "map": [("a", "expected a mapping, got a string"), ([1], "expected a mapping, got a list")],
    }[type_name]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_wrong_types_for_every_input_field(kind: str) -> None:
    cls = KINDS[kind]
    for f in object_schema(cls).inputs:
        for value, message in _wrong_values(f.type.name):
            assert problems(cls, {**_sample(kind), f.name: value}) == {f.name: message}, f.name


def test_wrong_types_inside_lists_and_nested_objects() -> None:
    vm = _sample("instance")
    assert problems(Instance, {**vm, "volumes": ["${volume.a}", 7]}) == {"volumes[1]": "expected string, got int 7"}
    assert problems(Instance, {**vm, "nics": ["eth0"]}) == {"nics[0]": "expected a mapping, got a string"}
    assert problems(Instance, {**vm, "nics": [{"network": "n", "security_groups": "sg"}]}) == {
        "nics[0].security_groups": "expected a list, got a string"
    }
    assert problems(Project, {"name": "p", "quota": {"vcpus": "4"}}) == {"quota.vcpus": "expected integer, got str '4'"}


def test_unknown_nested_fields_name_their_path() -> None:
    vm = {**_sample("instance"), "nics": [{"network": "n"}, {"network": "m", "foo": 1}]}
    assert problems(Instance, vm) == {"nics[1].foo": "unknown field (known fields: network, fixed_ip, security_groups)"}
    group = {"name": "g", "rules": [{}, {"bar": 1}]}
    assert problems(SecurityGroup, group) == {
        "rules[1].bar": "unknown field (known fields: direction, protocol, port_min, port_max, remote_cidr, "
        "remote_group)"
    }
    assert problems(Project, {"name": "p", "quota": {"x": 1}}) == {
        "quota.x": "unknown field (known fields: instances, vcpus, memory_mib, volumes, volume_gib, networks, "
        "port_forwards, floating_ips)"
    }


def test_every_problem_is_reported_not_only_the_first() -> None:
    found = problems(Network, {"name": "web", "cidr": 10, "mode": "flat", "mtu": 100, "colour": 1})
    assert set(found) == {"cidr", "mode", "mtu", "colour"}


def test_address_and_source_are_carried_into_each_error() -> None:
    [error] = validate(Volume, {"name": "data"}, address="volume.other", source="stack.yaml:7")
    assert (error.address, error.field, error.source) == ("volume.other", "size_gib", "stack.yaml:7")
    assert str(error) == "stack.yaml:7: volume.other.size_gib: is required"


def test_the_kinds_own_rules_wait_for_the_fields_to_be_right() -> None:
    # No flavor and no sizes breaks the instance rule, but a type error is reported alone first.
    assert problems(Instance, {"name": "vm", "image": "i", "power_state": 1}) == {
        "power_state": "expected string, got int 1"
    }
    assert problems(Instance, {"name": "vm", "image": "i"}) == {"flavor": "set a flavor, or both vcpus and memory_mib"}


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_unknown_values_are_accepted_for_every_input(kind: str) -> None:
    cls = KINDS[kind]
    for f in object_schema(cls).inputs:
        assert validate(cls, {**_sample(kind), f.name: UNKNOWN}) == [], f.name


def test_references_must_point_at_the_declared_kind() -> None:
    vm = _sample("instance")
    assert problems(Instance, {**vm, "image": Network(name="n", cidr="10.0.0.0/24").ref()}) == {
        "image": "must refer to an image, not to network.n"
    }
    assert problems(Instance, {**vm, "nics": [{"network": Reference("volume", "v")}]}) == {
        "nics[0].network": "must refer to a network, not to volume.v"
    }
    # A field that refers to nothing may take any resource's attribute.
    assert validate(Instance, {**vm, "user_data": Reference("network", "n", "gateway")}) == []
    assert validate(Volume, {"name": "v", "size_gib": Reference("image", "i", "size")}) == []


def test_a_reference_cannot_stand_for_a_list_or_an_object() -> None:
    assert problems(Project, {"name": "p", "quota": Reference("project", "other", "quota")}) == {
        "quota": "a reference (${project.other.quota}) cannot stand for a Quota"
    }
    assert problems(SecurityGroup, {"name": "g", "rules": Reference("security_group", "other", "rules")}) == {
        "rules": "a reference (${security_group.other.rules}) cannot stand for a list(Rule)"
    }


def test_a_reference_cannot_stand_for_a_list_of_references() -> None:
    raw = {
        "name": "a",
        "image": "${image.i}",
        "flavor": "m1.tiny",
        "volumes": "${volume.v}",
        "nics": [{"network": "${network.n}", "security_groups": "${security_group.s}"}],
    }
    errors = {(e.field, e.message) for e in validate(Instance, from_raw(Instance, raw))}
    assert errors == {
        ("volumes", "a reference (${volume.v.id}) cannot stand for a list(string)"),
        ("nics[0].security_groups", "a reference (${security_group.s.id}) cannot stand for a list(string)"),
    }


@attrs.define(kw_only=True)
class _Gauge(Resource):
    kind: ClassVar[str] = "gauge"
    level: float | None = field("A number.", minimum=0, maximum=10)


def test_numbers_take_ints_and_floats_but_not_booleans() -> None:
    assert validate(_Gauge, {"name": "g", "level": 2.5}) == []
    assert validate(_Gauge, {"name": "g", "level": 3}) == []
    assert problems(_Gauge, {"name": "g", "level": True}) == {"level": "expected number, got bool True"}
    assert problems(_Gauge, {"name": "g", "level": 10.5}) == {"level": "must be at most 10; got 10.5"}


# ---------------------------------------------------------------- complete


def test_complete_fills_defaults_at_every_level() -> None:
    filled = complete(SecurityGroup, {"name": "g", "rules": [{"port_min": 22}]})
    assert filled == {
        "name": "g",
        "description": "",
        "project": None,
        "rules": [
            {
                "direction": "ingress",
                "protocol": "tcp",
                "port_min": 22,
                "port_max": None,
                "remote_cidr": None,
                "remote_group": None,
            }
        ],
    }
    assert complete(Project, {"name": "p", "quota": {"vcpus": 4}})["quota"] == {**attrs.asdict(Quota()), "vcpus": 4}
    assert complete(Project, {"name": "p"})["quota"] == attrs.asdict(Quota())


def test_complete_keeps_references_and_unknowns() -> None:
    filled = complete(Volume, {"name": "v", "size_gib": UNKNOWN, "image": Reference("image", "i")})
    assert filled["size_gib"] is UNKNOWN
    assert filled["image"] == Reference("image", "i")
    assert filled["format"] == "qcow2"


def test_complete_gives_each_resource_its_own_default_lists() -> None:
    first = complete(Instance, {"name": "a", "image": "i", "flavor": "m1.tiny"})
    first["volumes"].append("v")
    second = complete(Instance, {"name": "b", "image": "i", "flavor": "m1.tiny"})
    assert second["volumes"] == []
    assert object_schema(Instance).field("volumes").default == []  # type: ignore[union-attr]


# ---------------------------------------------------------------- diff


def test_diff_of_equal_inputs_is_empty_and_the_action_a_noop() -> None:
    values = complete(Network, {"name": "web", "cidr": "10.0.0.0/24"})
    assert diff(Network, values, dict(values)) == []
    assert action_of([]) == "noop"


def test_diff_gives_each_changed_field_its_update_class() -> None:
    old = complete(Network, {"name": "web", "cidr": "10.0.0.0/24"})
    new = {**old, "mtu": 9000, "cidr": "10.0.1.0/24"}
    changes = diff(Network, old, new)
    assert changes == [Change("cidr", "10.0.0.0/24", "10.0.1.0/24", "replace"), Change("mtu", None, 9000, "offline")]
    assert action_of(changes) == "replace"
    assert action_of(changes[1:]) == "update"


def test_a_new_value_known_only_after_apply_is_a_change() -> None:
    old = complete(Volume, {"name": "v", "size_gib": 10})
    assert diff(Volume, old, {**old, "size_gib": UNKNOWN}) == [Change("size_gib", 10, UNKNOWN, "live")]
    inst = complete(Instance, {"name": "vm", "image": "i", "flavor": "m1.tiny", "nics": [{"network": "n"}]})
    new = {**inst, "nics": [{**inst["nics"][0], "fixed_ip": UNKNOWN}]}
    assert [c.field for c in diff(Instance, inst, new)] == ["nics"]
    assert diff(Instance, new, new)[0].update == "live"  # still unknown: still a change


def test_a_forbidden_change_names_its_field() -> None:
    old = complete(Volume, {"name": "v", "size_gib": 10})
    with pytest.raises(ForbiddenChange, match="cannot shrink a volume from 10 GiB to 5 GiB") as info:
        diff(Volume, old, {**old, "size_gib": 5})
    assert info.value.field == "size_gib"
    assert isinstance(info.value, ValueError)


# ---------------------------------------------------------------- properties


@st.composite
def _valid(draw: st.DrawFn) -> tuple[type[Resource], dict[str, Any]]:
    kind = draw(st.sampled_from(KIND_NAMES))
    cls = KINDS[kind]
    return cls, from_raw(cls, draw(VALID_INPUTS[kind]))


@given(_valid())
def test_generated_inputs_are_valid_before_and_after_completion(case: tuple[type[Resource], dict[str, Any]]) -> None:
    cls, values = case
    assert validate(cls, values) == []
    assert validate(cls, complete(cls, values)) == []


@given(_valid())
def test_complete_is_idempotent_and_a_completed_input_has_no_diff_with_itself(
    case: tuple[type[Resource], dict[str, Any]],
) -> None:
    cls, values = case
    filled = complete(cls, values)
    assert complete(cls, filled) == filled
    assert diff(cls, filled, filled) == []
    assert diff(cls, filled, copy.deepcopy(filled)) == []
    assert action_of(diff(cls, filled, complete(cls, copy.deepcopy(values)))) == "noop"


def test_malformed_reference_is_a_field_error() -> None:
    from iaas.model import Instance
    from iaas.model.values import from_raw, validate

    [err] = validate(Instance, from_raw(Instance, {"name": "x", "image": "${image.a b}", "flavor": "m1.tiny"}))
    assert err.field == "image" and "malformed reference" in err.message
