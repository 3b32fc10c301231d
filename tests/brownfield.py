"""Objects made or changed by hand through libvirt, as an operator or a host reboot does: for every face's tests."""

from __future__ import annotations

from pathlib import Path

import libvirt

import iaas
from iaas.cloud.pools import IMAGE_POOL

DOMAIN_XML = """<domain type='test'>
  <name>legacy</name>
  <memory unit='MiB'>768</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='{network}'/><mac address='52:54:00:aa:bb:01'/></interface>
  </devices>
</domain>"""


def hand_made_domain(engine: iaas.Engine, backing: str) -> str:
    """A guest defined through libvirt directly, on a disk layered over ``backing``; its uuid."""
    host = engine.cloud.hosts["default"]
    conn: libvirt.virConnect = host._connection()
    pool = conn.storagePoolLookupByName(IMAGE_POOL)  # any pool: the guest was made by hand
    disk = pool.createXML(
        f"""<volume><name>legacy-disk.qcow2</name><capacity unit='GiB'>4</capacity>
        <target><format type='qcow2'/></target>
        <backingStore><path>{backing}</path><format type='qcow2'/></backingStore></volume>""",
        0,
    )
    network = engine.resources()["network.web"].id
    dom = conn.defineXML(DOMAIN_XML.format(disk=disk.path(), network=host.get_network(network).name))
    dom.create()
    host._save_volume(IMAGE_POOL, disk)  # the simulated host keeps what was defined, as libvirtd does
    host._save_domain(dom)
    return dom.UUIDString()


def hand_made_world(home: Path, image_file: Path, backing: str = "/srv/golden/not-an-iaas-image.qcow2") -> str:
    """In the embedded cloud of ``home``: the image ``tiny`` and network ``web`` of stack ``base``, and a guest
    made by hand on them (see :func:`hand_made_domain`); the guest's uuid."""
    with iaas.Engine.open("base", home=home) as engine:
        stack = iaas.Stack("base")
        stack.add(iaas.Image(name="tiny", source=str(image_file)))
        stack.add(iaas.Network(name="web", cidr="10.31.0.0/24"))
        engine.apply(stack)
        return hand_made_domain(engine, backing)


def stop_network(home: Path, id: str) -> None:
    """Stop a network by hand on the embedded cloud's simulated host, as a host that lost it (a reboot, say)."""
    cloud = iaas.Cloud.open(home=home)
    try:
        host = cloud.hosts["default"]

        def stop(conn: libvirt.virConnect) -> None:
            net = conn.networkLookupByUUIDString(id)
            net.destroy()
            host._save_network(net)  # the simulated host keeps the network stopped, as libvirtd does

        host._call("stop network", stop)
    finally:
        cloud.close()
