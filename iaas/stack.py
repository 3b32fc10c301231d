"""A stack: the desired resources, their lifecycle options and the outputs.

Build one in Python::

    stack = iaas.Stack("demo")
    net = stack.add(iaas.Network(name="web", cidr="10.10.0.0/24"))
    stack.add(iaas.Instance(name="vm", image="${image.debian}", flavor="m1.tiny",
                            nics=[iaas.Nic(network=net)]))
    stack.output("ip", stack["instance.vm"].ref("ip_address"))

or load it from a YAML/JSON stack file with :meth:`Stack.load`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from iaas.errors import FieldError, ValidationError
from iaas.model import KINDS, Reference, Resource
from iaas.model.observe import ignores
from iaas.model.values import from_raw, inputs_of


@attrs.frozen
class Lifecycle:
    """Lifecycle options of one resource, as in Terraform.

    ``ignore_changes`` is a list of field names, or ``"all"``.
    """

    prevent_destroy: bool = False
    create_before_destroy: bool = False
    ignore_changes: tuple[str, ...] | str = ()

    def ignores(self, field: str) -> bool:
        """True when changes to ``field`` are ignored."""
        return ignores(self.ignore_changes, field)

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping, for state and plan files."""
        ic = self.ignore_changes
        return {
            "prevent_destroy": self.prevent_destroy,
            "create_before_destroy": self.create_before_destroy,
            "ignore_changes": ic if isinstance(ic, str) else list(ic),
        }


@attrs.define
class Declared:
    """One desired resource: its kind, raw inputs (references unresolved) and options."""

    kind: str
    name: str
    inputs: dict[str, Any]
    depends_on: list[str] = attrs.field(factory=list)
    lifecycle: Lifecycle = attrs.field(factory=Lifecycle)
    source: str | None = None  # file:line where it was declared
    field_sources: dict[str, str] = attrs.field(factory=dict)  # field path -> file:line, for stack files

    def source_of(self, field: str) -> str | None:
        """Where a field (``nics[0].fixed_ip``) was written: its own line, else its parent's, else the resource's."""
        path = field
        while path:
            if path in self.field_sources:
                return self.field_sources[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.source

    @property
    def address(self) -> str:
        """``kind.name``."""
        return f"{self.kind}.{self.name}"

    @property
    def cls(self) -> type[Resource]:
        """The kind's class."""
        return KINDS[self.kind]


def _address_of(item: Resource | Reference | str) -> str:
    if isinstance(item, Resource | Reference):
        return item.address
    ref = Reference.parse(item)
    return ref.address if ref else item


class Stack:
    """The desired state of one stack: resources by address, and outputs."""

    def __init__(self, name: str = "default", resources: Iterable[Resource] = ()):
        self.name = name
        self.resources: dict[str, Declared] = {}
        self.outputs: dict[str, Any] = {}
        self.problems: list[FieldError] = []  # found while loading; reported by validation
        #: The folder that relative local paths (an image's source) are relative to: the stack file's
        #: folder; None for the working directory when planning.
        self.base: str | None = None
        for r in resources:
            self.add(r)

    def add(
        self,
        resource: Resource,
        *,
        depends_on: Sequence[Resource | Reference | str] = (),
        lifecycle: Lifecycle | None = None,
        source: str | None = None,
    ) -> Resource:
        """Add a resource; returns it so it can be referenced. A duplicate address is an error."""
        if not isinstance(resource, Resource):
            raise ValidationError(f"{resource!r} is not a resource")
        decl = Declared(
            resource.kind,
            str(resource.name),
            inputs_of(resource),
            [_address_of(d) for d in depends_on],
            lifecycle or Lifecycle(),
            source,
        )
        self._put(decl)
        return resource

    def _put(self, decl: Declared) -> None:
        if decl.address in self.resources:
            first = self.resources[decl.address].source
            where = f" (first declared at {first})" if first else ""
            raise ValidationError([FieldError(decl.address, "name", f"duplicate name{where}", decl.source)])
        self.resources[decl.address] = decl

    def add_raw(
        self,
        kind: str,
        name: str,
        inputs: dict[str, Any],
        *,
        depends_on: Sequence[str] = (),
        lifecycle: Lifecycle | None = None,
        source: str | None = None,
        field_sources: dict[str, str] | None = None,
    ) -> Declared:
        """Add a resource from plain values (stack files and adapters); references as ``${...}`` strings.

        ``source`` says where the resource was declared (``file:line``) and
        ``field_sources`` where each field was, by path (``nics[0].fixed_ip``).
        """
        if kind not in KINDS:
            raise ValidationError(
                [FieldError(f"{kind}.{name}", "", f"unknown kind {kind!r} (known kinds: {', '.join(KINDS)})", source)]
            )
        values = from_raw(KINDS[kind], {"name": name, **inputs})
        decl = Declared(
            kind,
            name,
            values,
            [_address_of(d) for d in depends_on],
            lifecycle or Lifecycle(),
            source,
            dict(field_sources or {}),
        )
        self._put(decl)
        return decl

    def output(self, name: str, value: Any) -> None:
        """Declare an output: a plain value or a reference (``${kind.name.attr}`` or ``resource.ref(attr)``)."""
        if isinstance(value, Resource):
            value = value.ref()
        elif isinstance(value, str):
            value = Reference.parse(value) or value
        self.outputs[name] = value

    def __getitem__(self, address: str) -> Declared:
        return self.resources[address]

    def __contains__(self, address: object) -> bool:
        return address in self.resources

    def __iter__(self) -> Iterator[Declared]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    @classmethod
    def load(cls, path: str, name: str | None = None) -> Stack:
        """Load a YAML or JSON stack file; errors name the file, line, resource and field."""
        from iaas.stackfile import load_stack

        return load_stack(path, name)
