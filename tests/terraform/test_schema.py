"""The Terraform schema is the iaas model, translated: every kind, every field, every fact."""

from __future__ import annotations

import json

import attrs
import pytest
from tf.gen import tfplugin_pb2 as pb

from iaas.model import KINDS, UNKNOWN, FieldSchema, object_schema
from iaas_terraform import schema
from iaas_terraform.codec import attribute_path, decode, encode
from iaas_terraform.objects import complete_object, from_tf, to_tf

FIELDS = [(kind, f) for kind, cls in KINDS.items() for f in object_schema(cls).fields]


def _attribute(kind: str, name: str, data: bool = False) -> pb.Schema.Attribute:
    response = schema.get_provider_schema()
    block = (response.data_source_schemas if data else response.resource_schemas)[f"iaas_{kind}"].block
    return next(a for a in block.attributes if a.name == name)


def test_every_kind_is_a_resource_and_a_data_source() -> None:
    response = schema.get_provider_schema()
    assert set(response.resource_schemas) == {f"iaas_{k}" for k in KINDS} == set(response.data_source_schemas)
    for kind, cls in KINDS.items():
        block = response.resource_schemas[f"iaas_{kind}"].block
        assert [a.name for a in block.attributes] == [f.name for f in object_schema(cls).fields]
        assert block.description == cls.description_doc
    assert [a.name for a in response.provider.block.attributes] == ["home", "cloud", "cloud_config", "stack"]


@pytest.mark.parametrize(("kind", "f"), FIELDS, ids=[f"{k}.{f.name}" for k, f in FIELDS])
def test_attribute_follows_the_field(kind: str, f: FieldSchema) -> None:
    attr = _attribute(kind, f.name)
    spec = f.spec
    assert attr.required == spec.required
    assert attr.sensitive == spec.secret
    defaulted = spec.chosen or f.default not in (attrs.NOTHING, None)
    assert attr.computed == (spec.computed or defaulted)
    assert attr.optional == (not spec.required and not spec.computed)
    assert attr.description.startswith(spec.description)
    assert ("Changing it replaces the object." in attr.description) == (spec.update == "replace" and not spec.computed)
    if f.nested is None:
        assert json.loads(attr.type) == schema.cty_type(f.type)
    else:
        assert not attr.type
        assert [a.name for a in attr.nested_type.attributes] == [n.name for n in f.nested.fields]
    data = _attribute(kind, f.name, data=True)
    assert data.computed and data.optional == (f.name in ("name", "id"))


def test_nested_types() -> None:
    nics = _attribute("instance", "nics")
    assert nics.nested_type.nesting == pb.Schema.Object.LIST
    by_name = {a.name: a for a in nics.nested_type.attributes}
    assert by_name["network"].required and "The id of an `iaas_network`." in by_name["network"].description
    quota = _attribute("project", "quota")
    assert quota.nested_type.nesting == pb.Schema.Object.SINGLE and quota.optional and quota.computed
    assert all(a.optional and a.computed for a in quota.nested_type.attributes)  # every limit has a default
    assert json.loads(_attribute("instance", "volumes").type) == ["list", "string"]
    assert json.loads(_attribute("instance", "vcpus").type) == "number"


def test_values_on_the_wire() -> None:
    value = {"name": "vm", "vcpus": UNKNOWN, "nics": [{"network": UNKNOWN, "fixed_ip": None}]}
    assert decode(encode(value)) == value
    assert decode(pb.DynamicValue(json=b'{"a": 1}')) == {"a": 1} and decode(None) is None
    vcpus = object_schema(KINDS["instance"]).field("vcpus")
    assert vcpus is not None
    assert [from_tf(v, vcpus.type, None) for v in (2, 2.0, "2", 2.5)] == [2, 2, 2, 2.5]
    assert to_tf(3.0, vcpus.type, None) == 3
    path = attribute_path("nics[1].security_groups[0]")
    assert [(s.attribute_name, s.element_key_int) for s in path.steps] == [
        ("nics", 0),
        ("", 1),
        ("security_groups", 0),
        ("", 0),
    ]


def test_stored_state_is_brought_to_the_schema() -> None:
    upgraded = complete_object("network", {"name": "web", "cidr": "10.0.0.0/24", "retired_field": 1})
    assert set(upgraded) == {f.name for f in object_schema(KINDS["network"]).fields}
    assert upgraded["name"] == "web" and upgraded["mtu"] is None
