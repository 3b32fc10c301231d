"""The stack-file reference, generated from the resource model.

Run ``python -m iaas.docgen [OUTDIR]`` (default ``docs/reference/``) to write
``stack-file.md``: every kind with its description, an example, its fields
(type, presence, default, how a change is applied, secret, reference target,
allowed values), its rules, the nested types, the lifecycle options and the
reference syntax.  Nothing in it is typed by hand; a field added to the model
appears here the next time the file is generated.
"""

from __future__ import annotations

import base64
import inspect
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from iaas import yamlfile
from iaas.model import FLAVORS, KINDS, Resource, checks, object_schema
from iaas.model.schema import FieldSchema, ObjectSchema, TypeSpec
from iaas.model.values import validate
from iaas.stack import Declared, Lifecycle

DEFAULT_OUTDIR = Path("docs/reference")
FILE_NAME = "stack-file.md"
EXAMPLE_NAME = "example"

_CHANGE = {
    "live": "in place (live)",
    "offline": "in place (restart)",
    "migrate": "moves to that host (live migration)",
    "replace": "replacement",
}


# ---------------------------------------------------------------- sample values


def _sample_public_key() -> str:
    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = string(b"ssh-ed25519") + string(bytes(range(32)))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} admin@example"


#: Candidate strings for checked fields; a field's sample is the first its check accepts.
_STRING_CANDIDATES = (
    "10.0.0.0/24",
    "192.0.2.10",
    "fd00:1::/64",
    "https://example.com/images/debian-12.qcow2",
    _sample_public_key(),
    "0" * 64,
    EXAMPLE_NAME,
)
_INT_CANDIDATES = (80, 8080, 10, 1024)


def _sample_scalar(f: FieldSchema, used: set[Any]) -> Any:
    spec = f.spec
    if spec.ref is not None:
        return "${" + f"{spec.ref}.{EXAMPLE_NAME}" + "}"
    if spec.choices:
        return spec.choices[0]
    if spec.local_path:
        return "images/debian-12.qcow2"  # relative to the stack file's folder
    if f.type.name == "boolean":
        return True
    if f.type.name in ("integer", "number"):
        fits = [
            n
            for n in _INT_CANDIDATES
            if (spec.minimum is None or n >= spec.minimum) and (spec.maximum is None or n <= spec.maximum)
        ]
        fresh = [n for n in fits if n not in used]  # two numbers of one example differ (ports, sizes)
        value = (fresh or fits or [spec.minimum or 0])[0]
        used.add(value)
        return value
    check: Callable[[Any], str | None] = spec.check or (lambda _: None)
    return next((s for s in _STRING_CANDIDATES if check(s) is None), EXAMPLE_NAME)


def _sample(f: FieldSchema, used: set[Any]) -> Any:
    if f.type.name == "list" and f.type.item is not None:
        return [_sample(attrs.evolve(f, type=f.type.item), used)]
    if f.type.name == "object" and f.nested is not None:
        return _required_sample(f.nested, used)
    return _sample_scalar(f, used)


def _required_sample(schema: ObjectSchema, used: set[Any]) -> dict[str, Any]:
    return {f.name: _sample(f, used) for f in schema.inputs if f.required and f.name != "name"}


def example_inputs(cls: type[Resource]) -> dict[str, Any]:
    """Sample inputs of a kind, as written in a stack file: its required fields, plus what its rules ask for.

    The resource's name is the key it is declared under, so it is left out.
    """
    schema = object_schema(cls)
    used: set[Any] = set()
    values = _required_sample(schema, used)
    for _ in range(len(schema.inputs)):
        wanted = [e.field for e in validate(cls, {"name": EXAMPLE_NAME, **values})]
        fields = [f for name in wanted if (f := schema.field(name)) is not None and name not in values]
        if not fields:
            break
        values.update({f.name: _sample(f, used) for f in fields})
    return values


