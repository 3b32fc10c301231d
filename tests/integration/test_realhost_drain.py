"""Draining a real host: its guest moves to the other host (cold: no underlay), and the stack's plan is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.api import Drain, drained_hosts
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import wait_for_console

pytestmark = pytest.mark.realhost


def test_a_drained_hosts_guest_runs_on_the_other_host(
    realhost: NamespacedHost, realhost2: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = iaas.Stack("maint")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    stack.add(iaas.Instance(name="vm", image=image, vcpus=1, memory_mib=128, root_disk_gib=1))
    cloud = {"hosts": [realhost.config(), realhost2.config()], "home": str(tmp_path / "cloud")}
    libvirt = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    with iaas.Engine.open("maint", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            source = engine.resources()["instance.vm"].outputs["host"]
            target = "h2" if source == "h1" else "h1"
            drain = Drain(engine.cloud, str(tmp_path / "state.db"))
            plan = drain.plan(source)
            assert [(m.address, m.target) for m in plan.moves] == [("instance.vm", target)]
            drain.apply(plan)
            assert drained_hosts(engine.cloud) == {source: "is drained for maintenance (iaas host drain)"}
            assert engine.resources()["instance.vm"].outputs["host"] == target
            assert [d.name for d in libvirt[source].list_managed() if d.type == "domain"] == []
            info = libvirt[target].get_domain("vm")
            assert info is not None
            wait_for_console(Path(info.spec.console_log), "IAAS-GUEST ready")  # the guest boots on its new host
            assert engine.plan(stack).empty
        finally:
            engine.destroy()
            for host in libvirt.values():
                assert host.list_managed() == []
                host.close()
