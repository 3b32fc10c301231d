"""References: finding them in inputs and replacing them with values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from iaas.model import UNKNOWN, Reference
from iaas.model.schema import ObjectSchema


def references(value: Any) -> Iterator[Reference]:
    """Every :class:`Reference` inside a value, depth first."""
    if isinstance(value, Reference):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from references(v)


def ordering_references(schema: ObjectSchema, values: dict[str, Any]) -> Iterator[Reference]:
    """The references of a resource's inputs that order it after their object: all but those in soft fields."""
    for f in schema.inputs:
        value = values.get(f.name)
        if f.spec.soft:
            continue
        if f.nested is not None and isinstance(value, list | dict):
            for item in value if isinstance(value, list) else [value]:
                yield from ordering_references(f.nested, item) if isinstance(item, dict) else references(item)
        else:
            yield from references(value)


def resolve(value: Any, lookup: Callable[[Reference], Any]) -> Any:
    """A copy of ``value`` with every reference replaced by ``lookup(reference)``."""
    if isinstance(value, Reference):
        return lookup(value)
    if isinstance(value, dict):
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, lookup) for v in value]
    return value


class Values:
    """Known attribute values of the stack's resources, by address.

    A resource being created or replaced has its computed attributes unknown
    until apply; :meth:`lookup` answers :data:`UNKNOWN` for them.
    """

    def __init__(self) -> None:
        self._known: dict[str, dict[str, Any]] = {}
        self._pending: set[str] = set()

    def set(
        self, address: str, inputs: dict[str, Any], outputs: dict[str, Any] | None, *, pending: bool = False
    ) -> None:
        """Record a resource's values; ``pending`` when its outputs are known only after apply."""
        merged = dict(inputs)
        if outputs:
            merged.update({k: v for k, v in outputs.items() if v is not None or k not in merged})
        self._known[address] = merged
        if pending:
            self._pending.add(address)
        else:
            self._pending.discard(address)

    def get(self, address: str) -> dict[str, Any] | None:
        """All known values of one resource."""
        return self._known.get(address)

    def lookup(self, ref: Reference) -> Any:
        """The value a reference stands for, or :data:`UNKNOWN`."""
        values = self._known.get(ref.address)
        if values is None:
            return UNKNOWN
        if ref.address in self._pending:
            value = values.get(ref.attribute)
            if value is None or ref.attribute == "id":
                return UNKNOWN
            return value
        return values.get(ref.attribute)

    def forget(self, address: str) -> None:
        """Drop a resource's values (it was deleted)."""
        self._known.pop(address, None)
        self._pending.discard(address)


def recorded_values(records: Iterable[Any]) -> Values:
    """The values of recorded resources (objects with ``address``, ``inputs`` and ``outputs``)."""
    values = Values()
    for rec in records:
        values.set(rec.address, rec.inputs, rec.outputs)
    return values
