"""Host preflight against the namespaced real host: it passes, a missing BIOS file is named with what to install,
and an apply whose host has gone away stops before anything is touched, naming the host.  The host's guests get
the domain type its capabilities offer."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.cloud import Cloud, preflight
from iaas.cloud.cloud import CloudConfig, HostConfig
from iaas.cloud.preflight import PreflightError, host_reports
from iaas.drivers.libvirt import Host
from iaas.drivers.libvirt.readback import boot_supported, guest_domain_types
from iaas.engine.hostcheck import needs_of
from tests.integration.conftest import NamespacedHost, TinyGuest

pytestmark = pytest.mark.realhost


def hardware_kvm() -> bool:
    """Whether this machine's kernel has the x86 KVM modules (a bare /dev/kvm is not enough: see the driver)."""
    return any(Path(f"/sys/module/{m}").exists() for m in ("kvm_intel", "kvm_amd"))


def test_the_real_host_passes(realhost: NamespacedHost, tmp_path: Path) -> None:
    engine = iaas.Engine.open("pf", home=tmp_path, cloud={"hosts": [realhost.config()]})
    try:
        assert engine.cloud.preflight() == []
        [report] = host_reports(engine.cloud)
        expected = "kvm" if hardware_kvm() else "tcg"
        assert (report.host, report.reachable, report.acceleration) == ("h1", True, expected)
        assert report.cpus and report.cpus >= 1 and report.free_memory_mib and report.free_memory_mib > 0
        assert report.pool_path == realhost.pool_path
        assert report.bios_path is not None and Path(report.bios_path).is_file()  # no "firmware" problem
    finally:
        engine.close()


def test_guests_get_the_domain_type_the_host_offers(realhost: NamespacedHost) -> None:
    with Host("h1", realhost.uri) as host:
        offered = guest_domain_types(host.capabilities())
        expected = "kvm" if "kvm" in offered and hardware_kvm() else "qemu"
        assert "qemu" in offered and host.domain_type == expected and host.info().domain_type == expected
        assert boot_supported(host.domain_capabilities())
        host.close()
        assert host._detected_type is None  # read again from the next connection (the daemon may have changed)
        assert host.domain_type == expected


def test_a_missing_bios_is_named_with_what_to_install(
    realhost: NamespacedHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preflight, "X86_BIOS_FILES", (str(tmp_path / "qemu" / "bios-256k.bin"),))
    cloud = Cloud(
        CloudConfig(hosts=[HostConfig("h1", realhost.uri, pool_path=realhost.pool_path)], home=str(tmp_path / "home"))
    )
    try:
        [problem] = cloud.preflight()
        assert (problem.host, problem.check) == ("h1", "firmware")
        assert f"the BIOS QEMU loads for x86 guests is missing (none of {tmp_path}/qemu/bios-256k.bin)" in str(problem)
        assert "apt-get install seabios qemu-system-data" in str(problem)
    finally:
        cloud.close()


def test_apply_stops_when_the_host_is_gone(realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path) -> None:
    stack = iaas.Stack("pf")
    stack.add(iaas.Network(name="pf-lan", cidr="10.89.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="pf-tiny", **tiny_guest.image))
    stack.add(iaas.Instance(name="pf-vm", image=image, vcpus=1, memory_mib=128, root_disk_gib=1, nics=[]))
    with iaas.Engine.open("pf", home=tmp_path, cloud={"hosts": [realhost.config()]}) as engine:
        plan = engine.plan(stack)
        assert {h: (n.vcpus, n.memory_mib) for h, n in needs_of(engine.cloud, plan).items()} == {"h1": (1, 128)}
        assert needs_of(engine.cloud, engine.plan(iaas.Stack("pf"))) == {}  # nothing to do: no host is asked
    gone = {**realhost.config(), "uri": f"qemu:///system?socket={tmp_path}/moved/libvirt-sock"}
    with iaas.Engine.open("pf", home=tmp_path, cloud={"hosts": [gone]}) as engine:
        with pytest.raises(PreflightError) as caught:
            engine.apply(plan)
        assert caught.value.host == "h1" and "host 'h1': libvirtd is not reachable" in str(caught.value)
        assert engine.resources() == {} and engine.history() == []
    with Host("h1", realhost.uri) as host:
        assert [o for o in host.list_managed() if o.meta is not None and o.meta.stack == "pf"] == []
