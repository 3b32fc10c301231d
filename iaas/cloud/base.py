"""The contract between the engine and the cloud: what one operation gets and returns.

The engine calls :class:`iaas.cloud.Cloud` with resolved inputs (every
reference replaced by the referenced value) and an :class:`OpContext` that
names the stack and the resource.  Each kind has a :class:`KindHandler`; the
cloud dispatches to it.  Handlers are idempotent by resource identity: the
engine chooses the identifier of a new object before creating it
(``ctx.pending_id``), so an interrupted create is found again by that id.
"""

from __future__ import annotations

from typing import Any, Protocol

import attrs

from iaas.errors import FieldError
from iaas.model import base as model_base


@attrs.frozen
class OpContext:
    """Who asks: the stack, the resource address and its project (if any)."""

    stack: str
    address: str
    project: str | None = None
    pending_id: str | None = None  # identifier chosen for an object being created
    timeout: float | None = None  # seconds the operation may wait (for addresses, for a guest to shut down)
    undoing: bool = False  # this delete undoes a create that failed (keep what helps find out why)
    #: The networks the same apply deletes (ids): a guest deleted with its network leaves its DHCP entry to it.
    networks_leaving: frozenset[str] = frozenset()


@attrs.define
class Observed:
    """What the cloud reports about one object.

    ``inputs`` holds the input fields as the cloud sees them (for drift
    detection and import; fields it cannot observe are left out), ``outputs``
    the computed and chosen fields (always including ``id``).
    """

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    stack: str | None = None
    address: str | None = None
    #: What the object's host no longer carries although the record says it exists (a port forward's DNAT rules,
    #: a security group's filters, a network that is not running): a refresh reports it, an update restores it.
    lost: tuple[str, ...] = ()


#: The drift field under which :attr:`Observed.lost` is reported (declared on the kinds whose hosts may lose it).
DATAPLANE = model_base.DATAPLANE


@attrs.frozen
class PlannedItem:
    """One resource change as the cloud's plan-time checks see it."""

    address: str
    kind: str
    action: str  # create | update | replace | delete | noop
    before: dict[str, Any] | None  # recorded inputs (None for creates)
    after: dict[str, Any] | None  # desired inputs, references resolved where known (None for deletes)
    outputs: dict[str, Any] | None  # recorded outputs (None for creates)


class KindHandler(Protocol):
    """Create, read, update and delete of one kind on the cloud."""

    kind: str

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Create the object with id ``ctx.pending_id``; return its outputs (with ``id``)."""
        ...

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """Return the object as it is now, or None when it no longer exists."""
        ...

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Change the object in place (live or with a stop/start); return its outputs."""
        ...

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete the object; deleting an object that is already gone is not an error."""
        ...

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """Find an existing object by name or id, for import and for data lookups."""
        ...

    def plan_problems(self, item: PlannedItem) -> list[FieldError]:
        """What would make this planned change fail for lack of something outside the cloud (a local file)."""
        ...

    def plan_notes(self, item: PlannedItem) -> list[str]:
        """What this planned change does beyond its own object, for the plan to say (the guests that lose
        connectivity while a network restarts)."""
        ...


def errors_to_fields(address: str, problems: list[tuple[str, str]]) -> list[FieldError]:
    """Turn (field, message) pairs into :class:`FieldError` values for one address."""
    return [FieldError(address, f, m) for f, m in problems]
