"""Volumes on simulated hosts: empty and image-backed, grow, drift, delete, lookup."""

from __future__ import annotations

import pytest

from iaas.cloud import Cloud
from iaas.cloud.kinds._libvirt import GIB
from iaas.cloud.pools import IMAGE_POOL, VOLUME_POOL
from iaas.drivers.libvirt import VolumeSpec
from iaas.errors import NotFoundError, ValidationError


def volumes(cloud: Cloud, host: str = "h1") -> list[str]:
    if cloud.hosts[host].pool_info(VOLUME_POOL) is None:
        return []
    return [v.name for v in cloud.hosts[host].list_volumes(VOLUME_POOL)]


@pytest.fixture
def image(cloud, make, image_file):
    return make(cloud, "image", "deb", source=str(image_file))


def test_create_an_empty_volume(cloud, make):
    vol = make(cloud, "volume", "data", size_gib=5)
    name = f"iaas-{vol.id}.qcow2"
    assert vol.outputs == {"id": vol.ctx.pending_id, "path": f"/var/lib/iaas/volumes/{name}", "host": "h1"}
    info = cloud.hosts["h1"].get_volume(VOLUME_POOL, name)
    assert info is not None and info.capacity_bytes == 5 * GIB and info.format == "qcow2"
    assert info.backing_path is None


def test_raw_volume(cloud, make):
    vol = make(cloud, "volume", "scratch", size_gib=1, format="raw")
    assert volumes(cloud) == [f"iaas-{vol.id}.raw"]


def test_create_on_an_image_is_an_overlay(cloud, make, image):
    vol = make(cloud, "volume", "root", size_gib=3, image=image.id)
    info = cloud.hosts["h1"].get_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2")
    base = cloud.hosts["h1"].get_volume(IMAGE_POOL, f"iaas-{image.id}.qcow2")
    assert info is not None and base is not None
    assert (info.backing_path, info.backing_format) == (base.path, "qcow2")


def test_image_given_by_name(cloud, make, image):
    vol = make(cloud, "volume", "root", size_gib=3, image="deb")
    observed = cloud.read("volume", vol.ctx, vol.id, vol.outputs)
    assert observed is not None and observed.inputs["image"] == image.id


def test_create_again_with_the_same_pending_id_adopts(cloud, make, image):
    vol = make(cloud, "volume", "data", size_gib=2, image=image.id)
    assert cloud.create("volume", vol.ctx, vol.inputs, {}) == vol.outputs
    assert volumes(cloud) == [f"iaas-{vol.id}.qcow2"]


def test_planned_host_wins(two_hosts, make):
    vol = make(two_hosts, "volume", "data", size_gib=1, planned={"host": "h2"})
    assert vol.outputs["host"] == "h2"
    assert volumes(two_hosts, "h2") == [f"iaas-{vol.id}.qcow2"] and volumes(two_hosts, "h1") == []
    assert two_hosts.inventory.get(vol.id).host == "h2"


def test_input_host_is_used_without_a_plan(two_hosts, make):
    vol = make(two_hosts, "volume", "data", size_gib=1, host="h2")
    assert vol.outputs["host"] == "h2"


def test_unknown_host_is_an_error(cloud, make):
    with pytest.raises(ValidationError, match="volume.data.host: unknown host 'h9'"):
        make(cloud, "volume", "data", size_gib=1, host="h9")


def test_image_imported_on_demand_on_another_host(two_hosts, make, image_file):
    img = make(two_hosts, "image", "deb", source=str(image_file))
    two_hosts.hosts["h2"].delete_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
    vol = make(two_hosts, "volume", "root", size_gib=1, image=img.id, planned={"host": "h2"})
    info = two_hosts.hosts["h2"].get_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2")
    assert info is not None and info.backing_path.endswith(f"/images/iaas-{img.id}.qcow2")
    assert two_hosts.hosts["h2"].get_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2") is not None


def test_read_without_drift(cloud, make, image, drift):
    vol = make(cloud, "volume", "data", size_gib=4, image=image.id)
    observed = cloud.read("volume", vol.ctx, vol.id, vol.outputs)
    assert observed is not None
    assert observed.inputs == {"name": "data", "size_gib": 4, "format": "qcow2", "image": image.id}
    assert observed.outputs == vol.outputs
    assert (observed.stack, observed.address) == ("s1", "volume.data")
    assert drift(observed, vol.inputs) == {}


