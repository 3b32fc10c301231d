"""Pool and volume primitives on simulated hosts."""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import Host, VolumeSpec
from iaas.errors import NotFoundError
from tests.drivers._libvirt_helpers import reopened

GIB = 2**30


@pytest.fixture
def pool(host: Host) -> str:
    host.ensure_pool("iaas", "/var/lib/iaas/images")
    return "iaas"


def test_ensure_pool_is_idempotent(host: Host) -> None:
    first = host.ensure_pool("iaas", "/var/lib/iaas/images")
    assert first.active and first.path == "/var/lib/iaas/images"
    assert first.capacity_bytes > 0 and first.available_bytes <= first.capacity_bytes
    again = host.ensure_pool("iaas", "/elsewhere")
    assert again.uuid == first.uuid and again.path == "/var/lib/iaas/images"  # the existing pool is kept
    assert host.pool_info("iaas") == again


def test_create_get_list_delete(host: Host, pool: str) -> None:
    vol = host.create_volume(pool, VolumeSpec("iaas-a.qcow2", 2 * GIB))
    assert (vol.name, vol.pool, vol.capacity_bytes, vol.format) == ("iaas-a.qcow2", pool, 2 * GIB, "qcow2")
    assert vol.path == "/var/lib/iaas/images/iaas-a.qcow2"
    raw = host.create_volume(pool, VolumeSpec("iaas-b.img", GIB, format="raw"))
    assert raw.format == "raw"
    assert host.get_volume(pool, "iaas-a.qcow2") == vol
    assert [v.name for v in host.list_volumes(pool)] == ["iaas-a.qcow2", "iaas-b.img"]
    host.delete_volume(pool, "iaas-a.qcow2")
    assert host.get_volume(pool, "iaas-a.qcow2") is None
    host.delete_volume(pool, "iaas-a.qcow2")  # absent: fine
    host.delete_volume("no-pool", "x")
    assert [v.name for v in host.list_volumes(pool)] == ["iaas-b.img"]


def test_create_existing_returns_it(host: Host, pool: str) -> None:
    first = host.create_volume(pool, VolumeSpec("iaas-a.qcow2", GIB))
    again = host.create_volume(pool, VolumeSpec("iaas-a.qcow2", 5 * GIB))
    assert again == first


def test_backing_store(host: Host, pool: str) -> None:
    vol = host.create_volume(
        pool, VolumeSpec("iaas-c.qcow2", 10 * GIB, backing_path="/var/lib/iaas/images/base.img", backing_format="raw")
    )
    assert (vol.backing_path, vol.backing_format) == ("/var/lib/iaas/images/base.img", "raw")


def test_resize(host: Host, pool: str) -> None:
    host.create_volume(pool, VolumeSpec("iaas-a.qcow2", GIB, backing_path="/b.qcow2"))
    grown = host.resize_volume(pool, "iaas-a.qcow2", 3 * GIB)
    assert grown.capacity_bytes == 3 * GIB and grown.backing_path == "/b.qcow2"
    assert host.get_volume(pool, "iaas-a.qcow2") == grown
    with pytest.raises(NotFoundError):
        host.resize_volume(pool, "iaas-none", GIB)


def test_volume_names_are_escaped(host: Host, pool: str) -> None:
    vol = host.create_volume(pool, VolumeSpec("iaas-<&'\">.qcow2", GIB))
    assert vol.name == "iaas-<&'\">.qcow2"


def test_create_in_missing_pool(host: Host) -> None:
    with pytest.raises(NotFoundError):
        host.create_volume("nope", VolumeSpec("iaas-a.qcow2", GIB))


def test_pool_allocation_follows_volumes(host: Host, pool: str) -> None:
    host.create_volume(pool, VolumeSpec("iaas-raw.img", GIB, format="raw"))
    info = host.pool_info(pool)
    assert info is not None
    assert info.allocation_bytes + info.available_bytes == info.capacity_bytes


def test_storage_survives_a_reopen(stored_host: Host) -> None:
    pool = stored_host.ensure_pool("iaas", "/var/lib/iaas/images")
    stored_host.create_volume("iaas", VolumeSpec("iaas-a.qcow2", GIB, backing_path="/base.qcow2"))
    stored_host.create_volume("iaas", VolumeSpec("iaas-b.qcow2", GIB))
    stored_host.resize_volume("iaas", "iaas-a.qcow2", 7 * GIB)
    stored_host.delete_volume("iaas", "iaas-b.qcow2")
    fresh = reopened(stored_host)
    back = fresh.pool_info("iaas")
    assert back is not None and (back.uuid, back.path, back.active) == (pool.uuid, pool.path, True)
    vols = fresh.list_volumes("iaas")
    assert [(v.name, v.capacity_bytes, v.backing_path) for v in vols] == [("iaas-a.qcow2", 7 * GIB, "/base.qcow2")]
