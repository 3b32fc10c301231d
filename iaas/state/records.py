"""The records a state store keeps: resources, snapshots, apply history, locks.

Every field holds plain JSON-able data (str, int, float, bool, None, lists and
dicts of those), so any backend can store a record as JSON text or JSONB.
"""

from __future__ import annotations

from typing import Any

import attrs

#: Statuses a resource record may carry.
#:
#: ``ready``: created and recorded; ``tainted``: exists but must be replaced on
#: the next apply; ``creating``/``deleting``: a step was started and did not
#: report back (an interrupted run), so the next run must check the cloud.
RESOURCE_STATUSES = ("ready", "tainted", "creating", "deleting")

#: Statuses an entry of the apply history may carry.
APPLY_STATUSES = ("running", "succeeded", "failed", "interrupted")


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


@attrs.define(kw_only=True)
class ResourceRecord:
    """What the store knows about one resource of a stack."""

    address: str = attrs.field(validator=_non_empty)  # "network.web"
    kind: str = attrs.field(validator=_non_empty)  # resource kind, e.g. "network"
    id: str | None = None  # the cloud's identifier; None until created
    inputs: dict[str, Any] = attrs.field(factory=dict)  # desired fields as last applied
    outputs: dict[str, Any] = attrs.field(factory=dict)  # fields the cloud computed
    dependencies: list[str] = attrs.field(factory=list)  # addresses this resource needs
    status: str = attrs.field(default="ready", validator=attrs.validators.in_(RESOURCE_STATUSES))
    extra: dict[str, Any] = attrs.field(factory=dict)  # lifecycle options, deposed objects, host, ...
    updated_at: float = 0.0  # seconds since the epoch of the last write

    def __attrs_post_init__(self) -> None:
        kind, dot, name = self.address.partition(".")
        if kind != self.kind or not dot or not name:
            raise ValueError(f"address {self.address!r} is not {self.kind}.NAME")


@attrs.define(kw_only=True)
class Snapshot:
    """The whole recorded state of one stack at one serial."""

    stack: str = attrs.field(validator=_non_empty)
    lineage: str  # uuid4 hex, fixed when the stack is first seen
    serial: int = 0  # bumped by every write to the stack's state
    resources: dict[str, ResourceRecord] = attrs.field(factory=dict)  # by address
    outputs: dict[str, Any] = attrs.field(factory=dict)  # stack outputs by name


@attrs.define(kw_only=True)
class ApplyRecord:
    """One entry of a stack's history of operations."""

    id: int
    stack: str
    operation: str  # "apply", "destroy", "import", "refresh", ...
    owner: str  # who ran it, e.g. "alice@build-3 pid 4711"
    started_at: float
    finished_at: float | None = None
    status: str = attrs.field(default="running", validator=attrs.validators.in_(APPLY_STATUSES))
    summary: dict[str, Any] = attrs.field(factory=dict)  # counts, failures, ...


@attrs.define(kw_only=True)
class LockInfo:
    """Who holds a stack's lock, for what, since when, and from where."""

    stack: str
    owner: str  # e.g. "alice@build-3 pid 4711"
    operation: str  # what the holder is doing: "apply", "destroy", ...
    acquired_at: float  # seconds since the epoch
    pid: int  # process id of the holder, on hostname
    hostname: str  # host the holder runs on
