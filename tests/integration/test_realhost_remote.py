"""A host that is not this machine: ``qemu+tcp://`` through a loopback tunnel, with pools only the daemon sees.

Everything the host needs from here (the image, the cloud-init seed) must
travel through the libvirt connection: the pool directory is a memory file
system inside the daemon's mount namespace, so a file written directly on
this machine would never reach the guest.  The guest booting, reading its
seed and taking its lease proves the whole path.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas import ApplyError
from iaas.drivers.libvirt import Host, VolumeSpec
from iaas.errors import IaasError
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import KEY, LEASE_TIMEOUT, connect

pytestmark = pytest.mark.realhost

STACK = "far"
CONSOLE_TIMEOUT = 60.0


def make_stack(guest: TinyGuest, *, sha256: str | None = None) -> iaas.Stack:
    """A network, the tiny guest's image (checked against ``sha256``), a key pair, an instance and a port forward."""
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="far-lan", cidr="10.87.0.0/24", mode="isolated"))
    key = stack.add(iaas.KeyPair(name="far-key", public_key=KEY))
    image = stack.add(iaas.Image(name="far-tiny", sha256=sha256, **guest.image))
    vm = stack.add(
        iaas.Instance(
            name="far-vm",
            image=image,
            key_pair=key,
            vcpus=1,
            memory_mib=192,
            root_disk_gib=1,
            nics=[iaas.Nic(network=lan)],
            wait_for_port=7,
        )
    )
    stack.add(iaas.PortForward(name="far-echo", instance=vm, target_port=7, host_port=10017))
    return stack


