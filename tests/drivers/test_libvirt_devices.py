"""Disk and NIC attach/detach on simulated hosts (rewritten definitions on the test driver)."""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import DiskSpec, Host, NicSpec, VolumeSpec
from iaas.errors import NotFoundError
from tests.drivers._libvirt_helpers import META, UUID1, dom_spec, net_spec, reopened

ROOT = DiskSpec("vda", pool="iaas", volume="iaas-root.qcow2")
DATA = DiskSpec("vdb", pool="iaas", volume="iaas-data.qcow2", serial="data")
NIC1 = NicSpec("web-net", "52:54:00:00:00:01")
NIC2 = NicSpec("web-net", "52:54:00:00:00:02", filter="iaas-sg", filter_params={"IP": "10.10.0.6"})


@pytest.fixture
def guest(host: Host) -> str:
    host.define_network(net_spec(), META)
    host.define_domain(dom_spec(disks=[ROOT], nics=[NIC1], console_log="/var/log/app.log"), META)
    return UUID1


def test_attach_and_detach_on_a_shut_off_guest(host: Host, guest: str) -> None:
    host.attach_disk(guest, DATA)
    host.attach_nic(guest, NIC2)
    info = host.get_domain(guest)
    assert info is not None
    assert info.spec.disks == (ROOT, DATA) and info.spec.nics == (NIC1, NIC2)
    assert info.spec.console_log == "/var/log/app.log"  # the rest of the definition is untouched
    assert info.meta == META
    host.detach_disk(guest, "vdb")
    host.detach_nic(guest, NIC2.mac.upper())
    info = host.get_domain(guest)
    assert info is not None and info.spec.disks == (ROOT,) and info.spec.nics == (NIC1,)


def test_live_attach_shows_at_once(host: Host, guest: str) -> None:
    host.start_domain(guest)
    host.attach_disk(guest, DATA)
    host.attach_nic(guest, NIC2)
    info = host.get_domain(guest)
    assert info is not None and info.state == "running"
    assert info.disks == (ROOT, DATA) and info.nics == (NIC1, NIC2)
    assert info.spec.disks == (ROOT, DATA) and info.spec.nics == (NIC1, NIC2)
    host.detach_nic(guest, NIC1.mac)
    info = host.get_domain(guest)
    assert info is not None and info.nics == (NIC2,) and info.spec.nics == (NIC2,)


def test_config_only_change_waits_for_next_start(host: Host, guest: str) -> None:
    host.start_domain(guest)
    host.attach_disk(guest, DATA, live=False)
    info = host.get_domain(guest)
    assert info is not None and info.disks == (ROOT,) and info.spec.disks == (ROOT, DATA)
    host.attach_disk(guest, DATA)  # now also live
    info = host.get_domain(guest)
    assert info is not None and info.disks == (ROOT, DATA)


def test_attach_and_detach_are_idempotent(host: Host, guest: str) -> None:
    host.attach_disk(guest, DATA)
    host.attach_disk(guest, DATA)
    host.attach_nic(guest, NIC1)
    info = host.get_domain(guest)
    assert info is not None and info.spec.disks == (ROOT, DATA) and info.spec.nics == (NIC1,)
    host.detach_disk(guest, "vdz")
    host.detach_nic(guest, "52:54:00:ff:ff:ff")
    assert host.get_domain(guest) == info


def test_paused_guest_stays_paused(host: Host, guest: str) -> None:
    host.start_domain(guest)
    host._call("pause", lambda conn: conn.lookupByUUIDString(guest).suspend())
    host.attach_nic(guest, NIC2)
    info = host.get_domain(guest)
    assert info is not None and info.state == "paused" and info.nics == (NIC1, NIC2)


def test_device_changes_survive_a_reopen(stored_host: Host) -> None:
    stored_host.define_network(net_spec(), META)
    stored_host.define_domain(dom_spec(disks=[ROOT], nics=[NIC1]), META)
    stored_host.start_domain(UUID1)
    stored_host.attach_disk(UUID1, DATA)
    stored_host.detach_nic(UUID1, NIC1.mac)
    info = reopened(stored_host).get_domain(UUID1)
    assert info is not None and info.state == "running"
    assert info.disks == (ROOT, DATA) and info.nics == ()


def test_missing_guest(host: Host) -> None:
    with pytest.raises(NotFoundError):
        host.attach_disk(UUID1, DATA)


def test_disk_users_and_live_disk_size(host: Host) -> None:
    host.ensure_pool("iaas", "/var/lib/iaas")
    vol = host.create_volume("iaas", VolumeSpec("iaas-data.qcow2", capacity_bytes=2 * 2**30))
    disk = DiskSpec("vdb", path=vol.path, serial="data")
    host.define_domain(dom_spec(disks=[disk], nics=[]), META)
    assert host.disk_users(str(vol.path)) == [] and host.disk_capacity_live(UUID1, "vdb") is None  # not running
    host.start_domain(UUID1)
    assert host.disk_users(str(vol.path)) == [(UUID1, "vdb")]
    assert host.disk_capacity_live(UUID1, "vdb") == 2 * 2**30
    assert host.resize_disk_live(UUID1, "vdb", 3 * 2**30) is False  # the test driver cannot: grow the volume
    host.resize_volume("iaas", vol.name, 3 * 2**30)
    assert host.disk_capacity_live(UUID1, "vdb") == 3 * 2**30
