"""The Terraform schema of the provider, derived from the iaas model.

Every resource type is a kind of iaas (``iaas_network`` is ``network``) and every attribute a
field of that kind, with the field's facts translated: a required field is ``required``; a
field the cloud sets is ``computed``; an optional field with a default, or one the cloud
chooses when it is unset, is ``optional`` and ``computed`` (the provider plans the value);
secret fields are ``sensitive``.  Nested types (NICs, rules, quotas) are nested attributes.
Each kind also has a data source of the same name that looks an object up by name or id.
"""

from __future__ import annotations

import functools
import json
import re

import attrs
from tf.gen import tfplugin_pb2 as pb

from iaas.api import KINDS, FieldSchema, IaasError, ObjectSchema, TypeSpec, object_schema
from iaas_terraform import timeouts

PREFIX = "iaas_"
SCHEMA_VERSION = 0

#: Provider configuration: (name, description).
PROVIDER_ATTRIBUTES = (
    (
        "home",
        "Directory of the embedded cloud (a simulated host) and of the cloud's inventory. "
        "Default: the IAAS_HOME environment variable, else `.iaas` in the working directory.",
    ),
    (
        "cloud",
        "Path of a cloud config file (YAML or JSON) naming real libvirt hosts. "
        "Default: the IAAS_CLOUD environment variable, else the embedded cloud.",
    ),
    (
        "cloud_config",
        "The cloud config itself, as YAML or JSON text (instead of a file), e.g. "
        '`jsonencode({ hosts = [{ name = "kvm1", uri = "qemu+ssh://root@kvm1/system" }] })`.',
    ),
    ("stack", "Label recorded on every object this configuration manages. Default: `terraform`."),
)

_CTY = {"string": "string", "integer": "number", "number": "number", "boolean": "bool"}


def type_name(kind: str) -> str:
    """The Terraform type name of a kind (``iaas_network``)."""
    return PREFIX + kind


def kind_of(type_name: str) -> str:
    """The kind of a Terraform type name; an error for a type this provider does not have."""
    kind = type_name[len(PREFIX) :] if type_name.startswith(PREFIX) else ""
    if kind not in KINDS:
        raise IaasError(f"the iaas provider has no type {type_name!r}")
    return kind


def cty_type(ts: TypeSpec) -> object:
    """The cty type of a (non-object) field type, as Terraform's JSON type notation."""
    if ts.name in ("list", "map"):
        assert ts.item is not None
        return [ts.name, cty_type(ts.item)]
    return _CTY[ts.name]


def field_at(kind: str, path: str) -> FieldSchema | None:
    """The field a dotted path (``nics[0].fixed_ip``) of a kind names, or None."""
    current: ObjectSchema | None = object_schema(KINDS[kind])
    found = None
    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"\[[^\]]*\]", "", path)):
        found = current.field(name) if current is not None else None
        if found is None:
            return None
        current = found.nested
    return found


def has_default(f: FieldSchema) -> bool:
    """True when an unset value of the field is filled in by iaas (a default, or the cloud's choice)."""
    return f.spec.chosen or (f.default is not attrs.NOTHING and f.default is not None)


def describe(f: FieldSchema) -> str:
    """The attribute's description: the model's text plus its facts (default, replacement, limits)."""
    spec, parts = f.spec, [f.spec.description]
    if spec.ref:
        parts.append(f"The id of an `{type_name(spec.ref)}`.")
    if spec.choices:
        parts.append("One of: " + ", ".join(f"`{c}`" for c in spec.choices) + ".")
    if spec.minimum is not None or spec.maximum is not None:
        low = "" if spec.minimum is None else f"at least {spec.minimum}"
        high = "" if spec.maximum is None else f"at most {spec.maximum}"
        parts.append(("Range: " + ", ".join(p for p in (low, high) if p)) + ".")
    default = spec.default_doc or (
        f.default
        if f.default is not attrs.NOTHING and f.default not in (None, [], "") and not attrs.has(type(f.default))
        else None
    )
    if default is not None:
        parts.append(f"Default: `{json.dumps(default) if not isinstance(default, str) else default}`.")
    if not f.computed:
        parts.append(
            {
                "replace": "Changing it replaces the object.",
                "offline": "Changed with a restart.",
                "migrate": "Changing it moves the object to that host in place (live migration).",
                "live": "Changed in place.",
            }[spec.update]
        )
    return " ".join(parts)


def _flags(f: FieldSchema, mode: str) -> dict[str, bool]:
    if mode == "data":
        if f.name in ("name", "id"):
            return {"optional": True, "computed": True}
        return {"computed": True}
    if f.computed:
        return {"computed": True}
    if f.required:
        return {"required": True}
    return {"optional": True, "computed": has_default(f)}


def attribute(f: FieldSchema, mode: str = "resource") -> pb.Schema.Attribute:
    """The Terraform attribute of one field; ``mode`` is ``resource``, ``data`` or ``nested``."""
    attr = pb.Schema.Attribute(
        name=f.name,
        description=describe(f),
        description_kind=pb.MARKDOWN,
        sensitive=f.spec.secret,
        **_flags(f, "resource" if mode == "nested" else mode),
    )
    if f.nested is not None:
        nesting = pb.Schema.Object.LIST if f.type.name == "list" else pb.Schema.Object.SINGLE
        inner = "data" if mode == "data" else "nested"
        attr.nested_type.CopyFrom(
            pb.Schema.Object(nesting=nesting, attributes=[attribute(n, inner) for n in f.nested.fields])
        )
    else:
        attr.type = json.dumps(cty_type(f.type)).encode()
    return attr


def _block(schema: ObjectSchema, mode: str, description: str) -> pb.Schema:
    return pb.Schema(
        version=SCHEMA_VERSION,
        block=pb.Schema.Block(
            version=SCHEMA_VERSION,
            description=description,
            description_kind=pb.MARKDOWN,
            attributes=[attribute(f, mode) for f in schema.fields],
        ),
    )


def resource_schema(kind: str) -> pb.Schema:
    """The schema of resource type ``iaas_<kind>``, with its ``timeouts`` block."""
    cls = KINDS[kind]
    out = _block(object_schema(cls), "resource", cls.description_doc)
    out.block.block_types.append(timeouts.block())
    return out


def data_source_schema(kind: str) -> pb.Schema:
    """The schema of data source ``iaas_<kind>``: set ``name`` or ``id``; everything else is read."""
    cls = KINDS[kind]
    text = f"Looks up an existing {kind.replace('_', ' ')} by name or id. {cls.description_doc}"
    return _block(object_schema(cls), "data", text)


def provider_schema() -> pb.Schema:
    """The schema of the provider's own configuration block."""
    attrs_ = [
        pb.Schema.Attribute(name=name, type=b'"string"', optional=True, description=text, description_kind=pb.MARKDOWN)
        for name, text in PROVIDER_ATTRIBUTES
    ]
    return pb.Schema(
        version=0,
        block=pb.Schema.Block(
            description="Manages iaas resources on the embedded cloud or on the libvirt hosts of a cloud config.",
            description_kind=pb.MARKDOWN,
            attributes=attrs_,
        ),
    )


@functools.cache
def get_provider_schema() -> pb.GetProviderSchema.Response:
    """The whole GetProviderSchema answer (built once per process)."""
    return pb.GetProviderSchema.Response(
        provider=provider_schema(),
        resource_schemas={type_name(k): resource_schema(k) for k in KINDS},
        data_source_schemas={type_name(k): data_source_schema(k) for k in KINDS},
    )
