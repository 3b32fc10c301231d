"""The schema derived from the declarations (iaas.model.schema and iaas.model.base.field)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import pytest

from iaas.model import (
    KINDS,
    Instance,
    Nic,
    Project,
    Quota,
    Resource,
    Rule,
    SecurityGroup,
    TypeSpec,
    field,
    object_schema,
)
from iaas.model.base import FieldSpec, fields_of, spec_of
from iaas.model.schema import FieldSchema

NESTED = (Nic, Rule, Quota)
ALL_TYPES = (*KINDS.values(), *NESTED)

REQUIRED = {
    "project": {"name"},
    "image": {"name"},
    "key_pair": {"name", "public_key"},
    "network": {"name", "cidr"},
    "security_group": {"name"},
    "server_group": {"name", "policy"},
    "volume": {"name", "size_gib"},
    "instance": {"name", "image"},
    "snapshot": {"name", "instance"},
    "port_forward": {"name", "instance", "target_port", "host_port"},
    "floating_ip": {"name"},
}

COMPUTED = {
    "project": {"id"},
    "image": {"id", "size"},
    "key_pair": {"id", "fingerprint"},
    "network": {"id", "gateway", "dataplane"},
    "security_group": {"id", "dataplane"},
    "server_group": {"id"},
    "volume": {"id", "path"},
    "instance": {"id", "ip_address", "ip_addresses", "mac_addresses", "graphics_address"},
    "snapshot": {"id", "host", "created_at", "state", "disks", "reverted_at"},
    "port_forward": {"id", "host", "target_address", "dataplane"},
    "floating_ip": {"id", "host", "target_address", "interface", "dataplane"},
}


def _field(cls: type, name: str) -> FieldSchema:
    f = object_schema(cls).field(name)
    assert f is not None, name
    return f


def test_kinds_are_listed_in_documentation_order_under_their_own_names() -> None:
    assert list(KINDS) == [
        "project",
        "image",
        "key_pair",
        "network",
        "security_group",
        "server_group",
        "volume",
        "instance",
        "snapshot",
        "port_forward",
        "floating_ip",
    ]
    for name, cls in KINDS.items():
        assert cls.kind == name
        assert issubclass(cls, Resource)
        assert cls.description_doc


@pytest.mark.parametrize("kind", list(KINDS))
def test_required_and_computed_fields(kind: str) -> None:
    schema = object_schema(KINDS[kind])
    assert {f.name for f in schema.fields if f.required} == REQUIRED[kind]
    assert {f.name for f in schema.fields if f.computed} == COMPUTED[kind]
    assert {f.name for f in schema.inputs} == {f.name for f in schema.fields} - COMPUTED[kind]


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.__name__)
def test_every_field_is_described_and_its_default_matches_its_kind(cls: type) -> None:
    for f in object_schema(cls).fields:
        assert f.spec.description.endswith("."), f.name
        if f.required:
            assert f.default is attrs.NOTHING
        if f.computed:
            assert f.default is None
            assert not f.required and f.output and not f.input


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.__name__)
def test_references_name_existing_kinds(cls: type) -> None:
    for f in object_schema(cls).fields:
        assert f.spec.ref is None or f.spec.ref in KINDS
        if f.spec.ref is not None:
            assert f.type.name == "string" or str(f.type) == "list(string)"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_kind_that_cannot_be_updated_replaces_on_every_change(kind: str) -> None:
    cls = KINDS[kind]
    in_place = [f.name for f in object_schema(cls).inputs if not f.spec.replace]
    assert bool(in_place) == cls.updatable, in_place


def test_field_types() -> None:
    types = {f.name: str(f.type) for f in object_schema(Instance).fields}
    assert types["name"] == "string"
    assert types["vcpus"] == "integer"
    assert types["volumes"] == "list(string)"
    assert types["nics"] == "list(Nic)"
    assert types["ip_addresses"] == "list(string)"
    assert str(_field(Project, "quota").type) == "Quota"
    assert _field(KINDS["network"], "dhcp").type == TypeSpec("boolean")


def test_nested_types_have_their_own_schemas() -> None:
    nics = object_schema(Instance).field("nics")
    rules = object_schema(SecurityGroup).field("rules")
    quota = object_schema(Project).field("quota")
    assert nics is not None and nics.nested is object_schema(Nic)
    assert rules is not None and rules.nested is object_schema(Rule)
    assert quota is not None and quota.nested is object_schema(Quota)
    assert _field(Instance, "volumes").nested is None
    assert {f.name for f in object_schema(Nic).fields if f.required} == {"network"}


def test_factory_defaults_are_evaluated() -> None:
    assert _field(SecurityGroup, "rules").default == []
    assert _field(Project, "quota").default == Quota()
    assert _field(Instance, "power_state").default == "running"


def test_outputs_are_computed_fields_and_those_the_cloud_chooses() -> None:
    outputs = {f.name for f in object_schema(Instance).outputs}
    assert outputs == COMPUTED["instance"] | {
        "vcpus",
        "memory_mib",
        "max_vcpus",
        "max_memory_mib",
        "root_disk_gib",
        "host",
    }
    host = object_schema(Instance).field("host")
    assert host is not None and host.input and host.output


def test_schema_lookup_and_cache() -> None:
    schema = object_schema(Instance)
    assert object_schema(Instance) is schema
    assert schema.field("nope") is None
    assert [f.name for f in schema.fields][:2] == ["name", "image"]  # declaration order, base fields first
    assert [a.name for a, _ in fields_of(Instance)] == [f.name for f in schema.fields]


def test_field_spec_facts() -> None:
    spec = spec_of(attrs.fields(Instance).user_data)
    assert spec.secret and spec.replace and spec.update == "replace"
    assert not spec_of(attrs.fields(Instance).memory_mib).replace
    assert FieldSpec("x").update == "live"


def test_a_required_field_cannot_have_a_default() -> None:
    with pytest.raises(TypeError, match="a required field has no default"):
        field("x", required=True, default=1)
    with pytest.raises(TypeError, match="a required field has no default"):
        field("x", required=True, factory=list)


def test_field_declares_choices_as_a_tuple() -> None:
    @attrs.define(kw_only=True)
    class Thing(Resource):
        kind: ClassVar[str] = "thing"
        colour: str = field("Colour.", choices=["red", "blue"], default="red")
        tags: dict[str, int] | None = field("Tags.")

    schema = object_schema(Thing)
    colour = schema.field("colour")
    tags = schema.field("tags")
    assert colour is not None and colour.spec.choices == ("red", "blue") and colour.default == "red"
    assert tags is not None and str(tags.type) == "map(integer)" and tags.type.item == TypeSpec("integer")


def test_unsupported_field_types_are_refused() -> None:
    @attrs.define(kw_only=True)
    class Either:
        value: int | str = field("Either.")

    @attrs.define(kw_only=True)
    class Bag:
        value: set[int] = field("A set.", factory=set)

    with pytest.raises(TypeError, match="unsupported union type"):
        object_schema(Either)
    with pytest.raises(TypeError, match="unsupported field type"):
        object_schema(Bag)
