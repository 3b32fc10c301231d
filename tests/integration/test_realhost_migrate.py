"""A running guest moves live from one real host to the other when its ``host`` changes (the plan's migrate)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.drivers.libvirt import Host
from iaas.engine.render import render_plan
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_overlay import UNDERLAY, underlay  # noqa: F401 - the underlay fixture
from tests.integration.test_realhost_stack import connect, wait_for_console

pytestmark = pytest.mark.realhost

BOOTED = "IAAS-GUEST acpi="  # the first line the guest prints on its console after each boot


def server(tiny_guest: TinyGuest, host: str, power_state: str = "running") -> iaas.Stack:
    """One guest with a fixed IP on a network of h1, placed on ``host``."""
    stack = iaas.Stack("move")
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    net = stack.add(iaas.Network(name="lan", cidr="10.78.0.0/24", mode="isolated", host="h1"))
    stack.add(
        iaas.Instance(
            name="mover",
            image=image,
            vcpus=1,
            memory_mib=128,
            root_disk_gib=1,
            host=host,
            power_state=power_state,
            nics=[{"network": net, "fixed_ip": "10.78.0.10"}],
        )
    )
    return stack


@pytest.fixture
def two_hosts(
    realhost: NamespacedHost,
    realhost2: NamespacedHost,
    underlay: None,  # noqa: F811
    tmp_path: Path,
) -> Iterator[tuple[iaas.Engine, dict[str, Host]]]:
    """An engine on h1 and h2 joined by the underlay, and each host's libvirt; everything is destroyed after."""
    hosts = [realhost.config() | {"underlay": UNDERLAY["h1"]}, realhost2.config() | {"underlay": UNDERLAY["h2"]}]
    cloud = {"hosts": hosts, "home": str(tmp_path / "cloud")}
    libvirt = {"h1": Host("h1", realhost.uri), "h2": Host("h2", realhost2.uri)}
    with iaas.Engine.open("move", home=tmp_path, cloud=cloud) as engine:
        try:
            yield engine, libvirt
        finally:
            engine.destroy()
            for host in libvirt.values():
                assert host.list_managed() == []
                host.close()


def test_a_running_guest_migrates_live_and_keeps_its_address(
    two_hosts: tuple[iaas.Engine, dict[str, Host]],
    realhost: NamespacedHost,
    realhost2: NamespacedHost,
    tiny_guest: TinyGuest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, libvirt = two_hosts
    engine.apply(server(tiny_guest, "h1"))
    id = engine.resources()["instance.mover"].id
    before = libvirt["h1"].get_domain(id)
    assert before is not None and before.state == "running"
    console = wait_for_console(Path(str(before.spec.console_log)), "IAAS-GUEST ready")
    assert console.count(BOOTED) == 1 and "IAAS-GUEST ip=10.78.0.10" in console
    assert "hello from mover" in connect(realhost, "10.78.0.10", 7, attempts=60).stdout

    plan = engine.plan(server(tiny_guest, "h2"))
    assert plan.changes["instance.mover"].action == "migrate"
    assert "1 to migrate" in render_plan(plan)
    with caplog.at_level(logging.INFO, logger="iaas.cloud.kinds._migrate"):
        engine.apply(plan)
    assert "instance.mover: moved from host h1 to host h2 (live, while it ran)" in caplog.messages

    assert libvirt["h1"].get_domain(id) is None
    after = libvirt["h2"].get_domain(id)
    assert after is not None and after.state == "running"
    assert engine.resources()["instance.mover"].outputs["host"] == "h2"
    # still at its address, now over the overlay from h1 (the network's gateway) to h2
    assert "hello from mover" in connect(realhost, "10.78.0.10", 7, attempts=60).stdout
    # it did not boot again: its console on h2 shows no boot
    moved_console = Path(str(after.spec.console_log))
    assert moved_console.is_relative_to(realhost2.pool_path) and moved_console.exists()
    assert BOOTED not in moved_console.read_text(errors="replace")
    assert engine.plan(server(tiny_guest, "h2"), refresh=True).empty


def test_a_stopped_guest_moves_cold_with_its_disk_and_seed_and_boots_there(
    two_hosts: tuple[iaas.Engine, dict[str, Host]],
    realhost: NamespacedHost,
    tiny_guest: TinyGuest,
) -> None:
    engine, libvirt = two_hosts
    engine.apply(server(tiny_guest, "h1", "stopped"))
    id = engine.resources()["instance.mover"].id
    root = libvirt["h1"].get_volume("iaas-volumes", f"iaas-{id}-root.qcow2")
    assert root is not None and root.backing_path is not None
    assert engine.plan(server(tiny_guest, "h2", "stopped")).changes["instance.mover"].action == "migrate"
    engine.apply(server(tiny_guest, "h2", "stopped"))
    assert libvirt["h1"].get_domain(id) is None
    assert libvirt["h1"].get_volume("iaas-volumes", f"iaas-{id}-root.qcow2") is None
    moved = libvirt["h2"].get_domain(id)
    assert moved is not None and moved.state == "shutoff"
    copy = libvirt["h2"].get_volume("iaas-volumes", f"iaas-{id}-root.qcow2")
    assert copy is not None and copy.capacity_bytes == root.capacity_bytes
    engine.apply(server(tiny_guest, "h2"))  # it boots on h2 from the moved disk and seed
    assert engine.resources()["instance.mover"].id == id  # the same instance, not a new one
    console = wait_for_console(Path(str(moved.spec.console_log)), "IAAS-GUEST ready")
    assert "IAAS-GUEST hostname=mover" in console and "IAAS-GUEST ip=10.78.0.10" in console
    assert "hello from mover" in connect(realhost, "10.78.0.10", 7, attempts=60).stdout
    assert engine.plan(server(tiny_guest, "h2"), refresh=True).empty
