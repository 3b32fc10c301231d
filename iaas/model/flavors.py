"""Flavors an operator defines in the cloud config: a name for instance sizes and extra specs.

A flavor sets some of the instance's own fields (:data:`FLAVOR_FIELDS`); its
values are checked by those fields' declarations.  An instance that names the
flavor takes its values wherever the instance leaves a field unset or at the
value it would have without the flavor.
"""

from __future__ import annotations

import copy
from typing import Any

from iaas.model import KINDS
from iaas.model.base import Resource
from iaas.model.hardware import problems as hardware_problems
from iaas.model.values import check_fields, complete

#: Built-in flavors, as OpenStack defines them: (vcpus, memory_mib, root_disk_gib).
FLAVORS: dict[str, tuple[int, int, int]] = {
    "m1.tiny": (1, 512, 1),
    "m1.small": (1, 2048, 20),
    "m1.medium": (2, 4096, 40),
    "m1.large": (4, 8192, 80),
    "m1.xlarge": (8, 16384, 160),
}
#: Root disk size of an instance whose flavor does not set one.
DEFAULT_ROOT_DISK_GIB = 10

#: The instance fields a flavor may set (an operator's flavor in the cloud config: sizes and extra specs).
FLAVOR_FIELDS = (
    "vcpus",
    "memory_mib",
    "root_disk_gib",
    "max_vcpus",
    "max_memory_mib",
    "cpu_mode",
    "machine",
    "firmware",
    "secure_boot",
    "tpm",
    "boot_order",
    "disk_bus",
    "graphics",
)

#: A size and the ceiling derived from it when the ceiling is unset.
_CEILINGS = (("vcpus", "max_vcpus"), ("memory_mib", "max_memory_mib"))
#: What every flavor sets.
REQUIRED = ("vcpus", "memory_mib")


def _instance() -> type[Resource]:
    """The instance kind, whose fields a flavor sets (its module uses this one's constants)."""
    return KINDS["instance"]


def problems(spec: Any) -> list[tuple[str, str]]:
    """The (field, message) pairs wrong with one flavor's definition; empty when it is valid."""
    if not isinstance(spec, dict):
        return [("", f"expected a mapping of instance fields ({', '.join(FLAVOR_FIELDS)})")]
    errors = check_fields(_instance(), spec, FLAVOR_FIELDS)
    errors += [(name, "is required") for name in REQUIRED if spec.get(name) is None]
    if errors:
        return errors
    for size, ceiling in _CEILINGS:
        if ceiling in spec and spec[ceiling] < spec[size]:
            errors.append((ceiling, f"{ceiling} ({spec[ceiling]}) is below {size} ({spec[size]})"))
    return errors + hardware_problems(spec)


def builtin(name: str) -> dict[str, Any] | None:
    """A built-in flavor as a definition, or None."""
    sizes = FLAVORS.get(name)
    return None if sizes is None else dict(zip(("vcpus", "memory_mib", "root_disk_gib"), sizes, strict=True))


def apply(values: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Complete instance inputs with a flavor's values where the instance leaves them to the flavor.

    A field takes the flavor's value when it is unset or holds what the instance
    would have without any flavor field set (its default, a built-in flavor's size);
    a ceiling equal to its size is derived again.  Applying twice changes nothing more.
    """
    out = dict(values)
    instance = _instance()
    plain = complete(instance, {k: v for k, v in values.items() if k not in FLAVOR_FIELDS})
    for size, ceiling in _CEILINGS:
        if out.get(ceiling) == out.get(size):
            out[ceiling] = None
    for name, value in spec.items():
        if out.get(name) is None or out.get(name) == plain.get(name):
            out[name] = copy.deepcopy(value)
    if out.get("root_disk_gib") is None:
        out["root_disk_gib"] = DEFAULT_ROOT_DISK_GIB
    return instance.normalize(out)