# ---------------------------------------------------------------- cells


def _anchor(title: str) -> str:
    return title.lower().replace(" ", "-")


def _type_text(ts: TypeSpec) -> str:
    if ts.name in ("list", "map") and ts.item is not None:
        return f"{ts.name} of {_type_text(ts.item)}"
    if ts.name == "object" and ts.object is not None:
        return f"[{ts.object.__name__}](#{_anchor(ts.object.__name__)})"
    return ts.name


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if attrs.has(type(value)):
        return f"see [{type(value).__name__}](#{_anchor(type(value).__name__)})"
    return f"`{value!r}`"


def _presence(f: FieldSchema) -> str:
    return "computed" if f.computed else "required" if f.required else "optional"


def _default(f: FieldSchema) -> str:
    if f.computed or f.required:
        return ""
    if f.spec.default_doc:
        return f.spec.default_doc
    if f.default is None:
        return "filled in when unset" if f.spec.chosen else ""
    return _value_text(f.default)


def _first_line(doc: str | None) -> str:
    return inspect.cleandoc(doc or "").split("\n\n")[0].replace("\n", " ")


def _allowed(f: FieldSchema) -> str:
    spec = f.spec
    parts = []
    if spec.choices:
        parts.append(", ".join(_value_text(c) for c in spec.choices))
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"{spec.minimum} to {spec.maximum}")
    elif spec.minimum is not None:
        parts.append(f"at least {spec.minimum}")
    elif spec.maximum is not None:
        parts.append(f"at most {spec.maximum}")
    if spec.check is not None:
        parts.append(_first_line(spec.check.__doc__))
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


_FIELD_HEADER = (
    "Field",
    "Type",
    "Presence",
    "Default",
    "On change",
    "Secret",
    "Refers to",
    "Allowed values",
    "Description",
)


def _field_table(schema: ObjectSchema) -> Iterator[str]:
    yield _row(_FIELD_HEADER)
    yield "|" + "---|" * len(_FIELD_HEADER)
    for f in schema.fields:
        ref = f"[{f.spec.ref}](#{_anchor(f.spec.ref)})" if f.spec.ref else ""
        yield _row(
            (
                f"`{f.name}`",
                _type_text(f.type),
                _presence(f),
                _default(f),
                "" if f.computed else _CHANGE[f.spec.update],
                "yes" if f.spec.secret else "",
                ref,
                _allowed(f),
                f.spec.description,
            )
        )


# ---------------------------------------------------------------- sections


def _yaml_block(data: Any) -> Iterator[str]:
    yield "```yaml"
    yield from yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=1000).rstrip().split("\n")
    yield "```"


def _own_rules(cls: type[Resource]) -> Iterator[str]:
    """The kind's rules across fields, its derived defaults and its update rules, from their docstrings."""
    for method in ("check", "normalize", "update_class"):
        if method in vars(cls):
            yield f"- {_first_line(getattr(cls, method).__doc__)}"


def _nested_types() -> list[type]:
    found: list[type] = []

    def visit(schema: ObjectSchema) -> None:
        for f in schema.fields:
            if f.nested is not None and f.nested.cls not in found:
                found.append(f.nested.cls)
                visit(f.nested)

    for cls in KINDS.values():
        visit(object_schema(cls))
    return found


def _kind_section(kind: str, cls: type[Resource]) -> Iterator[str]:
    yield f"### {kind}"
    yield ""
    yield cls.description_doc
    if not cls.updatable:
        yield ""
        yield "Every change of an input replaces it."
    yield ""
    yield from _yaml_block({"resources": {kind: {EXAMPLE_NAME: example_inputs(cls)}}})
    yield ""
    yield from _field_table(object_schema(cls))
    rules = list(_own_rules(cls))
    if rules:
        yield ""
        yield "Rules:"
        yield ""
        yield from rules
    if kind == "instance":
        yield ""
        yield from _flavor_table()
    yield ""


