"""A guest an operator made by hand on a real host (QEMU), imported: read from the host, adopted, never replaced."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

import iaas
from iaas.cloud.pools import IMAGE_POOL
from tests.integration.conftest import NamespacedHost, TinyGuest

pytestmark = pytest.mark.realhost

DOMAIN_XML = """<domain type='qemu'>
  <name>legacy</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'><source network='{network}'/><model type='virtio'/></interface>
  </devices>
</domain>"""


def stack(guest: TinyGuest, legacy: bool) -> iaas.Stack:
    s = iaas.Stack("bf")
    image = s.add(iaas.Image(name="tiny", **guest.image))
    lan = s.add(iaas.Network(name="bflan", cidr="10.87.0.0/24", mode="isolated"))
    if legacy:
        s.add(
            iaas.Instance(
                name="legacy",
                image=image,
                vcpus=1,
                memory_mib=128,
                root_disk_gib=1,
                nics=[iaas.Nic(network=lan)],
                user_data="#cloud-config\n",
            )
        )
    return s


def test_a_hand_made_guest_is_imported_and_keeps_running(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    cloud = {"hosts": [realhost.config()], "home": str(home / "cloud")}
    with iaas.Engine.open("bf", home=home, cloud=cloud) as engine:
        host = engine.cloud.hosts[realhost.name]
        conn: libvirt.virConnect = host._connection()
        disk = None
        try:
            engine.apply(stack(tiny_guest, legacy=False))
            image_id = engine.resources()["image.tiny"].id
            [image] = [v for v in host.list_volumes(IMAGE_POOL) if image_id in v.name]
            disk = conn.storagePoolLookupByName(IMAGE_POOL).createXML(
                f"""<volume><name>legacy-disk.qcow2</name><capacity unit='GiB'>1</capacity>
                <target><format type='qcow2'/></target>
                <backingStore><path>{image.path}</path><format type='qcow2'/></backingStore></volume>""",
                0,
            )
            network = host.get_network(engine.resources()["network.bflan"].id)
            assert network is not None
            dom = conn.defineXML(DOMAIN_XML.format(disk=disk.path(), network=network.name))
            dom.create()
            rec = engine.import_resource("instance.legacy", "legacy")
            assert rec.id == dom.UUIDString() and rec.inputs["image"] == image_id
            assert (rec.inputs["memory_mib"], rec.inputs["root_disk_gib"], rec.inputs["power_state"]) == (
                128,
                1,
                "running",
            )
            plan = engine.plan(stack(tiny_guest, legacy=True))
            change = plan.changes["instance.legacy"]
            assert change.action == "update" and change.changes == [], iaas.render_plan(plan)
            engine.apply(plan)
            info = host.get_domain(rec.id)
            assert info is not None and info.state == "running"  # the running guest was not touched
            assert engine.plan(stack(tiny_guest, legacy=True)).empty
        finally:
            engine.destroy()
            if disk is not None:
                disk.delete(0)
