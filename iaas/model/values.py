"""Inputs as plain values: conversion from objects, validation, defaults and diff.

The engine and every face work on *inputs*: a dict of a kind's input fields
whose values are JSON-like (str, int, bool, float, list, dict, None), a
:class:`Reference` to another resource, or :data:`UNKNOWN`.  Two pure
functions carry the semantics all faces share: :func:`validate` and
:func:`diff`.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from iaas.errors import FieldError
from iaas.model.base import UNKNOWN, FieldSpec, Reference, Resource, UpdateClass, contains_unknown
from iaas.model.schema import FieldSchema, ObjectSchema, TypeSpec, object_schema


def _soft(ref: Reference) -> Reference:
    """A reference in a soft field stands for its object's name (known at plan, even for an object not yet made)."""
    return Reference(ref.kind, ref.name, "name") if ref.attribute == "id" else ref


def _plain(value: Any, ts: TypeSpec, spec: FieldSpec | None) -> Any:
    ref = spec.ref if spec is not None else None
    if isinstance(value, Resource):
        return _soft(value.ref()) if spec is not None and spec.soft else value.ref()
    if isinstance(value, str) and (ref is not None or value.startswith("${")):
        parsed = Reference.parse(value)
        if parsed is None:
            return value
        return _soft(parsed) if spec is not None and spec.soft else parsed
    if isinstance(value, Reference) and spec is not None and spec.soft:
        return _soft(value)
    if ts.name == "list" and isinstance(value, list | tuple):
        assert ts.item is not None
        return [_plain(v, ts.item, spec) for v in value]
    if ts.name == "map" and isinstance(value, dict):
        assert ts.item is not None
        return {k: _plain(v, ts.item, spec) for k, v in value.items()}
    if ts.name == "object" and ts.object is not None:
        if attrs.has(type(value)):
            return _object_plain(value, object_schema(ts.object))
        if isinstance(value, dict):
            schema = object_schema(ts.object)
            return {k: _plain(v, f.type, f.spec) if (f := schema.field(k)) else v for k, v in value.items()}
    return value


def _object_plain(obj: Any, schema: ObjectSchema) -> dict[str, Any]:
    return {
        f.name: _plain(getattr(obj, f.name), f.type, f.spec)
        for f in schema.fields
        if f.input and getattr(obj, f.name) is not None
    }


def inputs_of(resource: Resource) -> dict[str, Any]:
    """The inputs of a resource object: set input fields as plain values, references as :class:`Reference`."""
    return _object_plain(resource, object_schema(type(resource)))


def from_raw(cls: type[Resource], raw: dict[str, Any]) -> dict[str, Any]:
    """Inputs from a stack file mapping: ``${...}`` strings become references; nothing else changes."""
    schema = object_schema(cls)
    return {k: _plain(v, f.type, f.spec) if (f := schema.field(k)) else v for k, v in raw.items()}


# ---------------------------------------------------------------- validation

_KIND_NAMES = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"))


