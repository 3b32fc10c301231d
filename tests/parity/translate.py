"""A parity case in each face's language, derived from the model's declaration of each kind (never a per-kind table).

A stack item's inputs hold ``${kind.name}`` for a resource of the same stack and a plain name for an object of the
world; :func:`map_references` walks a kind's schema and lets each face say how it writes a reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from iaas.model import KINDS, Reference
from iaas.model.schema import ObjectSchema, object_schema
from tests.parity.cases import Case, Item
from tests.pulumi.test_check import wire

STACK = "parity"

#: How a face writes a reference to resource (kind, name) of the same stack.
Refer = Callable[[str, str], Any]


def map_references(schema: ObjectSchema, values: dict[str, Any], refer: Refer) -> dict[str, Any]:
    """``values`` with each ``${kind.name}`` in a reference field written by ``refer``; other values kept."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        f = schema.field(key)
        if f is None:  # an unknown field stays, for the face to refuse
            out[key] = value
        elif f.nested is not None and isinstance(value, list):
            out[key] = [map_references(f.nested, v, refer) if isinstance(v, dict) else v for v in value]
        elif f.nested is not None and isinstance(value, dict):
            out[key] = map_references(f.nested, value, refer)
        elif f.spec.ref is not None and isinstance(value, list):
            out[key] = [_refer(v, refer) for v in value]
        elif f.spec.ref is not None:
            out[key] = _refer(value, refer)
        else:
            out[key] = value
    return out


def _refer(value: Any, refer: Refer) -> Any:
    ref = Reference.parse(value) if isinstance(value, str) else None
    if ref is None:
        return value
    kind, name = ref.address.split(".", 1)
    return refer(kind, name)


def inputs_for(item: Item, refer: Refer) -> dict[str, Any]:
    """The inputs of one stack item with its same-stack references written by ``refer``."""
    kind, _, values = item
    return map_references(object_schema(KINDS[kind]), values, refer)


def address(item: Item) -> str:
    """The core's address of an item: ``kind.name``."""
    return f"{item[0]}.{item[1]}"


# ---------------------------------------------------------------------- the CLI: a stack file


def stack_file(items: tuple[Item, ...], case: Case) -> str:
    """A stack file (YAML; JSON is YAML) of the items."""
    resources: dict[str, dict[str, Any]] = {}
    for item in items:
        body = dict(item[2])
        body.pop("name", None)
        deps = case.depends_on.get(address(item))
        if deps:
            body["depends_on"] = list(deps)
        resources.setdefault(item[0], {})[item[1]] = body
    return json.dumps({"stack": STACK, "resources": resources}, indent=1)


# ---------------------------------------------------------------------- Terraform: JSON configuration syntax


def tf_label(case: Case, name: str) -> str:
    """The Terraform resource name of an item of a case (unique across the cases of one configuration)."""
    return f"{case.id}_{name}".replace("-", "_").replace(".", "_").replace("/", "_").replace(" ", "_")


def tf_address(case: Case, addr: str) -> str:
    """The Terraform address of the core address ``addr`` in a case."""
    kind, name = addr.split(".", 1)
    return f"iaas_{kind}.{tf_label(case, name)}"


def tf_resources(case: Case, items: tuple[Item, ...], provider: str | None = None) -> dict[str, dict[str, Any]]:
    """The ``resource`` block of a case: ``{type: {label: arguments}}``."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        body = inputs_for(item, lambda k, n: f"${{{tf_address(case, f'{k}.{n}')}.id}}")
        deps = case.depends_on.get(address(item))
        if deps:
            body["depends_on"] = [tf_address(case, d) for d in deps]
        if provider:
            body["provider"] = provider
        out.setdefault(f"iaas_{item[0]}", {})[tf_label(case, item[1])] = body
    return out


# ---------------------------------------------------------------------- Pulumi: the registrations of a program


def pulumi_inputs(item: Item, ids: dict[str, Any]) -> dict[str, Any]:
    """An item's inputs as a program sends them: camelCase keys, same-stack references as the ids created."""
    return wire(inputs_for(item, lambda k, n: ids[f"{k}.{n}"]))


# ---------------------------------------------------------------------- Ansible: one task per resource


def ansible_task(item: Item) -> dict[str, Any]:
    """The task of one item: its kind's module, named by the item's address; references by name."""
    return {"name": address(item), f"iaas.cloud.{item[0]}": inputs_for(item, lambda k, n: n)}
