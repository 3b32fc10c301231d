"""Rules that bring recorded inputs and what the cloud reports together, shared by the engine and every face.

* :func:`merge_observed` — drift: what the cloud reports differently takes
  the place of what was recorded, except where the recorded value is only
  another way of writing the same thing (a name for the id the cloud
  reports);
* :func:`ignore_changes` — ``lifecycle.ignore_changes``: the listed fields
  keep their recorded value;
* :func:`keep_chosen` — a field the cloud chooses when it is left unset
  (an instance's ``host``) keeps the value the cloud chose;
* :func:`adopt_unread` — fields the cloud could not read back from an
  imported object take the configured value instead of forcing a change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from iaas.model.base import Resource
from iaas.model.schema import object_schema


@attrs.frozen
class Drift:
    """A field the cloud reports differently from the record."""

    field: str
    recorded: Any
    actual: Any


@attrs.frozen
class Merged:
    """Recorded inputs brought in line with the cloud, and the differences found."""

    inputs: dict[str, Any]
    drift: list[Drift]


def same_value(a: Any, b: Any) -> bool:
    """Equal, where a member set to None counts as absent (wire formats drop unset members)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = {k for k, v in a.items() if v is not None} | {k for k, v in b.items() if v is not None}
        return all(same_value(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def merge_observed(
    recorded: Mapping[str, Any],
    observed: Mapping[str, Any],
    *,
    skip: Collection[str] = (),
    resolve: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
) -> Merged:
    """The recorded inputs with each value the cloud reports differently in its place.

    Only fields present in ``recorded`` are compared; those in ``skip`` keep
    their recorded value (values the cloud chose, fields it cannot read).
    ``resolve`` turns the recorded inputs into the cloud's terms (names in
    reference fields to ids): a recorded value that resolves to what the
    cloud reports is kept as written, so a name never turns into an id.
    """
    inputs, drift = dict(recorded), []
    resolved: Mapping[str, Any] | None = None
    for key, actual in observed.items():
        if key not in inputs or key in skip or same_value(inputs[key], actual):
            continue
        if resolve is not None:
            resolved = resolve(dict(recorded)) if resolved is None else resolved
            if same_value(resolved.get(key), actual):
                continue
        drift.append(Drift(key, inputs[key], actual))
        inputs[key] = actual
    return Merged(inputs, drift)


def ignores(ignore: Collection[str] | str, field: str) -> bool:
    """True when ``ignore_changes`` (a list of fields, or ``"all"``) covers a field; ``name`` never is."""
    return field != "name" and (ignore == "all" or field in ignore)


def ignore_changes(ignore: Collection[str] | str, before: Mapping[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``after`` where every field that ``ignore_changes`` lists keeps its value in ``before``.

    Entries may be paths (``nics[0].network``, as Pulumi gives them): the
    top-level field is what is kept.
    """
    if not ignore:
        return after
    fields: Collection[str] | str = ignore if ignore == "all" else {_top(p) for p in ignore}
    return {k: (before.get(k) if ignores(fields, k) else v) for k, v in after.items()}


def _top(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def keep_chosen(cls: type[Resource], new: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """New inputs where a field the cloud chooses is left unset keep the value the cloud chose before."""
    out = dict(new)
    for f in object_schema(cls).inputs:
        if f.spec.chosen and out.get(f.name) is None and before.get(f.name) is not None:
            out[f.name] = before[f.name]
    return out


def unset_chosen(cls: type[Resource], inputs: Mapping[str, Any]) -> list[str]:
    """The fields the cloud chooses because the inputs leave them unset (an instance's ``host``)."""
    return [f.name for f in object_schema(cls).inputs if f.spec.chosen and inputs.get(f.name) is None]


def unread(cls: type[Resource], observed: Mapping[str, Any]) -> list[str]:
    """The input fields the cloud could not read back from an object (those its report leaves out)."""
    return [f.name for f in object_schema(cls).inputs if f.name not in observed and f.name != "name"]


def adopted(unread: Collection[str], before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The unread fields whose configured value differs from the record: the ones a plan adopts."""
    return [k for k in unread if not same_value(before.get(k), after.get(k))]


def adopt_unread(unread: Collection[str], before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``before`` with the fields the cloud could not read taken from ``after`` (the configuration)."""
    return {**before, **{k: after.get(k) for k in unread}}


__all__ = [
    "Drift",
    "Merged",
    "adopt_unread",
    "adopted",
    "ignore_changes",
    "ignores",
    "keep_chosen",
    "merge_observed",
    "same_value",
    "unread",
    "unset_chosen",
]
