"""FloatingIp: an address of the cloud's floating pools, carried 1:1 to an instance (DNAT in, SNAT out)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from iaas.model import checks
from iaas.model.base import Resource, dataplane_field, field


@attrs.define(kw_only=True)
class FloatingIp(Resource):
    """A public address taken from a floating pool and moved between instances live."""

    kind: ClassVar[str] = "floating_ip"
    description_doc: ClassVar[str] = (
        "An address of a host's floating pool (cloud config) carried 1:1 to an instance: every port in, the "
        "instance's outbound traffic out from it. Attach, move or detach it live."
    )

    instance: str | None = field(
        "Instance the address is carried to (changed live: the address moves); unset: held, carried nowhere.",
        ref="instance",
    )
    ip_address: str | None = field(
        "Floating IPv4 address; taken from the floating pool of the instance's host when unset.",
        update="replace",
        chosen=True,
        exclusive=True,
        check=checks.ipv4_address,
    )
    project: str | None = field("Project the floating IP belongs to.", ref="project", update="replace")
    id: str | None = field("Identifier of the floating IP.", computed=True)
    host: str | None = field("Host that carries the address (the instance's host).", computed=True)
    target_address: str | None = field("Instance address the traffic goes to.", computed=True)
    interface: str | None = field("Host interface that answers for the address.", computed=True)
    dataplane: str | None = dataplane_field()
