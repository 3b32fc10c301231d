"""Host preflight against the namespaced real host: it passes, and an apply whose host has gone away stops
before anything is touched, naming the host."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.cloud.preflight import PreflightError, host_reports
from iaas.drivers.libvirt import Host
from iaas.engine.hostcheck import needs_of
from tests.integration.conftest import NamespacedHost, TinyGuest

pytestmark = pytest.mark.realhost


def test_the_real_host_passes(realhost: NamespacedHost, tmp_path: Path) -> None:
    engine = iaas.Engine.open("pf", home=tmp_path, cloud={"hosts": [realhost.config()]})
    try:
        assert engine.cloud.preflight() == []
        [report] = host_reports(engine.cloud)
        expected = "kvm" if any(Path(f"/sys/module/{m}").exists() for m in ("kvm_intel", "kvm_amd")) else "tcg"
        assert (report.host, report.reachable, report.acceleration) == ("h1", True, expected)
        assert report.cpus and report.cpus >= 1 and report.free_memory_mib and report.free_memory_mib > 0
        assert report.pool_path == realhost.pool_path
    finally:
        engine.close()


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