@pytest.fixture(scope="module")
def far(farhost: NamespacedHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """An engine whose only host is the remote-looking one, and a direct connection through the same tunnel."""
    home = tmp_path_factory.mktemp("far-home")
    # The host's firewall is reached as a remote host's would be through ssh: by a command prefix.
    config = {**farhost.remote_config(), "command_prefix": ["nsenter", f"--net=/proc/{farhost.process.pid}/ns/net"]}
    engine = iaas.Engine.open(STACK, home=home, cloud={"hosts": [config], "home": str(home / "cloud")})
    host = Host("far", str(config["uri"]))
    yield {"engine": engine, "host": host, "ns": farhost}
    try:
        engine.destroy()
    finally:
        engine.close()
        host.close()


def iaas_volumes(host: Host) -> list[str]:
    """The volumes of the iaas pools on a host."""
    names = []
    for pool in ("iaas-images", "iaas-volumes"):
        if host.pool_info(pool) is not None:
            names += [v.name for v in host.list_volumes(pool)]
    return names


def test_a_wrong_checksum_leaves_nothing_on_the_host(far: dict, tiny_guest: TinyGuest) -> None:
    engine, host = far["engine"], far["host"]
    with pytest.raises(ApplyError) as caught:
        engine.apply(make_stack(tiny_guest, sha256="0" * 64))
    failure = str(caught.value.result.failed["image.far-tiny"])
    assert "sha256" in failure and "checksum mismatch" in failure
    assert iaas_volumes(host) == []  # neither the image nor the part of it that was sent


def test_image_and_seed_travel_through_libvirt(far: dict, tiny_guest: TinyGuest) -> None:
    engine, host, ns = far["engine"], far["host"], far["ns"]
    digest = hashlib.sha256((tiny_guest.dir / "disk.qcow2").read_bytes()).hexdigest()
    assert engine.apply(make_stack(tiny_guest, sha256=digest)).ok
    # wait_for_port (probed through the host's command prefix): the address is known when the apply ends.
    vm_record = next(r for r in engine.cloud.managed_objects(STACK) if r.address == "instance.far-vm")
    ip = vm_record.data["outputs"]["ip_address"]
    assert ip and ip.startswith("10.87.0.")
    assert list(ns.private_path.iterdir()) == []  # from here the host's pools are out of reach
    volumes = iaas_volumes(host)
    assert [v for v in volumes if v.endswith(".part")] == []
    image = next(v for v in host.list_volumes("iaas-images"))
    assert image.path.startswith(str(ns.private_path)) and image.format == "qcow2"
    assert image.capacity_bytes == 64 * 2**20  # the tiny guest's virtual size, read by the host itself
    info = host.get_domain("far-vm")
    assert info is not None and info.state == "running"
    found = host.wait_for_addresses(info.uuid, timeout=LEASE_TIMEOUT)
    assert [a.address for a in found] == [ip]
    console = _wait_for_console(ns, str(info.spec.console_log), "IAAS-GUEST ready")
    assert "IAAS-GUEST hostname=far-vm" in console  # the seed, uploaded, was read
    assert f"IAAS-GUEST key={' '.join(KEY.split()[:2])}" in console
    assert f"IAAS-GUEST ip={found[0].address}" in console
    # The port forward's DNAT rules were programmed through the host's command prefix.
    done = connect(ns, "10.87.0.1", 10017, attempts=30)
    assert "hello from far-vm" in done.stdout, done.stderr
    forward = next(r for r in engine.cloud.managed_objects(STACK) if r.address == "port_forward.far-echo")
    assert forward.data["outputs"]["programmed"] == f"nft: DNAT to {found[0].address}:7"


def test_the_remote_host_plans_no_change(far: dict, tiny_guest: TinyGuest) -> None:
    engine = far["engine"]
    digest = hashlib.sha256((tiny_guest.dir / "disk.qcow2").read_bytes()).hexdigest()
    engine.refresh()
    plan = engine.plan(make_stack(tiny_guest, sha256=digest))
    assert plan.empty, {a: c.action for a, c in plan.changes.items() if c.action != "noop"}


def test_destroy_leaves_no_volume_on_the_remote_host(far: dict) -> None:
    engine, host = far["engine"], far["host"]
    engine.destroy()
    assert host.get_domain("far-vm") is None
    assert iaas_volumes(host) == []


def test_an_unreachable_remote_host_is_named_before_anything_is_touched(far: dict, tmp_path: Path) -> None:
    config = {**far["ns"].remote_config(), "uri": "qemu+tcp://127.0.0.1:9/system"}  # nothing listens there
    stack = iaas.Stack(STACK)
    stack.add(iaas.Network(name="far-lan", cidr="10.87.0.0/24", mode="isolated"))
    with iaas.Engine.open(STACK, home=tmp_path, cloud={"hosts": [config]}) as engine:
        with pytest.raises(IaasError, match="host 'far'.*not reachable"):
            engine.apply(stack)


def _wait_for_console(ns: NamespacedHost, path: str, text: str) -> str:
    """The console log (only the daemon sees it) once it holds ``text``."""
    start = time.monotonic()
    while True:
        seen = ns.read_private(path)
        if text in seen:
            return seen
        if time.monotonic() - start > CONSOLE_TIMEOUT:
            raise AssertionError(f"no {text!r} after {CONSOLE_TIMEOUT:g} s; the console ends with:\n{seen[-1500:]}")
        time.sleep(0.2)


def test_an_upload_replaces_a_part_left_by_an_interrupted_run(far: dict, tmp_path: Path) -> None:
    host, ns = far["host"], far["ns"]
    data = bytes(range(256)) * 4096 + b"end"  # 1 MiB and a bit: more than one chunk
    source = tmp_path / "blob.raw"
    source.write_bytes(data)
    host.ensure_pool("iaas-test", str(ns.private_path / "test"))
    try:
        host.create_volume("iaas-test", VolumeSpec(name="iaas-blob.raw.part", capacity_bytes=10, format="raw"))
        vol = host.upload_volume("iaas-test", "iaas-blob.raw", source, "raw")
        assert (vol.format, vol.capacity_bytes) == ("raw", len(data))
        assert [v.name for v in host.list_volumes("iaas-test")] == ["iaas-blob.raw"]
        done = subprocess.run([*ns.enter_mount(), "sha256sum", vol.path], capture_output=True, text=True, check=True)
        assert done.stdout.split()[0] == hashlib.sha256(data).hexdigest()  # the same bytes, end to end
        assert host.upload_volume("iaas-test", "iaas-blob.raw", source, "raw") == vol  # there already: kept
    finally:
        for v in host.list_volumes("iaas-test"):
            host.delete_volume("iaas-test", v.name)
