"""PortForward: a host address and port forwarded to an instance (the floating IP of a libvirt host)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from iaas.model import checks
from iaas.model.base import Resource, dataplane_field, field


@attrs.define(kw_only=True)
class PortForward(Resource):
    """DNAT from a host address and port to a port of an instance."""

    kind: ClassVar[str] = "port_forward"
    description_doc: ClassVar[str] = "Forwards a host address and port to an instance: the floating IP of a host."
    updatable: ClassVar[bool] = False

    instance: str = field("Instance that receives the traffic.", required=True, ref="instance", update="replace")
    target_port: int = field("Port on the instance.", required=True, minimum=1, maximum=65535, update="replace")
    host_port: int = field("Port on the host.", required=True, minimum=1, maximum=65535, update="replace")
    host_address: str = field(
        "Host IPv4 address to listen on (0.0.0.0: every address); not a loopback address.",
        default="0.0.0.0",
        update="replace",
        check=checks.host_address,
    )
    protocol: str = field("Transport protocol.", default="tcp", choices=("tcp", "udp"), update="replace")
    project: str | None = field("Project the port forward counts against.", ref="project", update="replace")
    id: str | None = field("Identifier of the port forward.", computed=True)
    host: str | None = field("Host the forward lives on (the instance's host).", computed=True)
    target_address: str | None = field("Instance address the traffic goes to.", computed=True)
    dataplane: str | None = dataplane_field()
