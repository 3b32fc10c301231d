"""Values held by one object at a time, and the apply order they impose.

A field declared ``exclusive`` in the model (a fixed IP, an attached volume)
can be held by one object only.  When a plan deletes one resource and creates
another that takes such a value over (a renamed instance keeping its address
and its volume), the create must wait for the delete, as a replacement does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaas.model import KINDS, contains_unknown, object_schema
from iaas.model.schema import ObjectSchema

Claim = tuple[str, str, Any]  # (kind, field path, value)


def _walk(schema: ObjectSchema, values: dict[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    for f in schema.inputs:
        value = values.get(f.name)
        items = value if isinstance(value, list) else [value]
        if f.nested is not None:
            for item in items:
                if isinstance(item, dict):
                    yield from _walk(f.nested, item, f"{path}{f.name}.")
        elif f.spec.exclusive:
            for item in items:
                if item is not None and not contains_unknown(item) and isinstance(item, str | int):
                    yield f"{path}{f.name}", item


def claims(kind: str, values: dict[str, Any] | None) -> set[Claim]:
    """The exclusive values that a resource of ``kind`` with these inputs holds."""
    if not values or kind not in KINDS:
        return set()
    return {(kind, path, value) for path, value in _walk(object_schema(KINDS[kind]), values, "")}
