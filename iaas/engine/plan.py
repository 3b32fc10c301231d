"""Plans: what an apply will do to each resource, and why.

A plan is computed from the desired stack, the recorded state and (when
refreshing) what the cloud reports.  It is data: it can be rendered, saved to
a plan file and applied later as long as the state has not moved on.
"""

from __future__ import annotations

from typing import Any

import attrs

from iaas.model.values import Change

#: Plan actions, in the order a summary lists them.
ACTIONS = ("create", "update", "migrate", "replace", "delete", "noop")


@attrs.define
class ResourceChange:
    """The planned change of one resource.

    ``before``/``after`` are the recorded and the desired inputs (``after``
    may hold :data:`~iaas.model.UNKNOWN` for values known only after apply);
    ``desired`` keeps the unresolved inputs, references included, so apply can
    resolve them against fresh values.
    """

    address: str
    kind: str
    action: str
    changes: list[Change] = attrs.field(factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    desired: dict[str, Any] | None = None
    id: str | None = None  # the existing object's id (update, replace, delete)
    outputs: dict[str, Any] = attrs.field(factory=dict)  # recorded outputs
    planned: dict[str, Any] = attrs.field(factory=dict)  # values the cloud chose at plan time (host)
    dependencies: list[str] = attrs.field(factory=list)  # desired dependencies (addresses)
    recorded_dependencies: list[str] = attrs.field(factory=list)  # dependencies recorded in state
    lifecycle: dict[str, Any] = attrs.field(factory=dict)
    reasons: list[str] = attrs.field(factory=list)  # why: "tainted", "forced", "drift", "gone", ...
    deposed: list[dict[str, Any]] = attrs.field(factory=list)  # old objects left by create_before_destroy
    project: str | None = None
    repairs: list[str] = attrs.field(factory=list)  # what the host lost of the object; the update restores it
    notes: list[str] = attrs.field(factory=list)  # what the change does beyond its object (a network restart's guests)

    @property
    def create_first(self) -> bool:
        """True for a replacement that creates the new object before deleting the old one."""
        return self.action == "replace" and bool(self.lifecycle.get("create_before_destroy"))

    @property
    def moves(self) -> tuple[str, str] | None:
        """The source and destination hosts of a migration, or None."""
        change = next((c for c in self.changes if c.update == "migrate"), None)
        if self.action != "migrate" or change is None:
            return None
        source = (self.outputs or {}).get("host") or change.old
        return str(source), str(change.new)

    @property
    def replaced_fields(self) -> list[str]:
        """The fields whose change forces the replacement."""
        return [c.field for c in self.changes if c.update == "replace"]


@attrs.define
class Plan:
    """Every resource's planned change, and the outputs the stack will have."""

    stack: str
    lineage: str
    serial: int
    changes: dict[str, ResourceChange]
    outputs: dict[str, Any] = attrs.field(factory=dict)  # desired outputs, references unresolved
    destroy: bool = False
    targets: list[str] = attrs.field(factory=list)
    reconciled: list[dict[str, Any]] = attrs.field(factory=list)  # records repaired from the cloud
    drift: list[dict[str, Any]] = attrs.field(factory=list)  # what a refresh found changed outside iaas
    base: str | None = None  # the folder relative local paths are resolved against (the stack file's)

    def count(self, action: str) -> int:
        """How many resources get ``action``."""
        n = sum(1 for c in self.changes.values() if c.action == action)
        if action == "delete":  # deposed objects left by create_before_destroy
            n += sum(len(c.deposed) for c in self.changes.values() if c.action != "delete")
        return n

    @property
    def empty(self) -> bool:
        """True when applying would change nothing."""
        return all(c.action == "noop" and not c.deposed for c in self.changes.values()) and not self.outputs_changed

    outputs_changed: bool = False

    def summary(self) -> dict[str, int]:
        """Counts per action, e.g. ``{"create": 2, "update": 0, ...}``."""
        return {a: self.count(a) for a in ACTIONS if a != "noop"}

    def pending(self) -> list[ResourceChange]:
        """The resource changes that are not no-ops, in address order."""
        return [c for _, c in sorted(self.changes.items()) if c.action != "noop" or c.deposed]
