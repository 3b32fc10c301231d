"""Saving a plan to a file and reading it back (``iaas plan -out`` / ``iaas apply PLANFILE``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from iaas.engine.plan import Plan, ResourceChange
from iaas.errors import PlanError
from iaas.model import UNKNOWN, Reference
from iaas.model.values import Change

FORMAT = "iaas-plan/1"


def encode(value: Any) -> Any:
    """A JSON-able form of plan data; references and unknowns are tagged."""
    if value is UNKNOWN:
        return {"$unknown": True}
    if isinstance(value, Reference):
        return {"$ref": str(value)}
    if attrs.has(type(value)):
        return {f.name: encode(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode` for values."""
    if isinstance(value, dict):
        if value.keys() == {"$unknown"}:
            return UNKNOWN
        if value.keys() == {"$ref"}:
            return Reference.parse(value["$ref"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _change(data: dict[str, Any]) -> ResourceChange:
    data = dict(data)
    data["changes"] = [Change(**c) for c in data.get("changes", [])]
    return ResourceChange(**data)


def save_plan(plan: Plan, path: str | Path) -> None:
    """Write ``plan`` to ``path`` as JSON. The file may hold secrets: it is created mode 0600."""
    p = Path(path)
    body = json.dumps({"format": FORMAT, "plan": encode(plan)}, sort_keys=True)
    p.touch(mode=0o600, exist_ok=True)
    p.write_text(body)


def load_plan(path: str | Path) -> Plan:
    """Read a plan written by :func:`save_plan`."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise PlanError(f"{path}: cannot read plan file: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanError(f"{path}: not an iaas plan file (expected format {FORMAT})")
    raw = decode(data["plan"])
    try:
        raw["changes"] = {a: _change(c) for a, c in raw["changes"].items()}
        return Plan(**raw)
    except (KeyError, TypeError) as exc:
        raise PlanError(f"{path}: damaged plan file: {exc}") from exc
