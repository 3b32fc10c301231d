"""The serial console log of an instance on a real host, read through the host's libvirt connection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iaas.cloud.kinds._instance_parts import console_name
from iaas.cloud.pools import VOLUME_POOL
from iaas.errors import IaasError, NotFoundError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud


def console_log(cloud: Cloud, instance_id: str, host_name: str, offset: int = 0) -> bytes:
    """What the instance's serial console has written, from byte ``offset`` on.

    Works for local and remote hosts alike (the bytes come through libvirt).
    A simulated host has no console; an instance that never started has no log.
    """
    host = cloud.hosts.get(host_name)
    if host is None:
        raise NotFoundError(f"instance {instance_id}: its host {host_name!r} is not in the cloud config")
    if host.simulated:
        raise IaasError(f"instance {instance_id}: host {host_name!r} is simulated; its guests have no serial console")
    data = host.read_volume(VOLUME_POOL, console_name(instance_id), offset)
    if data is None:
        raise NotFoundError(
            f"instance {instance_id}: no console log on host {host_name!r} (the guest has not been started yet)"
        )
    return data
