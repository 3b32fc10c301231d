"""How a client reaches a port of an instance: through a port forward to it, or at the instance's own address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import attrs

from iaas.cloud.inventory import InventoryRecord

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

LOCAL_HOST = "127.0.0.1"
EVERY_ADDRESS = "0.0.0.0"


@attrs.frozen
class Endpoint:
    """An address and port to connect to; ``port`` is None when it is the instance's own port."""

    address: str
    port: int | None = None


def endpoint(
    cloud: Cloud,
    instance: InventoryRecord,
    ip_address: str | None,
    port: int = 22,
    *,
    records: Iterable[InventoryRecord] | None = None,
) -> Endpoint | None:
    """Where a client reaches ``port`` of ``instance``; None when nothing leads there.

    A port forward to that port is reached at its host address and host port;
    a forward listening on every address, at the address of its hypervisor
    host (the loopback address for a local host).  Otherwise it is the
    instance's own IP address, ``ip_address`` (as the caller last read it).
    ``records`` are the cloud's managed objects when the caller has listed
    them already.
    """
    listed = cloud.managed_objects() if records is None else records
    for forward in listed:
        inputs = forward.inputs
        if (
            forward.kind == "port_forward"
            and inputs.get("instance") == instance.id
            and inputs.get("target_port") == port
        ):
            return Endpoint(_listening_address(cloud, forward), inputs.get("host_port"))
    return Endpoint(ip_address) if ip_address else None


def _listening_address(cloud: Cloud, forward: InventoryRecord) -> str:
    address = forward.inputs.get("host_address") or EVERY_ADDRESS
    if address != EVERY_ADDRESS:
        return str(address)
    config = cloud.host_configs.get(forward.host or "")
    return (urlsplit(config.uri).hostname if config else None) or LOCAL_HOST
