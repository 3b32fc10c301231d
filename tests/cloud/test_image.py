"""Images on simulated hosts: import, checksum, idempotence, read, delete, lookup, download."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from iaas.cloud import Cloud
from iaas.cloud.kinds.image import Handler as ImageHandler
from iaas.cloud.pools import IMAGE_POOL
from iaas.errors import IaasError, ValidationError


@pytest.fixture
def payload(image_file: Path) -> bytes:
    """The content of the image file."""
    return image_file.read_bytes()


@pytest.fixture
def sha(payload: bytes) -> str:
    """The SHA-256 of the image file."""
    return hashlib.sha256(payload).hexdigest()


def image_volumes(cloud: Cloud, host: str = "h1") -> list[str]:
    if cloud.hosts[host].pool_info(IMAGE_POOL) is None:
        return []
    return [v.name for v in cloud.hosts[host].list_volumes(IMAGE_POOL)]


def test_create_imports_the_file_into_the_pool(cloud, make, image_file, payload, sha):
    img = make(cloud, "image", "deb", source=str(image_file), sha256=sha)
    assert img.outputs == {"id": img.ctx.pending_id, "size": len(payload)}
    vol = cloud.hosts["h1"].get_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
    assert vol is not None and vol.format == "qcow2" and vol.capacity_bytes == len(payload)
    assert cloud.inventory.get(img.id).kind == "image"


def test_file_url_and_raw_format(cloud, make, image_file, payload):
    img = make(cloud, "image", "raw", source=image_file.as_uri(), format="raw")
    assert img.outputs["size"] == len(payload)
    assert image_volumes(cloud) == [f"iaas-{img.id}.raw"]


def test_create_again_with_the_same_pending_id_adopts(cloud, make, image_file):
    img = make(cloud, "image", "deb", source=str(image_file))
    again = cloud.create("image", img.ctx, img.inputs, {})
    assert again == img.outputs
    assert image_volumes(cloud) == [f"iaas-{img.id}.qcow2"]


def test_read_reports_format_and_name_without_drift(cloud, make, image_file, drift):
    img = make(cloud, "image", "deb", source=str(image_file))
    observed = cloud.read("image", img.ctx, img.id, img.outputs)
    assert observed is not None
    assert observed.inputs == {"name": "deb", "format": "qcow2"}
    assert observed.outputs == img.outputs
    assert (observed.stack, observed.address) == ("s1", "image.deb")
    assert drift(observed, img.inputs) == {}


def test_read_is_none_once_the_volume_is_deleted_behind_its_back(cloud, make, image_file):
    img = make(cloud, "image", "deb", source=str(image_file))
    cloud.hosts["h1"].delete_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
    assert cloud.read("image", img.ctx, img.id, img.outputs) is None


def test_update_is_refused(cloud, make, image_file):
    img = make(cloud, "image", "deb", source=str(image_file))
    with pytest.raises(IaasError, match="cannot be changed in place"):
        cloud.update("image", img.ctx, img.id, img.inputs, {**img.inputs, "format": "raw"}, ["format"], img.outputs)


def test_delete_twice(cloud, make, image_file):
    img = make(cloud, "image", "deb", source=str(image_file))
    cloud.delete("image", img.ctx, img.id, img.outputs)
    assert image_volumes(cloud) == []
    assert cloud.read("image", img.ctx, img.id, img.outputs) is None
    cloud.delete("image", img.ctx, img.id, img.outputs)


def test_lookup_by_name_and_by_id(cloud, make, image_file, sha):
    img = make(cloud, "image", "deb", source=str(image_file), sha256=sha)
    for ref in ("deb", img.id):
        found = cloud.lookup("image", img.ctx, ref)
        assert found is not None and found.id == img.id
        assert found.inputs == {"name": "deb", "format": "qcow2", "source": str(image_file), "sha256": sha}
    assert cloud.lookup("image", img.ctx, "nope") is None


def test_missing_file_is_a_clear_error(cloud, make, tmp_path):
    missing = tmp_path / "nope.qcow2"
    with pytest.raises(ValidationError, match=r"image\.deb\.source: no such file: .*nope\.qcow2"):
        make(cloud, "image", "deb", source=str(missing))
    assert image_volumes(cloud) == []


def test_checksum_mismatch_names_the_field_and_both_sums(cloud, make, image_file, sha):
    wrong = "0" * 64
    with pytest.raises(ValidationError) as err:
        make(cloud, "image", "deb", source=str(image_file), sha256=wrong)
    text = str(err.value)
    assert "image.deb.sha256" in text and wrong in text and sha in text
    assert image_volumes(cloud) == []


def test_url_on_a_simulated_host_is_recorded_without_download(cloud, make, caplog):
    # Nothing listens on the loopback discard port: a download attempt would fail.
    img = make(cloud, "image", "web", source="http://127.0.0.1:9/cirros.qcow2")
    assert img.outputs["size"] is None
    assert image_volumes(cloud) == [f"iaas-{img.id}.qcow2"]
    assert "simulated" in caplog.text and "not downloaded" in caplog.text


def test_imported_into_every_host(two_hosts, make, image_file):
    img = make(two_hosts, "image", "deb", source=str(image_file))
    assert image_volumes(two_hosts, "h1") == image_volumes(two_hosts, "h2") == [f"iaas-{img.id}.qcow2"]


def test_a_host_missing_the_image_gets_it_when_needed(two_hosts, make, image_file, payload):
    img = make(two_hosts, "image", "deb", source=str(image_file))
    two_hosts.hosts["h2"].delete_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
    handler = two_hosts.handler("image")
    assert isinstance(handler, ImageHandler)
    vol = handler.on_host(img.ctx, "image", "deb", "h2")
    assert vol.name == f"iaas-{img.id}.qcow2" and vol.capacity_bytes == len(payload)
    # read still finds it while any host has it
    two_hosts.hosts["h1"].delete_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
    assert two_hosts.read("image", img.ctx, img.id, img.outputs) is not None


# ---------------------------------------------------------------- copying and downloading (real hosts)


class _Files(http.server.BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path != "/img.qcow2":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_url(payload: bytes) -> Iterator[str]:
    _Files.payload = payload
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_downloads_and_verifies(cloud, http_url, tmp_path, payload, sha):
    handler = cloud.handler("image")
    assert isinstance(handler, ImageHandler)
    dest = tmp_path / "iaas-x.qcow2"
    assert handler._fetch("image.web", f"{http_url}/img.qcow2", dest, sha) == len(payload)
    assert dest.read_bytes() == payload
    bad = tmp_path / "iaas-y.qcow2"
    with pytest.raises(ValidationError, match="image.web.sha256: checksum mismatch"):
        handler._fetch("image.web", f"{http_url}/img.qcow2", bad, "f" * 64)
    assert not bad.exists() and not list(tmp_path.glob(".*.part"))
    with pytest.raises(ValidationError, match="image.web.source: cannot download"):
        handler._fetch("image.web", f"{http_url}/missing", bad, None)


def test_fetch_copies_a_local_file(cloud, image_file, tmp_path, payload, sha):
    handler = cloud.handler("image")
    assert isinstance(handler, ImageHandler)
    dest = tmp_path / "pool" / "iaas-z.qcow2"
    dest.parent.mkdir()
    assert handler._fetch("image.deb", str(image_file), dest, sha) == len(payload)
    assert dest.read_bytes() == payload


def test_pool_path_follows_the_host_config(tmp_path, make, image_file):
    from iaas.cloud import CloudConfig, HostConfig

    c = Cloud(CloudConfig(hosts=[HostConfig("h1", "test:///default", pool_path="/srv/iaas")], home=str(tmp_path)))
    try:
        img = make(c, "image", "deb", source=str(image_file))
        vol = c.hosts["h1"].get_volume(IMAGE_POOL, f"iaas-{img.id}.qcow2")
        assert vol is not None and vol.path == f"/srv/iaas/images/iaas-{img.id}.qcow2"
    finally:
        c.close()
