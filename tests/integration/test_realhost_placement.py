"""Placement across two real libvirt hosts, each in its own namespaces."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import wait_for_console

pytestmark = pytest.mark.realhost


def test_anti_affinity_places_two_instances_on_two_hosts(
    realhost: NamespacedHost, realhost2: NamespacedHost, tiny_guest: TinyGuest, tmp_path: Path
) -> None:
    stack = iaas.Stack("spread")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    group = stack.add(iaas.ServerGroup(name="apart", policy="anti-affinity"))
    for name in ("a", "b"):
        stack.add(iaas.Instance(name=name, image=image, vcpus=1, memory_mib=128, root_disk_gib=1, server_group=group))
    cloud = {"hosts": [realhost.config(), realhost2.config()], "home": str(tmp_path / "cloud")}
    hosts = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    with iaas.Engine.open("spread", home=tmp_path, cloud=cloud) as engine:
        try:
            engine.apply(stack)
            placed = {}
            for name in ("a", "b"):
                found = [(h, info) for h, host in hosts.items() if (info := host.get_domain(name)) is not None]
                assert len(found) == 1, f"instance {name} is on {[h for h, _ in found]}"
                placed[name], info = found[0]
                assert info.state == "running"
                wait_for_console(Path(info.spec.console_log), f"IAAS-GUEST hostname={name}")
            assert sorted(placed.values()) == ["h1", "h2"]
        finally:
            engine.destroy()
            for host in hosts.values():
                assert host.list_managed() == []
                host.close()
