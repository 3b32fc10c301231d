"""Options of the iaas.cloud modules, described once and rendered twice.

An option is a mapping with ``type``, ``description`` (a list of lines) and,
where they apply, ``required``, ``default``, ``choices``, ``elements``,
``no_log`` and ``options`` (suboptions).  :func:`to_spec` turns it into an
``argument_spec`` entry and :func:`to_doc` into a DOCUMENTATION entry, so the
two never disagree.  Options of a resource kind come from the iaas model.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from iaas.api import KINDS, FieldSchema, ObjectSchema, TypeSpec, object_schema

Option = dict[str, Any]

_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "map": "dict", "object": "dict"}
_RETURN_TYPES = {**_TYPES, "list": "list"}
# Names Ansible takes for secrets unless told otherwise.
_SECRET_LOOKING = re.compile(r"pass(?!ive)|secret|token|key", re.I)
_ARTICLE = {"image": "an", "instance": "an"}

#: Options shared by modules, by group; the doc fragment iaas.cloud.common documents each group.
GROUPS: dict[str, dict[str, Option]] = {
    "cloud": {
        "cloud": {
            "type": "raw",
            "description": [
                "The cloud to work on: the path of a cloud config file (YAML or JSON), or the config as a "
                "mapping (C(hosts), C(home), C(scheduler)).",
                "A mapping with only C(home) is the embedded cloud (one simulated host) kept in that folder.",
                "When omitted: the file named by the E(IAAS_CLOUD) environment variable, else the embedded "
                "cloud under E(IAAS_HOME) (default C(.iaas) in the current directory).",
                "Set it once for every iaas module with C(module_defaults) and the action group "
                "C(group/iaas.cloud.iaas).",
            ],
        },
    },
    "state": {
        "state": {
            "type": "str",
            "choices": ["present", "absent"],
            "default": "present",
            "description": [
                "V(present) creates the object or brings it in line with the options; V(absent) deletes it."
            ],
        },
    },
    "wait": {
        "wait": {
            "type": "bool",
            "default": True,
            "description": [
                "Wait until the object has reached the state asked for (an instance runs or is "
                "stopped; a deleted object is gone)."
            ],
        },
        "timeout": {
            "type": "int",
            "default": 180,
            "description": [
                "How long to wait, in seconds, when O(wait=true); it also bounds an instance's "
                "C(wait_for_address) and how long a guest is given to shut down "
                "before a restart."
            ],
        },
    },
    "stack": {
        "stack": {
            "type": "str",
            "default": "ansible",
            "description": [
                "The stack label the object carries. An object is identified by its kind and O(name) within "
                "this stack, so the same name may be used by different stacks.",
                "References to other objects (an image, a network, ...) are looked up in this stack first.",
            ],
        },
    },
    "info": {
        "stack": {
            "type": "str",
            "description": ["Only objects of this stack. When omitted, objects of every stack."],
        },
    },
}

#: Which groups each module family takes.
RESOURCE_GROUPS = ("cloud", "state", "wait", "stack")
INFO_GROUPS = ("cloud", "info")
ACTION_GROUPS = ("cloud", "wait", "stack")
STACK_GROUPS = ("cloud", "state", "wait")


# ---------------------------------------------------------------- rendering


def to_spec(opt: Option) -> dict[str, Any]:
    """The ``argument_spec`` entry of an option."""
    spec: dict[str, Any] = {"type": opt["type"]}
    for key in ("required", "default", "choices", "elements", "no_log", "aliases"):
        if key in opt:
            spec[key] = opt[key]
    if "options" in opt:
        spec["options"] = {k: to_spec(v) for k, v in opt["options"].items()}
    return spec


def to_doc(opt: Option) -> dict[str, Any]:
    """The DOCUMENTATION entry of an option."""
    doc: dict[str, Any] = {"description": list(opt["description"]), "type": opt["type"]}
    for key in ("required", "default", "choices", "elements", "aliases"):
        if key in opt:
            doc[key] = opt[key]
    if "options" in opt:
        doc["suboptions"] = {k: to_doc(v) for k, v in opt["options"].items()}
    return doc


# ---------------------------------------------------------------- from the model


def _a(kind: str) -> str:
    return f"{_ARTICLE.get(kind, 'a')} {kind.replace('_', ' ')}"


def _describe(f: FieldSchema, top: bool) -> list[str]:
    spec = f.spec
    lines = [spec.description]
    if top and f.required and f.name != "name":
        lines.append("Required when O(state=present).")
    if spec.ref is not None:
        lines.append(f"The name or id of {_a(spec.ref)}; a name is looked up in O(stack) first.")
    if spec.minimum is not None and spec.maximum is not None:
        lines.append(f"From V({spec.minimum}) to V({spec.maximum}).")
    elif spec.minimum is not None:
        lines.append(f"At least V({spec.minimum}).")
    if spec.default_doc:
        lines.append(f"Default: {spec.default_doc}.")
    if spec.secret:
        lines.append("The value is kept out of the module's output and logs.")
    if top and f.name != "name":
        lines.append(
            {
                "replace": "Changing it replaces the object (it is deleted and created anew).",
                "offline": "Changing it stops and starts the object.",
                "migrate": "Changing it moves the object to that host in place (live migration).",
                "live": "Changing it is done in place.",
            }[spec.update]
        )
    return lines


def _plain_default(value: Any) -> Any:
    if value is attrs.NOTHING or value is None or attrs.has(type(value)):
        return None
    if isinstance(value, list | dict) and not value:
        return None
    return value


def _typed(opt: Option, ts: TypeSpec, nested: ObjectSchema | None) -> None:
    if ts.name == "list":
        assert ts.item is not None
        opt["type"] = "list"
        opt["elements"] = _TYPES[ts.item.name]
        if nested is not None:
            opt["options"] = object_options(nested, top=False)
    else:
        opt["type"] = _TYPES[ts.name]
        if ts.name == "object" and nested is not None:
            opt["options"] = object_options(nested, top=False)


def field_option(f: FieldSchema, top: bool) -> Option:
    """The option of one input field of the model."""
    opt: Option = {"description": _describe(f, top)}
    _typed(opt, f.type, f.nested)
    if f.name == "name" or (f.required and not top):
        opt["required"] = True
    default = _plain_default(f.default)
    if default is not None:
        opt["default"] = default
    if f.spec.choices is not None:
        opt["choices"] = list(f.spec.choices)
    if f.spec.secret:
        opt["no_log"] = True
    elif _SECRET_LOOKING.search(f.name):
        opt["no_log"] = False
    return {
        k: opt[k]
        for k in ("type", "elements", "required", "default", "choices", "no_log", "description", "options")
        if k in opt
    }


def object_options(schema: ObjectSchema, top: bool = True) -> dict[str, Option]:
    """Options for the input fields of a kind (``top``) or of a nested type."""
    return {f.name: field_option(f, top) for f in schema.inputs}


def kind_options(kind: str) -> dict[str, Option]:
    """The options of the module of ``kind``, in the model's order."""
    return object_options(object_schema(KINDS[kind]))


def required_when_present(kind: str) -> list[str]:
    """Fields that must be set when the object should exist (``name`` is always required)."""
    return [f.name for f in object_schema(KINDS[kind]).inputs if f.required and f.name != "name"]


def return_field(f: FieldSchema) -> dict[str, Any]:
    """The RETURN entry of one field of a kind."""
    entry: dict[str, Any] = {"description": f.spec.description, "returned": "always"}
    ts = f.type
    if ts.name == "list":
        assert ts.item is not None
        entry["type"] = "list"
        entry["elements"] = _RETURN_TYPES[ts.item.name]
    else:
        entry["type"] = _RETURN_TYPES[ts.name]
    if f.nested is not None:
        entry["contains"] = {g.name: return_field(g) for g in f.nested.fields}
    if f.spec.secret:
        entry["description"] += " Hidden from the output."
    return entry


def kind_return(kind: str) -> dict[str, Any]:
    """The RETURN entries of every field (inputs and what the cloud reports) of a kind."""
    return {f.name: return_field(f) for f in object_schema(KINDS[kind]).fields}
