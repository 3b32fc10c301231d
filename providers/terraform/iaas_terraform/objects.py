"""Terraform objects to iaas inputs and outputs, and back.

A Terraform object holds every attribute of its type.  iaas keeps a resource as *inputs* (the
fields a user may set, defaults filled in) and *outputs* (what the cloud reports).  A field the
cloud chooses when it is left unset (an instance's ``host``) is one attribute in Terraform but
an output in iaas; :func:`inputs_of` is told which such fields were left unset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iaas import api
from iaas.api import KINDS, UNKNOWN, FieldSchema, ObjectSchema, TypeSpec, object_schema


def schema_of(kind: str) -> ObjectSchema:
    """The iaas schema of a kind."""
    return object_schema(KINDS[kind])


def _number(value: Any, integer: bool) -> Any:
    if isinstance(value, str):
        try:
            value = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    if integer and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def from_tf(value: Any, ts: TypeSpec, nested: ObjectSchema | None) -> Any:
    """One Terraform value as the iaas value of a field of type ``ts``."""
    if value is None or value is UNKNOWN:
        return value
    if ts.name in ("integer", "number"):
        return _number(value, ts.name == "integer")
    if ts.name == "list" and isinstance(value, list):
        assert ts.item is not None
        return [from_tf(v, ts.item, nested) for v in value]
    if ts.name == "map" and isinstance(value, dict):
        assert ts.item is not None
        return {k: from_tf(v, ts.item, nested) for k, v in value.items()}
    if ts.name == "object" and nested is not None and isinstance(value, dict):
        return {f.name: from_tf(value.get(f.name), f.type, f.nested) for f in nested.fields if f.input}
    return value


def to_tf(value: Any, ts: TypeSpec, nested: ObjectSchema | None) -> Any:
    """One iaas value as a Terraform value; nested objects get every attribute of their type."""
    if value is None or value is UNKNOWN:
        return value
    if ts.name == "list" and isinstance(value, list | tuple):
        assert ts.item is not None
        return [to_tf(v, ts.item, nested) for v in value]
    if ts.name == "map" and isinstance(value, dict):
        assert ts.item is not None
        return {k: to_tf(v, ts.item, nested) for k, v in value.items()}
    if ts.name == "object" and nested is not None and isinstance(value, dict):
        return {f.name: to_tf(value.get(f.name), f.type, f.nested) for f in nested.fields}
    if ts.name == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _value(obj: dict[str, Any], f: FieldSchema) -> Any:
    return from_tf(obj.get(f.name), f.type, f.nested)


def inputs_of(kind: str, obj: dict[str, Any], unset: Iterable[str] = ()) -> dict[str, Any]:
    """The iaas inputs held by a Terraform object; the ``unset`` fields (left to the cloud) are None."""
    skip = set(unset)
    return {f.name: None if f.name in skip else _value(obj, f) for f in schema_of(kind).inputs}


def outputs_of(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The iaas outputs held by a Terraform object (computed fields and the cloud's choices)."""
    return {f.name: _value(obj, f) for f in schema_of(kind).outputs if obj.get(f.name) is not None}


def unset_fields(kind: str, inputs: dict[str, Any]) -> list[str]:
    """The fields the cloud chooses because complete inputs leave them None."""
    return api.unset_chosen(kind, inputs)


def tf_object(kind: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    """The Terraform object of an iaas resource: inputs, the cloud's choices for unset fields, outputs."""
    out: dict[str, Any] = {}
    for f in schema_of(kind).fields:
        value = outputs.get(f.name) if f.computed else inputs.get(f.name)
        if value is None and f.spec.chosen:
            value = outputs.get(f.name)
        out[f.name] = to_tf(value, f.type, f.nested)
    return out


def complete_object(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with exactly the attributes of the type: missing ones null, unknown ones dropped."""
    return {f.name: to_tf(_value(obj, f), f.type, f.nested) for f in schema_of(kind).fields}
