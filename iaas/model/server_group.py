"""ServerGroup: a placement policy shared by instances."""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from iaas.model.base import Resource, field


@attrs.define(kw_only=True)
class ServerGroup(Resource):
    """Instances in the group are placed together (affinity) or apart (anti-affinity)."""

    kind: ClassVar[str] = "server_group"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "project"
    description_doc: ClassVar[str] = "A placement policy for instances: affinity, anti-affinity or soft variants."
    updatable: ClassVar[bool] = False

    policy: str = field(
        "Placement policy of the members.",
        required=True,
        update="replace",
        choices=("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"),
    )
    project: str | None = field("Project the group belongs to.", ref="project", update="replace")
    id: str | None = field("Identifier of the group.", computed=True)