def kind_of(value: Any) -> str:
    """What a user's value is, in the words of the docs ("a mapping", "a list"), never a class name."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    for tp, words in _KIND_NAMES:
        if isinstance(value, tp):
            return words
    return "a " + type(value).__name__.lstrip("_")


def _short_kind(value: Any) -> str:
    if type(value) in (str, int, float, bool):
        return type(value).__name__
    return kind_of(value).split(" ", 1)[-1]


_PY_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}


def _type_error(ts: TypeSpec, value: Any) -> str | None:
    if ts.name in _PY_TYPES:
        ok = isinstance(value, _PY_TYPES[ts.name]) and not (ts.name != "boolean" and isinstance(value, bool))
        return None if ok else f"expected {ts.name}, got {_short_kind(value)} {value!r}"
    if ts.name == "list" and not isinstance(value, list | tuple):
        return f"expected a list, got {kind_of(value)}"
    if ts.name in ("map", "object") and not isinstance(value, dict):
        return f"expected a mapping, got {kind_of(value)}"
    return None


def _check_value(f: FieldSchema, value: Any, path: str, errors: list[tuple[str, str]]) -> None:
    if value is None or value is UNKNOWN:
        return
    if isinstance(value, Reference):
        if f.type.name not in ("string", "integer", "number", "boolean"):
            errors.append((path, f"a reference ({value}) cannot stand for a {f.type}"))
        elif f.spec.ref is not None and value.kind != f.spec.ref:
            article = "an" if f.spec.ref[0] in "aeiou" else "a"
            errors.append((path, f"must refer to {article} {f.spec.ref}, not to {value.address}"))
        return
    if isinstance(value, str) and value.lstrip().startswith("${") and Reference.parse(value) is None:
        errors.append((path, f"malformed reference {value!r}: write ${{kind.name}} or ${{kind.name.attribute}}"))
        return
    if msg := _type_error(f.type, value):
        errors.append((path, msg))
        return
    if f.type.name == "list":
        item = FieldSchema(f.name, f.type.item, f.spec, attrs.NOTHING, f.nested)  # type: ignore[arg-type]
        for i, v in enumerate(value):
            if v is None:
                errors.append((f"{path}[{i}]", "must not be null"))
            _check_value(item, v, f"{path}[{i}]", errors)
        return
    if f.type.name == "object" and f.nested is not None:
        _check_object(f.nested, value, path + ".", errors)
        return
    if f.type.name == "map" and f.type.item is not None:
        plain = attrs.evolve(f.spec, check=None)  # the field's check is for the whole map
        item = FieldSchema(f.name, f.type.item, plain, attrs.NOTHING, f.nested)
        for k, v in value.items():
            if v is None:
                errors.append((f"{path}.{k}", "must not be null"))
            _check_value(item, v, f"{path}.{k}", errors)
    spec = f.spec
    if spec.choices is not None and value not in spec.choices:
        errors.append((path, f"must be one of {', '.join(map(str, spec.choices))}; got {value!r}"))
    if spec.minimum is not None and value < spec.minimum:
        errors.append((path, f"must be at least {spec.minimum}; got {value}"))
    if spec.maximum is not None and value > spec.maximum:
        errors.append((path, f"must be at most {spec.maximum}; got {value}"))
    if spec.check is not None and (msg := spec.check(value)):
        errors.append((path, msg))


def _check_object(schema: ObjectSchema, values: dict[str, Any], prefix: str, errors: list[tuple[str, str]]) -> None:
    for key in values:
        f = schema.field(key)
        if f is None:
            known = ", ".join(x.name for x in schema.inputs)
            errors.append((prefix + str(key), f"unknown field (known fields: {known})"))
        elif f.computed and values[key] is not None:
            errors.append((prefix + key, "is computed by the cloud and cannot be set"))
    for f in schema.inputs:
        value = values.get(f.name)
        if value is None and f.required:
            errors.append((prefix + f.name, "is required"))
        _check_value(f, value, prefix + f.name, errors)


def validate(
    cls: type[Resource], values: dict[str, Any], address: str | None = None, source: str | None = None
) -> list[FieldError]:
    """Check one resource's inputs: fields, types, allowed values and the kind's own rules.

    Returns every problem found, each naming the resource address and the field;
    an empty list means the inputs are valid.  References and unknown values are
    accepted where the field allows them; cross-resource rules are the engine's.
    """
    address = address or f"{cls.kind}.{values.get('name', '?')}"
    errors: list[tuple[str, str]] = []
    _check_object(object_schema(cls), values, "", errors)
    if not errors:
        errors += cls.check(values)
    return [FieldError(address, path, msg, source) for path, msg in errors]


def check_fields(
    cls: type[Resource], values: dict[str, Any], allowed: tuple[str, ...], prefix: str = ""
) -> list[tuple[str, str]]:
    """Check some of a kind's fields on their own (type, choices, bounds, the field's check).

    A key outside ``allowed`` is an unknown field; each problem is a
    (``prefix`` + field, message) pair.
    """
    schema = object_schema(cls)
    errors: list[tuple[str, str]] = []
    for key, value in values.items():
        f = schema.field(key) if key in allowed else None
        if f is None:
            errors.append((f"{prefix}{key}", f"unknown field (known fields: {', '.join(allowed)})"))
        elif value is None:
            errors.append((f"{prefix}{key}", "must not be null"))
        else:
            _check_value(f, value, prefix + key, errors)
    return errors


def _fill(schema: ObjectSchema, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in schema.inputs:
        value = values.get(f.name)
        if value is None and f.default is not attrs.NOTHING:
            value = copy.deepcopy(f.default)  # the schema's default is shared; hand out a copy
            if attrs.has(type(value)):
                value = _object_plain(value, object_schema(type(value)))
        if f.nested is not None and isinstance(value, dict):
            value = _fill(f.nested, value)
        elif f.nested is not None and isinstance(value, list):
            value = [_fill(f.nested, v) if isinstance(v, dict) else v for v in value]
        out[f.name] = value
    return out


def with_later_defaults(cls: type[Resource], recorded: dict[str, Any]) -> dict[str, Any]:
    """Recorded inputs plus the default of every field they lack (a field added after they were recorded).

    A field that a newer iaas adds with a default is then no change for the
    objects an older one recorded.
    """
    out = dict(recorded)
    for f in object_schema(cls).inputs:
        if f.name not in out and f.default is not attrs.NOTHING and f.default is not None:
            value = copy.deepcopy(f.default)
            out[f.name] = _object_plain(value, object_schema(type(value))) if attrs.has(type(value)) else value
    return out


def complete(cls: type[Resource], values: dict[str, Any]) -> dict[str, Any]:
    """Valid inputs with every default filled in and the kind's derived values set."""
    return cls.normalize(_fill(object_schema(cls), values))


# ---------------------------------------------------------------- diff


@attrs.frozen
class Change:
    """One changed input field and how the change is applied."""

    field: str
    old: Any
    new: Any
    update: UpdateClass


class ForbiddenChange(ValueError):
    """A change the kind refuses (shrinking a disk); the message says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def diff(cls: type[Resource], old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The input fields that differ between two complete inputs, each with its update class.

    A new value that is :data:`UNKNOWN` (or contains it) counts as a change.
    Raises :class:`ForbiddenChange` for a change the kind does not allow.
    """
    changes: list[Change] = []
    for f in object_schema(cls).inputs:
        a, b = old.get(f.name), new.get(f.name)
        if a == b and not contains_unknown(b):
            continue
        try:
            update = cls.update_class(f.name, old, new)
        except ValueError as exc:
            raise ForbiddenChange(f.name, str(exc)) from exc
        changes.append(Change(f.name, a, b, update or f.spec.update))
    return changes


def action_of(changes: list[Change]) -> str:
    """``noop``, ``update``, ``migrate`` or ``replace`` for a list of changes.

    A replacement wins over a move, and a move over an update in place (the
    other changed fields are applied on the new host, after the move).
    """
    if not changes:
        return "noop"
    updates = {c.update for c in changes}
    if "replace" in updates:
        return "replace"
    return "migrate" if "migrate" in updates else "update"
