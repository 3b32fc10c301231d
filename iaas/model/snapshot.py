"""Snapshot: the saved state of an instance's disks (and memory), to revert the instance to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import attrs

from iaas.model import checks
from iaas.model.base import Resource, field


@attrs.define(kw_only=True)
class Snapshot(Resource):
    """A snapshot of one instance, kept on the instance's host inside its disks."""

    kind: ClassVar[str] = "snapshot"
    name_check: ClassVar[Callable[[Any], str | None]] = staticmethod(checks.name)  # names a libvirt snapshot
    description_doc: ClassVar[str] = (
        "A snapshot of an instance's disks, with its memory when asked; bump `revert` to revert the instance to it."
    )

    instance: str = field("Instance to snapshot.", required=True, ref="instance", update="replace")
    memory: bool = field(
        "Also save the guest's memory: a revert resumes the guest where it was, instead of booting it "
        "from the restored disks. Needs the instance running when the snapshot is taken.",
        default=False,
        update="replace",
    )
    description: str | None = field("Free text kept with the snapshot.")
    revert: int = field(
        "Change this number (for instance add 1) to revert the instance to this snapshot: the plan shows it as "
        "an update of the snapshot, and apply puts the instance's disks (and memory) back. The instance keeps "
        "its power_state. Creating the snapshot never reverts.",
        default=0,
        minimum=0,
    )
    project: str | None = field("Project the snapshot belongs to.", ref="project", update="replace")
    id: str | None = field("Identifier of the snapshot.", computed=True)
    host: str | None = field("Host the snapshot is kept on (the instance's host).", computed=True)
    created_at: str | None = field("When the snapshot was taken (UTC, ISO 8601).", computed=True)
    state: str | None = field("The instance's state when the snapshot was taken: running or shutoff.", computed=True)
    disks: list[str] | None = field("Disks whose state the snapshot keeps (vda, vdb, ...).", computed=True)
    reverted_at: str | None = field(
        "When the instance was last reverted to this snapshot (UTC, ISO 8601).",
        computed=True,
        recomputed_by=("revert",),
    )
