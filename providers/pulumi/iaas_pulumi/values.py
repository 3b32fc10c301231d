"""Property values on the wire and plain iaas values, both ways.

Pulumi sends numbers as floats, unknown values as a marker string, secrets
wrapped, and names properties in camelCase.  iaas works on snake_case fields
with ints where the model says integer and :data:`iaas.UNKNOWN` for values
known only after apply.  Nothing here decides what is valid: a value of the
wrong type is handed on as it came, for the core to name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from pulumi.provider.experimental.property_value import Computed, PropertyValue, ResourceReference
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_WIRE

from iaas.api import KINDS, UNKNOWN, ObjectSchema, TypeSpec, object_schema
from iaas_pulumi.names import camel, snake, wire_field


@attrs.define
class Inbound:
    """Values received from the engine: model fields, which of them were secret, and unknown properties."""

    values: dict[str, Any] = attrs.field(factory=dict)
    secrets: set[str] = attrs.field(factory=set)
    unknown: list[str] = attrs.field(factory=list)  # property paths (Pulumi names) the schema does not have


def kind_schema(kind: str) -> ObjectSchema:
    """The model schema of a kind."""
    return object_schema(KINDS[kind])


def _scalar(value: Any, ts: TypeSpec | None) -> Any:
    if isinstance(value, float) and ts is not None and ts.name == "integer" and value.is_integer():
        return int(value)
    return value


def _plain(pv: PropertyValue, ts: TypeSpec | None, nested: ObjectSchema | None, path: str, into: Inbound) -> Any:
    value = pv.value
    if isinstance(value, Computed) or value == UNKNOWN_WIRE:
        return UNKNOWN
    if isinstance(value, ResourceReference):
        return UNKNOWN if value.resource_id is None else _plain(value.resource_id, ts, nested, path, into)
    if isinstance(value, Mapping):
        if ts is not None and ts.name == "object" and nested is not None:
            return _object(nested, value, path + ".", into)
        item = ts.item if ts is not None and ts.name == "map" else None
        return {k: _plain(v, item, None, f"{path}.{k}", into) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        item = ts.item if ts is not None and ts.name == "list" else None
        return [_plain(v, item, nested, f"{path}[{i}]", into) for i, v in enumerate(value)]
    return _scalar(value, ts)


def _object(schema: ObjectSchema, props: Mapping[str, PropertyValue], prefix: str, into: Inbound) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, pv in props.items():
        f = wire_field(schema, key)
        if f is None:
            into.unknown.append(prefix + key)
            continue
        out[f.name] = _plain(pv, f.type, f.nested, prefix + key, into)
    return out


def from_wire(kind: str, props: Mapping[str, PropertyValue]) -> Inbound:
    """Model inputs (or state) of a kind from the engine's property map."""
    into = Inbound()
    into.values = _object(kind_schema(kind), props, "", into)
    into.secrets = {
        f.name
        for key, pv in props.items()
        if pv.contains_secret() and (f := wire_field(kind_schema(kind), key)) is not None
    }
    return into


def extras_from_wire(kind: str, props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Values the cloud reported beyond the model's fields, kept in the state under their own names."""
    schema = kind_schema(kind)
    into = Inbound()
    return {snake(k): _plain(pv, None, None, k, into) for k, pv in props.items() if wire_field(schema, k) is None}


def _wire(value: Any, nested: ObjectSchema | None) -> PropertyValue:
    if value is UNKNOWN:
        return PropertyValue(UNKNOWN_WIRE)
    if value is None or isinstance(value, bool | str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, list | tuple):
        return PropertyValue([_wire(v, nested) for v in value])
    if isinstance(value, dict):
        if nested is None:
            return PropertyValue({str(k): _wire(v, None) for k, v in value.items()})
        return PropertyValue(
            {
                camel(k): _wire(v, f.nested if (f := nested.field(k)) else None)
                for k, v in value.items()
                if v is not None
            }
        )
    return PropertyValue(str(value))


def to_wire(
    kind: str, values: Mapping[str, Any], secrets: set[str] | frozenset[str] = frozenset()
) -> dict[str, PropertyValue]:
    """The engine's property map for model values; unset (None) values and the id are left out."""
    schema = kind_schema(kind)
    out: dict[str, PropertyValue] = {}
    for key, value in values.items():
        if value is None or key == "id":
            continue
        f = schema.field(key)
        pv = _wire(value, f.nested if f is not None else None)
        if (f is not None and f.spec.secret) or key in secrets:
            pv = pv.with_secret(True)
        out[camel(key)] = pv
    return out


def input_values(kind: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """The input fields of a resource's state (its outputs hold the inputs too)."""
    return {f.name: state[f.name] for f in kind_schema(kind).inputs if f.name in state}


def output_values(kind: str, state: Mapping[str, Any], extras: Mapping[str, Any], id: str) -> dict[str, Any]:
    """What the cloud reported for an object: computed and chosen fields, extra values, and its id."""
    out = {f.name: state[f.name] for f in kind_schema(kind).outputs if f.name in state}
    return {**out, **extras, "id": id}
