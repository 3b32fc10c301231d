"""The cloud config's flavors: loaded and checked once, applied to every instance that names one.

Every face passes an instance's inputs through the cloud before anything is
planned or made (:meth:`Cloud.check_plan`, :meth:`Cloud.create`,
:meth:`Cloud.update`, the engine's plan, a session's diff); there the
flavor of the cloud config fills in the sizes and extra specs.
"""

from __future__ import annotations

from typing import Any

from iaas import model  # its kinds load on first use
from iaas.errors import FieldError, ValidationError
from iaas.model import checks, object_schema
from iaas.model import flavors as model_flavors
from iaas.model.flavors import FLAVORS

Flavors = dict[str, dict[str, Any]]


def load(data: Any, origin: str) -> Flavors:
    """The ``flavors:`` mapping of a cloud config, checked field by field (errors name ``flavors.NAME.FIELD``)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", "flavors", "expected a mapping of flavor names to definitions", origin)])
    errors: list[FieldError] = []
    for name, spec in data.items():
        if msg := checks.flavor(name):
            errors.append(FieldError("flavors", str(name), msg, origin))
            continue
        errors += [FieldError(f"flavors.{name}", path, msg, origin) for path, msg in model_flavors.problems(spec)]
    if errors:
        raise ValidationError(errors)
    return {name: dict(spec) for name, spec in data.items()}


def known(flavors: Flavors) -> list[str]:
    """Every flavor name an instance may use: the built-in ones and the cloud's."""
    return [*FLAVORS, *(name for name in flavors if name not in FLAVORS)]


def expand(flavors: Flavors, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """An instance's inputs with the cloud's flavor applied (other kinds and flavors: as they are)."""
    spec = flavors.get(values.get("flavor")) if kind == "instance" else None  # type: ignore[arg-type]
    return model_flavors.apply(values, spec) if spec else values


def problems(flavors: Flavors, kind: str, address: str, values: dict[str, Any] | None) -> list[FieldError]:
    """An instance naming a flavor neither built in nor in the cloud config: the error naming its field."""
    name = (values or {}).get("flavor") if kind == "instance" else None
    if not isinstance(name, str) or name in FLAVORS or name in flavors:
        return []
    return [FieldError(address, "flavor", f"unknown flavor {name!r} (known flavors: {', '.join(known(flavors))})")]


def chosen(given: dict[str, Any] | None, expanded: dict[str, Any] | None) -> dict[str, Any]:
    """The chosen fields (sizes the cloud reports when unset) that a flavor filled in."""
    if given is None or expanded is None or given is expanded:
        return {}
    fields = (f.name for f in object_schema(model.Instance).inputs if f.spec.chosen)
    return {f: expanded[f] for f in fields if given.get(f) is None and expanded.get(f) is not None}
