"""What admission judges: the object being admitted, the objects it refers to, what it uses, and its problems.

A :class:`Subject` is one object being created, changed or imported; a
:data:`Resolver` finds the objects its reference fields name, as :class:`Ref`
values.  :func:`usage_of` and :func:`allocation_of` say what it counts
against its project's quota and its host's capacity.  The problems are
:class:`iaas.errors.FieldError` values whose class says which error to raise
(:func:`as_error`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from iaas import model  # its kinds load on first use: a plan of key pairs loads no instance
from iaas.errors import CapacityError, ConflictError, FieldError, QuotaError, ValidationError


@attrs.frozen
class QuotaProblem(FieldError):
    """A :class:`FieldError` raised because a project's quota would be exceeded."""


@attrs.frozen
class CapacityProblem(FieldError):
    """A :class:`FieldError` raised because no host can hold a resource."""


@attrs.frozen
class ClaimProblem(FieldError):
    """A :class:`FieldError` raised because another object already holds what this one asks for."""


def as_error(errors: list[FieldError]) -> ValidationError | ConflictError:
    """The error to raise for admission's problems: quota, capacity, conflict, or plain validation."""
    for cls, error in ((QuotaProblem, QuotaError), (CapacityProblem, CapacityError)):
        if all(isinstance(e, cls) for e in errors):
            return error(errors)
    if all(isinstance(e, ClaimProblem) for e in errors):
        return ConflictError("\n".join(str(e) for e in errors))
    return ValidationError(errors)


@attrs.frozen
class Ref:
    """An object a field refers to, as admission needs it: its id (or plan key), label, inputs and host."""

    id: str
    label: str
    inputs: dict[str, Any]
    host: str | None = None


Resolver = Callable[[str, Any], "Ref | None"]


@attrs.frozen
class Subject:
    """One object being admitted: its kind, owner id, address (for errors), label, inputs and host."""

    kind: str
    owner: str
    address: str
    label: str
    inputs: dict[str, Any]
    host: str | None = None
    stack: str = ""  # the stack making it (reservations of an interrupted create are found by stack and address)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_of(kind: str, inputs: dict[str, Any]) -> dict[str, int]:
    """What one object counts against its project's quota."""
    if kind == "instance":
        v = model.Instance.normalize(dict(inputs))
        return {
            "instances": 1,
            "vcpus": _int(v.get("vcpus")),
            "memory_mib": _int(v.get("memory_mib")),
            "volume_gib": _int(v.get("root_disk_gib")),
        }
    if kind == "volume":
        return {"volumes": 1, "volume_gib": _int(inputs.get("size_gib"))}
    if kind == "network":
        return {"networks": 1}
    if kind in ("port_forward", "floating_ip"):
        return {f"{kind}s": 1}
    return {}


def allocation_of(kind: str, inputs: dict[str, Any]) -> dict[str, int]:
    """What one object takes from its host: vCPUs, memory (MiB) and disk (GiB)."""
    if kind == "instance":
        v = model.Instance.normalize(dict(inputs))
        return {
            "vcpus": _int(v.get("vcpus")),
            "memory_mib": _int(v.get("memory_mib")),
            "disk_gib": _int(v.get("root_disk_gib")),
        }
    if kind == "volume":
        return {"disk_gib": _int(inputs.get("size_gib"))}
    return {}


def quota_of(inputs: dict[str, Any]) -> dict[str, int]:
    """A project's limits, defaults filled in."""
    limits: dict[str, int] = attrs.asdict(model.Quota())
    given = inputs.get("quota")
    if isinstance(given, dict):
        limits.update({k: v for k, v in given.items() if isinstance(v, int)})
    return limits
