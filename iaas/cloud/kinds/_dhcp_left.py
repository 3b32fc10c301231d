"""Static DHCP entries a deleted guest left to a network that is deleted in the same apply.

Removing one entry from a running network rewrites the whole network on its
host (libvirt formats and parses the definition and writes it out, and tells
dnsmasq), so emptying a network of its guests one by one costs the square of
their number.  When the apply deletes the network too, each guest leaves its
entry in place and the network takes them all with it.

Crash safety: before a guest leaves its entry, the inventory records it
(claims in the scope ``dhcp-left/<network id>``, held by the network, keyed by
MAC, labelled with the guest's id).  Should the apply stop before the network
goes and the network then be kept, its read reports the entries of guests no
longer in the inventory as lost dataplane, and the update that follows removes
them (:func:`sweep`); so a later guest can take their addresses.  The rows go
with the network (its holdings are released when it is deleted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iaas.drivers.libvirt import NetworkInfo

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud
    from iaas.drivers.libvirt import Host

SCOPE_PREFIX = "dhcp-left/"


def _scope(network_id: str) -> str:
    return SCOPE_PREFIX + network_id


def leave(cloud: Cloud, network_id: str, mac: str, instance_id: str) -> None:
    """Record that the guest ``instance_id`` leaves its entry for ``mac`` to the network (before it goes)."""
    store = cloud.inventory
    for attempt in store.attempts():
        with attempt:
            store.claim(_scope(network_id), mac.lower(), network_id, instance_id)


def _gone(cloud: Cloud, info: NetworkInfo) -> tuple[list[str], list[str]]:
    """The MACs left to the network by guests gone from the inventory: those whose entry is still there, and all."""
    left = cloud.inventory.held_in(_scope(info.uuid))
    if not left:
        return [], []
    alive = set(cloud.inventory.get_many({instance_id for _, instance_id in left}))
    gone = [mac for mac, instance_id in left if instance_id not in alive]
    present = {h.mac.lower() for h in info.spec.dhcp_hosts}
    return [mac for mac in gone if mac in present], gone


def problem(cloud: Cloud, info: NetworkInfo) -> str | None:
    """What a network with entries of deleted guests lacks, as its read reports it; None when it has none."""
    macs, _ = _gone(cloud, info)
    if not macs:
        return None
    shown = ", ".join(macs[:3]) + (", ..." if len(macs) > 3 else "")
    return f"network free of the static DHCP entries of {len(macs)} deleted guest(s) ({shown})"


def sweep(cloud: Cloud, host: Host, info: NetworkInfo) -> None:
    """Remove the entries guests gone from the inventory left on the network, and forget them."""
    present, gone = _gone(cloud, info)
    for mac in present:
        host.update_dhcp_host(info.uuid, "delete", mac, "")
    if gone:
        store = cloud.inventory
        for attempt in store.attempts():
            with attempt:
                for mac in gone:
                    store.unclaim(_scope(info.uuid), mac)
