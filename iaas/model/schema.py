"""The schema of every kind, derived from the attrs declarations.

This is the single description that the faces of iaas translate: the Pulumi
package schema, the Terraform schema, Ansible argument specs, the stack-file
validation and the reference documentation.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

import attrs

from iaas.model.base import FieldSpec, fields_of


@attrs.frozen
class TypeSpec:
    """A field's type: ``string``, ``integer``, ``number``, ``boolean``, ``list``, ``map`` or ``object``."""

    name: str
    item: TypeSpec | None = None  # list and map items
    object: type | None = None  # nested attrs class for ``object``

    def __str__(self) -> str:
        if self.name in ("list", "map"):
            return f"{self.name}({self.item})"
        if self.name == "object" and self.object is not None:
            return self.object.__name__
        return self.name


@attrs.frozen
class FieldSchema:
    """One field of a kind or nested type: its name, type and schema facts."""

    name: str
    type: TypeSpec
    spec: FieldSpec
    default: Any  # attrs.NOTHING when required or a factory default
    nested: ObjectSchema | None = None

    @property
    def required(self) -> bool:
        """True when the user must set the field."""
        return self.spec.required

    @property
    def computed(self) -> bool:
        """True when only the cloud sets the field."""
        return self.spec.computed

    @property
    def input(self) -> bool:
        """True when the user may set the field."""
        return not self.spec.computed

    @property
    def output(self) -> bool:
        """True when the cloud reports the field (computed, or chosen when unset)."""
        return self.spec.computed or self.spec.chosen


@attrs.frozen
class ObjectSchema:
    """The fields of a kind or of a nested type."""

    cls: type
    fields: tuple[FieldSchema, ...]

    def field(self, name: str) -> FieldSchema | None:
        """Return the named field, or None."""
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, FieldSchema]:
        return {f.name: f for f in reversed(self.fields)}  # the first of a name wins, as a scan would find it

    @functools.cached_property
    def inputs(self) -> tuple[FieldSchema, ...]:
        """The fields a user may set."""
        return tuple(f for f in self.fields if f.input)

    @functools.cached_property
    def outputs(self) -> tuple[FieldSchema, ...]:
        """The fields the cloud reports."""
        return tuple(f for f in self.fields if f.output)


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _type_spec(tp: Any) -> TypeSpec:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union type {tp!r}")
        return _type_spec(args[0])
    if origin is list:
        return TypeSpec("list", item=_type_spec(typing.get_args(tp)[0]))
    if origin is dict:
        return TypeSpec("map", item=_type_spec(typing.get_args(tp)[1]))
    if tp in _SCALARS:
        return TypeSpec(_SCALARS[tp])
    if attrs.has(tp):
        return TypeSpec("object", object=tp)
    raise TypeError(f"unsupported field type {tp!r}")


_SCHEMAS: dict[type, ObjectSchema] = {}


def object_schema(cls: type) -> ObjectSchema:
    """Derive the schema of a kind or nested attrs class (cached per class)."""
    # A dict keyed by the class, not functools.cache: type checkers see a kind (an attrs class with eq) as unhashable.
    schema = _SCHEMAS.get(cls)
    if schema is None:
        schema = _SCHEMAS[cls] = _derive_schema(cls)
    return schema


def _derive_schema(cls: type) -> ObjectSchema:
    hints = typing.get_type_hints(cls)
    out = []
    for a, spec in fields_of(cls):
        if a.name == "name" and (rule := getattr(cls, "name_check", None)) is not None:
            spec = attrs.evolve(spec, check=rule)  # the name field is declared once, its rule per kind
        ts = _type_spec(hints[a.name])
        default = a.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()  # type: ignore[union-attr]
        if spec.required:
            default = attrs.NOTHING
        nested = None
        inner = ts.item if ts.name == "list" else ts
        if inner is not None and inner.name == "object" and inner.object is not None:
            nested = object_schema(inner.object)
        out.append(FieldSchema(a.name, ts, spec, default, nested))
    return ObjectSchema(cls, tuple(out))
