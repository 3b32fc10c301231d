"""Host preflight: simulated hosts pass; an unreachable libvirtd, missing firmware, an unwritable pool directory
and too little capacity are reported with the host's name, and an apply stops before anything is touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import iaas
from iaas import resources as iaas_resources
from iaas.cloud import Cloud, preflight
from iaas.cloud.cloud import CloudConfig, HostConfig
from iaas.cloud.preflight import Need, PreflightError, check_host, host_reports
from iaas.drivers.libvirt import PoolInfo
from iaas.errors import HostError


def dead_socket(tmp_path: Path) -> str:
    return f"qemu:///system?socket={tmp_path}/gone/libvirt-sock"


def test_simulated_hosts_pass(cloud: Cloud) -> None:
    assert cloud.preflight() == []
    assert [(r.host, r.reachable, r.acceleration) for r in host_reports(cloud)] == [("h1", True, "simulated")]


def test_an_unreachable_libvirtd_is_named_with_what_to_do(tmp_path: Path) -> None:
    c = Cloud(
        CloudConfig(
            hosts=[HostConfig("sim", "test:///default"), HostConfig("far", dead_socket(tmp_path))],
            home=str(tmp_path / "home"),
        )
    )
    try:
        problems = c.preflight()
        assert [(p.host, p.check) for p in problems] == [("far", "reachable")]
        text = str(problems[0])
        assert text.startswith("host 'far': libvirtd is not reachable at qemu:///system?socket=")
        assert "libvirtd -d" in text and "uri in the cloud config" in text
        assert c.preflight(["sim"]) == []
    finally:
        c.close()


def test_apply_stops_before_touching_anything(tmp_path: Path) -> None:
    cloud = {
        "hosts": [{"name": "far", "uri": dead_socket(tmp_path), "pool_path": str(tmp_path / "pools")}],
        "home": str(tmp_path / "cloud"),
    }
    stack = iaas.Stack("pf")
    stack.add(iaas.Network(name="lan", cidr="10.77.0.0/24", mode="isolated"))
    with iaas.Engine.open("pf", home=tmp_path / "home", cloud=cloud) as engine:
        with pytest.raises(PreflightError) as caught:
            engine.apply(stack)
        assert caught.value.host == "far" and [p.check for p in caught.value.problems] == ["reachable"]
        assert "host preflight failed" in str(caught.value) and "host 'far': libvirtd is not reachable" in str(
            caught.value
        )
        assert engine.resources() == {} and engine.history() == []
        assert not (tmp_path / "pools").exists()


def test_every_faces_writes_are_preflighted_too(tmp_path: Path) -> None:
    cloud = Cloud.open(
        {"hosts": [{"name": "far", "uri": dead_socket(tmp_path), "pool_path": str(tmp_path / "pools")}]},
        home=tmp_path / "cloud",
    )
    session = iaas_resources.Session(cloud, stack="terraform")  # what Terraform, Pulumi and Ansible call
    try:
        inputs = iaas_resources.check("network", {"name": "lan", "cidr": "10.78.0.0/24", "mode": "isolated"}).inputs
        with pytest.raises(PreflightError) as caught:
            session.create("network", "network.lan", inputs, {"host": "far"})
        assert caught.value.host == "far" and [p.check for p in caught.value.problems] == ["reachable"]
        with pytest.raises(PreflightError):
            session.update("network", "network.lan", "some-id", inputs, {**inputs, "mtu": 1400}, {"host": "far"})
        assert cloud.managed_objects() == [] and not (tmp_path / "pools").exists()
    finally:
        cloud.close()


def test_only_deletes_skip_preflight(tmp_path: Path) -> None:
    cloud = {"hosts": [{"name": "far", "uri": dead_socket(tmp_path)}], "home": str(tmp_path / "cloud")}
    with iaas.Engine.open("pf", home=tmp_path / "home", cloud=cloud) as engine:
        assert engine.destroy().ok  # nothing to create or change: no host is asked


def caps(*types: str) -> str:
    """Capabilities of an x86_64 host offering ``types`` to x86_64 guests."""
    offered = "".join(f"<domain type='{t}'/>" for t in types)
    return (
        f"<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
        f"<guest><arch name='x86_64'>{offered}</arch></guest></capabilities>"
    )


class _FakeHost:
    """A reachable real host of a given size (what preflight reads of it)."""

    name, uri, simulated, domain_type = "big", "qemu:///system", False, "qemu"

    def __init__(
        self,
        cpus: int,
        free_mib: int,
        caps: str = caps("qemu"),
        domcaps: str | None = "<domainCapabilities><os supported='yes'/></domainCapabilities>",
    ):
        self.cpus, self.free_mib, self.caps, self.domcaps = cpus, free_mib, caps, domcaps

    def info(self) -> object:
        return type(
            "Info",
            (),
            {"cpus": self.cpus, "free_memory_mib": self.free_mib, "arch": "x86_64", "domain_type": self.domain_type},
        )()

    def capabilities(self) -> str:
        return self.caps

    pools: dict[str, object] = {}

    def pool_info(self, name: str) -> object | None:
        return self.pools.get(name)

    def domain_capabilities(self, arch: str, domain_type: str) -> str:
        if self.domcaps is None:
            raise HostError(
                self.name,
                f"read domain capabilities ({arch} {domain_type})",
                f"unsupported configuration: unable to find any emulator to serve '{arch}' architecture",
            )
        return self.domcaps


@pytest.fixture
def bios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A BIOS file where preflight looks for it."""
    path = tmp_path / "bios-256k.bin"
    path.write_bytes(b"\0" * 16)
    monkeypatch.setattr(preflight, "X86_BIOS_FILES", (str(tmp_path / "absent.bin"), str(path)))
    return path


