"""How a client reaches a port of an instance: through a port forward to it, at its floating IP, or at the
instance's own address."""

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
    """An address and port to connect to; ``port`` is None when it is the instance's own port.

    ``jump`` is the SSH destination (``[user@]host[:port]``) to go through first, for an instance on a remote
    hypervisor host reached at its own address: that address is on the host's private network.
    """

    address: str
    port: int | None = None
    jump: str | None = None


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
    host (the loopback address for a local host).  An instance with a
    floating IP is reached at that address.  Otherwise it is the
    instance's own IP address, ``ip_address`` (as the caller last read it),
    through its remote hypervisor host when it has one.  ``records`` are the
    cloud's managed objects when the caller has listed them already.
    """
    listed = cloud.managed_objects() if records is None else list(records)
    for forward in listed:
        inputs = forward.inputs
        if (
            forward.kind == "port_forward"
            and inputs.get("instance") == instance.id
            and inputs.get("target_port") == port
        ):
            return Endpoint(_listening_address(cloud, forward), inputs.get("host_port"))
    for public in listed:
        if public.kind == "floating_ip" and public.inputs.get("instance") == instance.id:
            if public.outputs.get("ip_address"):
                return Endpoint(str(public.outputs["ip_address"]))
    return Endpoint(ip_address, jump=_jump_host(cloud, instance)) if ip_address else None


def _jump_host(cloud: Cloud, instance: InventoryRecord) -> str | None:
    """The SSH destination of the instance's hypervisor host when that host is another machine."""
    config = cloud.host_configs.get(instance.host or "")
    if config is None or not config.is_remote:
        return None
    parts = urlsplit(config.uri)
    if not parts.hostname:
        return None
    ssh = parts.scheme.endswith("+ssh")  # only then are the URI's user and port those of SSH
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    user = f"{parts.username}@" if ssh and parts.username else ""
    port = f":{parts.port}" if ssh and parts.port else ""
    return f"{user}{host}{port}"


def _listening_address(cloud: Cloud, forward: InventoryRecord) -> str:
    address = forward.inputs.get("host_address") or EVERY_ADDRESS
    if address != EVERY_ADDRESS:
        return str(address)
    config = cloud.host_configs.get(forward.host or "")
    return (urlsplit(config.uri).hostname if config else None) or LOCAL_HOST
