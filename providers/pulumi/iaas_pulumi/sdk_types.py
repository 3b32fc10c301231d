"""Python text for the typed SDK: annotations from schema types, and the classes of object types."""

from __future__ import annotations

import textwrap
from typing import Any

from iaas_pulumi.names import snake

Spec = dict[str, Any]


def type_name(token: str) -> str:
    """The class name of a type token: ``iaas:index:Nic`` -> ``Nic``."""
    return token.rsplit(":", 1)[-1]


def _ref(spec: Spec) -> str | None:
    ref = spec.get("$ref")
    return type_name(ref.split("/types/", 1)[1]) if isinstance(ref, str) else None


_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def input_annotation(spec: Spec) -> str:
    """``pulumi.Input[...]`` for a property type."""
    return f"pulumi.Input[{_input_inner(spec)}]"


def _input_inner(spec: Spec) -> str:
    if (ref := _ref(spec)) is not None:
        return f"{ref}Args"
    if spec["type"] == "array":
        return f"Sequence[{input_annotation(spec['items'])}]"
    if spec["type"] == "object":
        return f"Mapping[str, {input_annotation(spec.get('additionalProperties', {'type': 'string'}))}]"
    return _SCALARS[spec["type"]]


def output_annotation(spec: Spec, prefix: str = "outputs.") -> str:
    """The plain Python type of an output value."""
    if (ref := _ref(spec)) is not None:
        return f"{prefix}{ref}"
    if spec["type"] == "array":
        return f"Sequence[{output_annotation(spec['items'], prefix)}]"
    if spec["type"] == "object":
        return f"Mapping[str, {output_annotation(spec.get('additionalProperties', {'type': 'string'}), prefix)}]"
    return _SCALARS[spec["type"]]


def getter(wire: str) -> str:
    """The ``@pulumi.getter`` line of a property."""
    py = snake(wire)
    return "    @pulumi.getter" if py == wire else f'    @pulumi.getter(name="{wire}")'


def docstring(text: str, indent: str, width: int = 116) -> list[str]:
    """A docstring block at an indent, wrapped to fit the line length."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines: list[str] = []
    for para in body.splitlines():
        hang = "    " if para.startswith(":") else ""
        lines += [indent + line for line in textwrap.wrap(para, width - len(indent), subsequent_indent=hang)] or [""]
    return [f'{indent}"""', *lines, f'{indent}"""']


def args_class(name: str, description: str, props: dict[str, Spec], required: list[str]) -> list[str]:
    """An ``@pulumi.input_type`` class: a constructor with keyword arguments and a property per field."""
    order = [*[k for k in props if k in required], *[k for k in props if k not in required]]
    lines = ["@pulumi.input_type", f"class {name}:"]
    params = []
    for wire in order:
        ann = input_annotation(props[wire])
        params.append(f"{snake(wire)}: {ann}" if wire in required else f"{snake(wire)}: {ann} | None = None")
    lines.append("    def __init__(__self__, *" + "".join(f",\n                 {p}" for p in params) + "):")
    lines += docstring(
        description + "\n\n" + "\n".join(f":param {snake(w)}: {props[w].get('description', '')}" for w in order),
        "        ",
    )
    for wire in order:
        py = snake(wire)
        if wire in required:
            lines.append(f'        pulumi.set(__self__, "{py}", {py})')
        else:
            lines += [f"        if {py} is not None:", f'            pulumi.set(__self__, "{py}", {py})']
    for wire in order:
        py, ann = snake(wire), input_annotation(props[wire])
        ann = ann if wire in required else f"{ann} | None"
        lines += [
            "",
            "    @property",
            getter(wire),
            f"    def {py}(self) -> {ann}:",
            *docstring(props[wire].get("description", ""), "        "),
            f'        return pulumi.get(self, "{py}")',
            "",
            f"    @{py}.setter",
            f"    def {py}(self, value: {ann}) -> None:",
            f'        pulumi.set(self, "{py}", value)',
        ]
    return lines


def output_class(
    name: str, description: str, props: dict[str, Spec], required: list[str], prefix: str = "outputs."
) -> list[str]:
    """An ``@pulumi.output_type`` class: the values an object type or a function returns."""
    lines = ["@pulumi.output_type", f"class {name}:"]
    lines += docstring(description, "    ")
    params = []
    for wire, spec in props.items():
        ann = output_annotation(spec, prefix)
        params.append(f"{snake(wire)}: {ann if wire in required else f'{ann} | None'} = None")
    lines.append("    def __init__(__self__, *" + "".join(f",\n                 {p}" for p in params) + "):")
    for wire in props:
        py = snake(wire)
        lines += [f"        if {py} is not None:", f'            pulumi.set(__self__, "{py}", {py})']
    for wire, spec in props.items():
        py, ann = snake(wire), output_annotation(spec, prefix)
        ann = ann if wire in required else f"{ann} | None"
        lines += [
            "",
            "    @property",
            getter(wire),
            f"    def {py}(self) -> {ann}:",
            *docstring(spec.get("description", ""), "        "),
            f'        return pulumi.get(self, "{py}")',
        ]
    return lines