def _flavor_table() -> Iterator[str]:
    yield "Built-in flavors:"
    yield ""
    yield _row(("Flavor", "vcpus", "memory_mib", "root_disk_gib"))
    yield "|---|---|---|---|"
    for name, (vcpus, memory, disk) in FLAVORS.items():
        yield _row((f"`{name}`", str(vcpus), str(memory), str(disk)))


def _nested_section(cls: type) -> Iterator[str]:
    yield f"### {cls.__name__}"
    yield ""
    yield _first_line(cls.__doc__)
    yield ""
    yield from _field_table(object_schema(cls))
    yield ""


#: What each lifecycle option does; every field of :class:`iaas.stack.Lifecycle` must be here.
_LIFECYCLE_DOCS = {
    "prevent_destroy": ("boolean", "Refuse any plan that would delete the resource, including a replacement."),
    "create_before_destroy": ("boolean", "On replacement, create the new object before deleting the old one."),
    "ignore_changes": (
        "list of field names, or `all`",
        "Changes to these fields (or to every field) are left out of plans.",
    ),
}


def _lifecycle_section() -> Iterator[str]:
    options: list[attrs.Attribute[Any]] = list(attrs.fields(Lifecycle))
    missing = {a.name for a in options} ^ set(_LIFECYCLE_DOCS)
    if missing:
        raise RuntimeError(f"lifecycle options without documentation (or documented but gone): {sorted(missing)}")
    deps = Declared(kind="", name="", inputs={}).depends_on  # its default
    yield "## Dependencies and lifecycle options"
    yield ""
    yield (
        "Beside its fields, a resource in a stack file may carry `depends_on` and `lifecycle`. References "
        "already order resources; `depends_on` adds an order that no reference expresses."
    )
    yield ""
    yield _row(("Option", "Type", "Default", "Description"))
    yield "|---|---|---|---|"
    yield _row(
        (
            "`depends_on`",
            "list of addresses (`kind.name`)",
            _value_text(deps),
            "Resources to create before this one (and to delete after it).",
        )
    )
    for a in options:
        kind, text = _LIFECYCLE_DOCS[a.name]
        default = list(a.default) if isinstance(a.default, tuple) else a.default
        yield _row((f"`lifecycle.{a.name}`", kind, _value_text(default), text))
    yield ""
    vm = example_inputs(KINDS["instance"])
    body = {
        **vm,
        "depends_on": [f"network.{EXAMPLE_NAME}"],
        "lifecycle": {"prevent_destroy": True, "ignore_changes": ["user_data"]},
    }
    yield from _yaml_block({"resources": {"instance": {EXAMPLE_NAME: body}}})
    yield ""


def _reference_section() -> Iterator[str]:
    yield "## References"
    yield ""
    yield (
        "A string `${kind.name.attribute}` anywhere in a field's value refers to an attribute of another "
        "resource of the stack; `${kind.name}` means its `id`. Any field of the referenced kind may be named, "
        "including the computed ones, whose values are known once that resource exists. In Python, pass the "
        'resource object itself (its `id`) or `resource.ref("attribute")`. A reference also orders the '
        "two resources: the referenced one is created first and deleted last. A field marked *soft* below "
        "orders nothing, so two resources may name each other: it holds the object's name (or id) as written, "
        "a reference in it stands for the object's name, and the object is looked up each time it is used."
    )
    yield ""
    yield "Fields that take the `id` of another kind:"
    yield ""
    yield _row(("Field", "Refers to"))
    yield "|---|---|"
    for owner in (*KINDS.values(), *_nested_types()):
        label = getattr(owner, "kind", "") or owner.__name__
        for f in object_schema(owner).fields:
            if f.spec.ref:
                soft = " (soft)" if f.spec.soft else ""
                yield _row((f"`{label}.{f.name}`", f"[{f.spec.ref}](#{_anchor(f.spec.ref)}){soft}"))
    yield ""
    yield "Outputs name values of the stack the same way:"
    yield ""
    yield from _yaml_block({"outputs": {"address": "${instance." + EXAMPLE_NAME + ".ip_address}"}})
    yield ""