def test_capacity_acceleration_and_pool_directory(tmp_path: Path, bios: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    config = HostConfig("big", "qemu:///system", pool_path=str(locked / "pools"))
    report = check_host(
        _FakeHost(2, 512, caps=caps("kvm")),
        config,  # type: ignore[arg-type]
        Need(vcpus=4, memory_mib=1024),
    )
    checks = {p.check: str(p) for p in report.problems}
    assert report.acceleration == "tcg" and report.cpus == 2 and report.free_memory_mib == 512
    assert set(checks) == ({"acceleration", "cpus", "memory"} | ({"pool"} if os.geteuid() != 0 else set()))
    assert "cannot run TCG guests" in checks["acceleration"] and "qemu-system-x86" in checks["acceleration"]
    assert "has 2 CPU(s); a guest asks for 4" in checks["cpus"]
    assert "512 MiB of free memory" in checks["memory"] and "need 1024 MiB" in checks["memory"]
    ok = check_host(
        _FakeHost(2, 4096),
        HostConfig("big", "qemu:///system", pool_path=str(tmp_path / "p")),  # type: ignore[arg-type]
        Need(vcpus=2, memory_mib=1024),
    )
    assert ok.problems == [] and ok.pool_path == str(tmp_path / "p") and ok.bios_path == str(bios)


def test_firmware_problems_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = HostConfig("big", "qemu:///system", pool_path=str(tmp_path / "p"))
    monkeypatch.setattr(preflight, "X86_BIOS_FILES", (str(tmp_path / "qemu" / "bios-256k.bin"),))
    [missing] = check_host(_FakeHost(2, 4096), config).problems  # type: ignore[arg-type]
    assert (missing.check, str(missing)) == (
        "firmware",
        (
            f"host 'big': the BIOS QEMU loads for x86 guests is missing (none of {tmp_path}/qemu/bios-256k.bin): "
            "install seabios and qemu-system-data (as root: `apt-get install seabios qemu-system-data`)"
        ),
    )
    remote = HostConfig("big", "qemu:///system", remote=True)  # its files are not on this machine
    assert check_host(_FakeHost(2, 4096), remote).problems == []  # type: ignore[arg-type]
    [no_emulator] = check_host(_FakeHost(2, 4096, domcaps=None), remote).problems  # type: ignore[arg-type]
    assert no_emulator.check == "firmware"
    assert str(no_emulator).startswith(
        "host 'big': cannot read what firmware x86_64 guests (<domain type='qemu'>) "
        "can boot: unsupported configuration: unable to find any emulator"
    )
    assert str(no_emulator).endswith(
        "Install the QEMU emulator for x86_64 (Debian: qemu-system-x86 for x86_64) and restart libvirtd"
    )
    no_boot = _FakeHost(2, 4096, domcaps="<domainCapabilities><os supported='no'/></domainCapabilities>")
    [cannot_boot] = check_host(no_boot, remote).problems  # type: ignore[arg-type]
    assert cannot_boot.check == "firmware" and "<os supported='no'>" in str(cannot_boot)
    assert "seabios and qemu-system-data" in str(cannot_boot)


def test_a_remote_hosts_pools_are_checked_through_libvirt() -> None:
    remote = HostConfig("big", "qemu+ssh://root@big/system")
    host = _FakeHost(2, 4096)
    assert check_host(host, remote).problems == []  # no pool yet: it is made when first needed  # type: ignore[arg-type]
    host.pools = {
        "iaas-images": PoolInfo("iaas-images", "u1", "/srv/iaas/images", False, 0, 0, 0),
        "iaas-volumes": PoolInfo("iaas-volumes", "u2", "/srv/iaas/volumes", True, 100 << 30, 99 << 30, 200 << 20),
    }
    problems = [str(p) for p in check_host(host, remote).problems]  # type: ignore[arg-type]
    assert problems == [
        "host 'big': its storage pool iaas-images (/srv/iaas/images) is not active: start it on the host "
        "(`virsh pool-start iaas-images`) or remove it so that iaas makes it again",
        "host 'big': its storage pool iaas-volumes (/srv/iaas/volumes) has 200 MiB free: free space there or set "
        "the host's pool_path to a larger file system",
    ]
