"""Project: a tenant with quotas that its resources count against."""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from iaas.model.base import Resource, field


@attrs.define(kw_only=True)
class Quota:
    """Limits of one project; -1 means unlimited. Defaults follow OpenStack's."""

    instances: int = field("Instances.", default=10, minimum=-1)
    vcpus: int = field("Virtual CPUs over all instances.", default=20, minimum=-1)
    memory_mib: int = field("Memory over all instances, in MiB.", default=51200, minimum=-1)
    volumes: int = field("Volumes.", default=10, minimum=-1)
    volume_gib: int = field("Volume and root disk size over all, in GiB.", default=1000, minimum=-1)
    networks: int = field("Networks.", default=100, minimum=-1)
    port_forwards: int = field("Port forwards.", default=50, minimum=-1)
    floating_ips: int = field("Floating IPs.", default=50, minimum=-1)


QUOTA_KINDS = {
    "instances": "instance",
    "volumes": "volume",
    "networks": "network",
    "port_forwards": "port_forward",
    "floating_ips": "floating_ip",
}


@attrs.define(kw_only=True)
class Project(Resource):
    """A tenant: resources that name it count against its quotas."""

    kind: ClassVar[str] = "project"
    unique_name: ClassVar[Literal["project", "cloud"] | None] = "cloud"
    description_doc: ClassVar[str] = "A tenant with quotas; resources that name it count against them."

    description: str = field("Free text.", default="")
    quota: Quota = field("Quotas of the project.", factory=Quota)
    id: str | None = field("Identifier of the project.", computed=True)