def _name_rules() -> Iterator[tuple[str, str]]:
    """(what, rule) for the names of each group of kinds sharing a rule, then the stack's name."""
    groups: dict[Callable[[Any], str | None], list[str]] = {}
    for kind, cls in KINDS.items():
        groups.setdefault(cls.name_check, []).append(f"[{kind}](#{_anchor(kind)})")
    for rule, kinds in groups.items():
        yield f"Names of {', '.join(kinds)}", _first_line(rule.__doc__)
    yield "The stack's name", _first_line(checks.stack_name.__doc__)


def _limits_section() -> Iterator[str]:
    yield "## Limits"
    yield ""
    yield (
        "A stack file is UTF-8 text (a byte-order mark is allowed). Anchors (`&name`), aliases (`*name`) and "
        "merge keys (`<<: *name`) may be used within the bounds below; an alias inside the node it names is "
        "refused. A file past a bound is refused with its name and line before anything is touched. The same "
        "bounds hold for the cloud config file and for `#cloud-config` user data."
    )
    yield ""
    yield _row(("Limit", "Value"))
    yield "|---|---|"
    yield _row(("Size of a stack file", f"{yamlfile.MAX_BYTES // (1024 * 1024)} MiB ({yamlfile.MAX_BYTES} bytes)"))
    yield _row(("Nesting of mappings and lists", f"{yamlfile.MAX_DEPTH} levels"))
    yield _row(("Nodes that the aliases of one file stand for, in all", f"{yamlfile.MAX_ALIAS_NODES}"))
    for what, rule in _name_rules():
        yield _row((what, rule))
    yield _row(("`instance.user_data`", _first_line(checks.user_data.__doc__)))
    yield ""


def _intro() -> Iterator[str]:
    yield "# Stack file reference"
    yield ""
    yield "<!-- Generated by `python -m iaas.docgen` from the resource model. Do not edit by hand. -->"
    yield ""
    yield (
        "A stack file is YAML or JSON (JSON is read as YAML). It has three top-level keys: `stack` (the stack's "
        "name; default: the file name without its extension), `resources` (kinds, then names, then fields) and "
        "`outputs` (names and values). A resource's name is the key it is declared under; it is unique per "
        "kind, and `kind.name` is its address. Errors name the file and line, the address and the field."
    )
    yield ""
    yield (
        "How a change is applied: *in place (live)* on the running object, *in place (restart)* with the object "
        "stopped and started again, *replacement* by deleting the object and creating it anew. Computed fields "
        "are set by the cloud and cannot be written; other resources and outputs can refer to them."
    )
    yield ""
    yield "Kinds: " + ", ".join(f"[{k}](#{_anchor(k)})" for k in KINDS) + "."
    yield ""


def render_stack_file_reference() -> str:
    """The Markdown text of the stack-file reference."""
    lines = [*_intro(), "## Kinds", ""]
    for kind, cls in KINDS.items():
        lines += _kind_section(kind, cls)
    lines += ["## Nested types", ""]
    for cls in _nested_types():
        lines += _nested_section(cls)
    lines += [*_lifecycle_section(), *_reference_section(), *_limits_section()]
    return "\n".join(lines).rstrip() + "\n"


def write_reference(outdir: str | Path = DEFAULT_OUTDIR) -> Path:
    """Write ``stack-file.md`` into ``outdir`` (created when missing); return its path."""
    path = Path(outdir) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_stack_file_reference())
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m iaas.docgen [OUTDIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m iaas.docgen [OUTDIR]", file=sys.stderr)
        return 2
    print(write_reference(args[0] if args else DEFAULT_OUTDIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