def test_read_finds_the_volume_without_recorded_outputs(cloud, make):
    vol = make(cloud, "volume", "data", size_gib=1)
    cloud.inventory.delete(vol.id)  # as during an interrupted create: nothing recorded yet
    observed = cloud.read("volume", vol.ctx, vol.id, {})
    assert observed is not None and observed.outputs == vol.outputs


def test_drift_after_a_resize_behind_its_back(cloud, make, drift):
    vol = make(cloud, "volume", "data", size_gib=2)
    cloud.hosts["h1"].resize_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2", 7 * GIB)
    observed = cloud.read("volume", vol.ctx, vol.id, vol.outputs)
    assert drift(observed, vol.inputs) == {"size_gib": (2, 7)}


def test_read_is_none_once_deleted_behind_its_back(cloud, make):
    vol = make(cloud, "volume", "data", size_gib=2)
    cloud.hosts["h1"].delete_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2")
    assert cloud.read("volume", vol.ctx, vol.id, vol.outputs) is None


def test_grow(cloud, make, image, drift):
    vol = make(cloud, "volume", "data", size_gib=2, image=image.id)
    new = {**vol.inputs, "size_gib": 9}
    out = cloud.update("volume", vol.ctx, vol.id, vol.inputs, new, ["size_gib"], vol.outputs)
    assert out == vol.outputs
    info = cloud.hosts["h1"].get_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2")
    assert info.capacity_bytes == 9 * GIB and info.backing_path is not None
    assert drift(cloud.read("volume", vol.ctx, vol.id, out), new) == {}


def test_update_of_a_volume_that_is_gone(cloud, make):
    vol = make(cloud, "volume", "data", size_gib=2)
    cloud.hosts["h1"].delete_volume(VOLUME_POOL, f"iaas-{vol.id}.qcow2")
    with pytest.raises(NotFoundError):
        cloud.update("volume", vol.ctx, vol.id, vol.inputs, {**vol.inputs, "size_gib": 3}, ["size_gib"], vol.outputs)


def test_delete_twice(cloud, make):
    vol = make(cloud, "volume", "data", size_gib=2)
    cloud.delete("volume", vol.ctx, vol.id, vol.outputs)
    assert volumes(cloud) == []
    assert cloud.read("volume", vol.ctx, vol.id, vol.outputs) is None
    cloud.delete("volume", vol.ctx, vol.id, vol.outputs)


def test_lookup_by_name_and_by_id(cloud, make, image):
    vol = make(cloud, "volume", "data", size_gib=2, image=image.id)
    for ref in ("data", vol.id):
        found = cloud.lookup("volume", vol.ctx, ref)
        assert found is not None and found.id == vol.id
        assert found.inputs == {"name": "data", "size_gib": 2, "format": "qcow2", "image": image.id}
        assert found.outputs == vol.outputs
    assert cloud.lookup("volume", vol.ctx, "nope") is None


def test_a_raw_volume_cannot_be_built_on_an_image(cloud, make, image):
    with pytest.raises(ValidationError, match="volume.root.format: a volume built on an image is a qcow2"):
        make(cloud, "volume", "root", size_gib=3, image=image.id, format="raw")


def test_unknown_image(cloud, make):
    with pytest.raises(ValidationError, match="volume.root.image: no image 'nope' on host 'h1'"):
        make(cloud, "volume", "root", size_gib=3, image="nope")


def test_volume_smaller_than_its_image(cloud, make):
    # an image volume that exists on the host but in no inventory, referred to by its id
    image_id = "0b7e5d2c-2c6b-4a51-9d55-3f0e4a1b2c3d"
    cloud.hosts["h1"].ensure_pool(IMAGE_POOL, "/var/lib/iaas/images")
    cloud.hosts["h1"].create_volume(IMAGE_POOL, VolumeSpec(f"iaas-{image_id}.qcow2", 8 * GIB))
    with pytest.raises(ValidationError, match="volume.root.size_gib: the image needs at least 8 GiB; got 3"):
        make(cloud, "volume", "root", size_gib=3, image=image_id)
    vol = make(cloud, "volume", "root", size_gib=8, image=image_id)
    assert cloud.read("volume", vol.ctx, vol.id, vol.outputs).inputs["image"] == image_id
