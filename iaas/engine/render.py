"""Rendering a plan as a readable diff, in the manner of ``terraform plan``."""

from __future__ import annotations

import json
from typing import Any

from iaas.engine.plan import Plan, ResourceChange
from iaas.model import KINDS, UNKNOWN, contains_unknown, object_schema

_SYMBOL = {"create": "+", "update": "~", "migrate": "~>", "delete": "-", "replace": "-/+", "noop": " "}
_HEADLINE = {
    "create": "will be created",
    "update": "will be updated in place",
    "migrate": "will be migrated",
    "delete": "will be destroyed",
    "replace": "must be replaced",
}


def _fmt(value: Any, secret: bool = False) -> str:
    """One value as HCL-like text; unknown parts read ``(known after apply)``, empty fields are left out."""
    if secret and value is not None:
        return "(sensitive value)"
    if value is UNKNOWN:
        return "(known after apply)"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_fmt(v)}" for k, v in sorted(value.items()) if v is not None and v != [])
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return json.dumps(value, default=str)


def _field_changes(name: str, old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """A changed object field as its changed keys (``quota.vcpus``); other values whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in dict.fromkeys([*old, *new]):
            if old.get(key) != new.get(key) or contains_unknown(new.get(key)):
                out += _field_changes(f"{name}.{key}", old.get(key), new.get(key))
        return out
    return [(name, old, new)]


def _secret(kind: str, name: str) -> bool:
    f = object_schema(KINDS[kind]).field(name)
    return bool(f and f.spec.secret)


def _body(ch: ResourceChange) -> list[str]:
    schema = object_schema(KINDS[ch.kind])
    lines: list[str] = []
    width = max((len(f.name) for f in schema.fields), default=0)
    if ch.action == "create" or (ch.action == "replace" and ch.before is None):
        for f in schema.fields:
            value = (ch.after or {}).get(f.name)
            if f.output and value is None:
                value = ch.planned.get(f.name, UNKNOWN)
            if value is None or value == [] or value == {}:
                continue
            lines.append(f"      + {f.name.ljust(width)} = {_fmt(value, f.spec.secret)}")
        return lines
    if ch.action == "delete":
        for f in schema.fields:
            value = (ch.before or {}).get(f.name, ch.outputs.get(f.name))
            if value is None or value == [] or value == {}:
                continue
            lines.append(f"      - {f.name.ljust(width)} = {_fmt(value, f.spec.secret)}")
        return lines
    for c in ch.changes:
        note = (
            "  # forces replacement"
            if c.update == "replace"
            else {"offline": "  # needs a restart", "migrate": "  # moves the instance"}.get(c.update, "")
        )
        secret = _secret(ch.kind, c.field)
        for path, old, new in _field_changes(c.field, c.old, c.new):
            lines.append(f"      ~ {path.ljust(width)} = {_fmt(old, secret)} -> {_fmt(new, secret)}{note}")
    if ch.action == "replace":
        for f in schema.outputs:
            if f.computed:
                lines.append(f"      ~ {f.name.ljust(width)} = {_fmt(ch.outputs.get(f.name))} -> (known after apply)")
    return lines


def render_change(ch: ResourceChange) -> list[str]:
    """The lines that describe one resource's planned change."""
    headline = _HEADLINE.get(ch.action, "")
    if ch.action == "replace" and ch.create_first:
        headline += " (the new one is created before the old one is destroyed)"
    if ch.moves is not None:
        headline += " from host {} to host {} (live while it runs, with its disks)".format(*ch.moves)
    if ch.reasons and ch.action != "create" and ch.reasons != ["destroy"]:
        headline += f" ({', '.join(ch.reasons)})"
    name = ch.address.split(".", 1)[1]
    lines = [f"  # {ch.address} {headline}" if ch.action != "noop" else f"  # {ch.address} old copies are removed"]
    lines.append(f"{_SYMBOL[ch.action]:>3} {ch.kind} {json.dumps(name)} {{")
    lines += _body(ch)
    lines += [f"      # {note}" for note in ch.notes]
    if ch.deposed and ch.action != "delete":
        lines.append(f"      - {len(ch.deposed)} old copy(ies) left by an earlier create_before_destroy")
    lines.append("    }")
    return lines


def render_change_line(ch: ResourceChange) -> str:
    """One resource's planned change on one line: symbol, address, and what forces it (compact plans)."""
    line = f"{_SYMBOL[ch.action]:>3} {ch.address}"
    fields = [c.field for c in ch.changes] if ch.action in ("update", "migrate", "replace") else []
    if fields:
        line += f" ({', '.join(fields)})"
    if ch.reasons and ch.action != "create" and ch.reasons != ["destroy"]:
        line += f"  # {', '.join(ch.reasons)}"
    if ch.notes:
        line += f"  # {'; '.join(ch.notes)}"
    if ch.action == "noop":
        line += "  # old copies are removed"
    return line


def render_plan(plan: Plan, compact: bool = False) -> str:
    """The whole plan as text: one block per changing resource and a summary line.

    ``compact`` gives one line per changing resource instead of its fields, for plans too large to read whole.
    """
    out: list[str] = []
    if plan.reconciled:
        out.append("Repairs from an interrupted run or a refresh:")
        for fix in plan.reconciled:
            out.append(f"  {fix['address']}: {fix['why']}")
        out.append("")
    if plan.drift:
        out.append("Changed outside iaas since the last apply:")
        for d in plan.drift:
            if d["field"] is None:
                out.append(f"  {d['address']} is gone")
            else:
                secret = _secret(d["address"].split(".")[0], d["field"])
                out.append(
                    f"  {d['address']}.{d['field']}: {_fmt(d['recorded'], secret)} -> {_fmt(d['actual'], secret)}"
                )
        out.append("")
    pending = plan.pending()
    if not pending:
        out.append(
            "No changes. The cloud matches the stack."
            if not plan.outputs_changed
            else "No resource changes; outputs will be updated."
        )
        return "\n".join(out)
    out.append("iaas will perform the following actions:")
    out.append("")
    if compact:
        out += [render_change_line(ch) for ch in pending]
        out.append("")
    else:
        for ch in pending:
            out += render_change(ch)
            out.append("")
    out.append(summary_line(plan.summary()))
    return "\n".join(out)


def summary_line(s: dict[str, int]) -> str:
    """``Plan: 1 to add, 0 to change, 0 to destroy.`` (with ``N to migrate`` when the plan moves instances)."""
    moved = f" {s['migrate']} to migrate," if s.get("migrate") else ""
    return (
        f"Plan: {s['create'] + s['replace']} to add, {s['update']} to change,{moved} "
        f"{s['delete'] + s['replace']} to destroy."
    )
