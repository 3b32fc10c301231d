"""The Pulumi package schema of iaas, derived from the resource model.

Every kind becomes a resource (``iaas:index:Network``) and a lookup function
(``iaas:index:getNetwork``); every nested type (``Nic``, ``Rule``, ``Quota``)
an object type.  Descriptions, defaults, secrets and the fields whose change
replaces the resource come from the model's field declarations.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from iaas.api import KINDS, FieldSchema, ObjectSchema, Resource, TypeSpec, object_schema
from iaas_pulumi import PACKAGE, VERSION
from iaas_pulumi.names import camel, function_token, resource_token, type_token

_CHANGE = {
    "live": "Changed in place, on the running object.",
    "offline": "Changed in place; the object is stopped and started again.",
    "migrate": "Changing it moves the object to that host in place (live migration).",
    "replace": "Changing it replaces the resource.",
}

#: Provider configuration: (name, description, environment variable); config.py's _KNOWN lists the same names.
CONFIG: tuple[tuple[str, str, str | None], ...] = (
    (
        "home",
        "Directory of the embedded cloud's hosts and of the cloud's inventory (default: .iaas, relative to "
        "the Pulumi project).",
        "IAAS_HOME",
    ),
    (
        "cloud",
        "Path of a cloud config file (YAML or JSON) listing the hosts; without one (and without "
        "cloudConfig) the embedded simulated host is used.",
        "IAAS_CLOUD",
    ),
    ("cloudConfig", "The cloud config itself, as YAML or JSON text (instead of a file).", None),
)


def _type_ref(ts: TypeSpec) -> dict[str, Any]:
    if ts.name == "list":
        assert ts.item is not None
        return {"type": "array", "items": _type_ref(ts.item)}
    if ts.name == "map":
        assert ts.item is not None
        return {"type": "object", "additionalProperties": _type_ref(ts.item)}
    if ts.name == "object":
        assert ts.object is not None
        return {"$ref": f"#/types/{type_token(ts.object)}"}
    return {"type": ts.name}


def field_notes(f: FieldSchema) -> list[str]:
    """Sentences about a field's facts (allowed values, bounds, references, how a change applies)."""
    spec, notes = f.spec, []
    if spec.ref is not None:
        noun = spec.ref.replace("_", " ")
        notes.append(f"The id (or name) of {'an' if noun[0] in 'aeiou' else 'a'} {noun}.")
    if spec.choices:
        notes.append("One of: " + ", ".join(f"`{c}`" for c in spec.choices) + ".")
    if spec.minimum is not None and spec.maximum is not None:
        notes.append(f"From {spec.minimum} to {spec.maximum}.")
    elif spec.minimum is not None:
        notes.append(f"At least {spec.minimum}.")
    if spec.chosen and "unset" not in spec.description:
        notes.append("Chosen by the cloud when unset.")
    if spec.secret:
        notes.append("Secret.")
    return notes


def _description(f: FieldSchema, is_input: bool) -> str:
    parts = [f.spec.description, *field_notes(f)]
    if f.name == "name":
        parts.append("Default: the resource's Pulumi name.")
    if is_input:
        parts.append(_CHANGE[f.spec.update])
    return " ".join(parts)


def _default(f: FieldSchema) -> Any:
    default = f.default
    if default is attrs.NOTHING or default is None or isinstance(default, list | dict) or attrs.has(type(default)):
        return None
    return default


def _property(f: FieldSchema, is_input: bool) -> dict[str, Any]:
    prop: dict[str, Any] = {**_type_ref(f.type), "description": _description(f, is_input)}
    if is_input and (default := _default(f)) is not None:
        prop["default"] = default
    if f.spec.secret:
        prop["secret"] = True
    if is_input and f.spec.replace:
        prop["willReplaceOnChanges"] = True
    return prop


def schema_fields(schema: ObjectSchema) -> tuple[FieldSchema, ...]:
    """The fields that become properties (the object id is the Pulumi resource id)."""
    return tuple(f for f in schema.fields if f.name != "id")


def _object_type(cls: type) -> dict[str, Any]:
    schema = object_schema(cls)
    return {
        "type": "object",
        "description": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
        "properties": {camel(f.name): _property(f, True) for f in schema.inputs},
        "required": [camel(f.name) for f in schema.inputs if f.required],
    }


def _always_set(f: FieldSchema) -> bool:
    return f.required or f.name == "name" or _default(f) is not None or isinstance(f.default, list)


def _resource(cls: type[Resource]) -> dict[str, Any]:
    schema = object_schema(cls)
    fields = schema_fields(schema)
    inputs = [f for f in fields if f.input]
    return {
        "description": cls.description_doc,
        "properties": {camel(f.name): _property(f, False) for f in fields},
        "required": [camel(f.name) for f in fields if _always_set(f)],
        "inputProperties": {camel(f.name): _property(f, True) for f in inputs},
        "requiredInputs": [camel(f.name) for f in inputs if f.required and f.name != "name"],
    }


def _function(cls: type[Resource]) -> dict[str, Any]:
    resource = _resource(cls)
    return {
        "description": f"Look up an existing {cls.kind.replace('_', ' ')} by name or id.",
        "inputs": {
            "properties": {"nameOrId": {"type": "string", "description": "Name or id of the object."}},
            "required": ["nameOrId"],
        },
        "outputs": {
            "properties": {"id": {"type": "string", "description": "Id of the object."}, **resource["properties"]},
            "required": ["id", *resource["required"]],
        },
    }


def _nested_types() -> list[type]:
    seen: dict[type, None] = {}

    def visit(schema: ObjectSchema) -> None:
        for f in schema.fields:
            if f.nested is not None and f.nested.cls not in seen:
                seen[f.nested.cls] = None
                visit(f.nested)

    for cls in KINDS.values():
        visit(object_schema(cls))
    return list(seen)


def _config_properties() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, description, env in CONFIG:
        props[name] = {"type": "string", "description": description}
        if env:
            props[name]["defaultInfo"] = {"environment": [env]}
    return props


def package_schema() -> dict[str, Any]:
    """The package schema as a JSON-ready mapping."""
    config = _config_properties()
    return {
        "name": PACKAGE,
        "displayName": "iaas",
        "version": VERSION,
        "description": "Images, volumes, networks, security groups, key pairs, instances, port forwards, projects "
        "and server groups on libvirt hosts, planned and applied by iaas.",
        "keywords": ["pulumi", "iaas", "libvirt", "kvm", "category/infrastructure", "kind/native"],
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config},
        "provider": {"description": "The iaas provider: which cloud to use.", "inputProperties": config},
        "types": {type_token(cls): _object_type(cls) for cls in _nested_types()},
        "resources": {resource_token(kind): _resource(cls) for kind, cls in KINDS.items()},
        "functions": {function_token(kind): _function(cls) for kind, cls in KINDS.items()},
        "language": {"python": {"packageName": "pulumi_iaas", "requires": {"pulumi": ">=3.100,<4"}}},
    }


def schema_json() -> str:
    """The package schema as JSON text (stable key order, two-space indent)."""
    return json.dumps(package_schema(), indent=2) + "\n"
