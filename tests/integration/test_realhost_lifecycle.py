"""Guest lifecycle on a real libvirt host: graceful shutdown on delete, forced after stop_timeout, and the console
log a failed create leaves behind."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import iaas
from iaas.cli import console as cli_console
from iaas.cloud.kinds._instance_parts import console_name
from iaas.cloud.pools import VOLUME_POOL
from iaas.drivers.libvirt import Host
from tests.integration.conftest import NamespacedHost, TinyGuest, _host, restart_host
from tests.integration.test_realhost_stack import wait_for_console

pytestmark = pytest.mark.realhost

STACK = "life"
RESTART_TIMEOUT = 60.0  # seconds for a restarted host's daemon to start its autostart guests


def make_stack(guest: TinyGuest, *, late: bool = False) -> iaas.Stack:
    """A polite guest (powers off on ACPI), a deaf one (ignores it); ``late``: one that cannot get its lease in 1 s."""
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="lan", cidr="10.89.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    deaf_boot = {**guest.image, "cmdline": guest.image["cmdline"] + " iaas.acpi=ignore"}
    deaf_image = stack.add(iaas.Image(name="tiny-deaf", **deaf_boot))
    size = {"vcpus": 1, "memory_mib": 192, "root_disk_gib": 1}
    nic = [iaas.Nic(network=lan)]
    stack.add(iaas.Instance(name="polite", image=image, nics=nic, stop_timeout=300, **size))
    stack.add(iaas.Instance(name="deaf", image=deaf_image, nics=nic, stop_timeout=2, **size))
    if late:
        stack.add(iaas.Instance(name="late", image=image, nics=nic, wait_for_address=True, address_timeout=1, **size))
    return stack


@pytest.fixture(scope="module")
def engine(realhost: NamespacedHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[iaas.Engine]:
    home = tmp_path_factory.mktemp("life-home")
    engine = iaas.Engine.open(STACK, home=home, cloud={"hosts": [realhost.config()], "home": str(home / "cloud")})
    yield engine
    try:
        engine.destroy()
    finally:
        engine.close()


def console(realhost: NamespacedHost, instance_id: str) -> Path:
    return Path(realhost.pool_path) / "volumes" / console_name(instance_id)


def test_a_failed_create_keeps_the_console_log_and_says_where(
    engine: iaas.Engine, realhost: NamespacedHost, tiny_guest: TinyGuest
) -> None:
    with pytest.raises(iaas.ApplyError) as caught:
        engine.apply(make_stack(tiny_guest, late=True))
    failure = str(caught.value.failures["instance.late"])
    assert "wait_for_address: after " in failure
    found = re.search(r"the guest's console log is kept on host 'h1' at (\S+)$", failure)
    assert found, failure
    kept = Path(found.group(1))
    assert kept.exists()
    assert engine.store.get("instance.late") is None  # rolled back
    # The kept log is the user's to read and remove; removed here, so that the later tests on this shared host
    # find only what they made themselves.
    with Host("cleanup", realhost.uri) as driver:
        driver.delete_volume(VOLUME_POOL, kept.name)
    assert not kept.exists()


def test_delete_shuts_a_guest_down_and_forces_one_that_ignores_acpi(
    engine: iaas.Engine, realhost: NamespacedHost, tiny_guest: TinyGuest, caplog: pytest.LogCaptureFixture
) -> None:
    engine.apply(make_stack(tiny_guest))
    ids = {name: engine.store.get(f"instance.{name}").id for name in ("polite", "deaf")}  # type: ignore[union-attr]
    wait_for_console(console(realhost, ids["polite"]), "IAAS-GUEST acpi=poweroff")
    wait_for_console(console(realhost, ids["deaf"]), "IAAS-GUEST acpi=ignored")
    printed: list[str] = []
    assert cli_console.show(engine, "polite", follow=False, write=printed.append) == 0
    assert "IAAS-GUEST acpi=poweroff" in "".join(printed)
    assert "\x1b" not in "".join(printed)  # the guest's terminal escapes are shown, not sent to the terminal
    followed: list[str] = []
    polls: list[float] = []

    def wait(seconds: float) -> None:  # the user presses Ctrl-C after the third look
        polls.append(seconds)
        if len(polls) == 3:
            raise KeyboardInterrupt

    assert cli_console.show(engine, "instance.deaf", follow=True, write=followed.append, wait=wait) == 0
    assert "IAAS-GUEST acpi=ignored" in "".join(followed) and len(polls) == 3
    caplog.set_level(logging.INFO, logger="iaas.cloud.kinds.instance")
    engine.destroy()
    assert "instance.polite: the guest shut down by itself" in caplog.text
    assert "instance.deaf: the guest did not shut down within 2 s; powered off" in caplog.text
    assert not console(realhost, ids["polite"]).exists()


def test_guests_that_should_run_run_again_after_the_host_restarts(
    realhost_factory: dict[str, NamespacedHost], tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The host stops with its guests, its run state is cleared (as a reboot does), its daemon starts again."""
    host = _host(realhost_factory, "boot", tmp_path_factory)
    home = tmp_path_factory.mktemp("boot-home")
    cloud = {"hosts": [host.config()], "home": str(home / "cloud")}
    stack = iaas.Stack("boot")
    lan = stack.add(iaas.Network(name="lan", cidr="10.90.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **tiny_guest.image))
    size = {"vcpus": 1, "memory_mib": 192, "root_disk_gib": 1, "nics": [iaas.Nic(network=lan)]}
    stack.add(iaas.Instance(name="up", image=image, **size))
    stack.add(iaas.Instance(name="down", image=image, power_state="stopped", **size))
    with iaas.Engine.open("boot", home=home, cloud=cloud) as engine:
        engine.apply(stack)
        ids = {name: engine.store.get(f"instance.{name}").id for name in ("up", "down")}  # type: ignore[union-attr]

    host = restart_host(realhost_factory, "boot")

    with Host("boot", host.uri) as driver:
        deadline = time.monotonic() + RESTART_TIMEOUT
        while driver.get_domain(ids["up"]).state != "running":  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the guest did not start with its host"
            time.sleep(0.2)
        assert driver.get_domain(ids["down"]).state == "shutoff"  # type: ignore[union-attr]
        assert driver.get_network("lan").active  # type: ignore[union-attr]
    with iaas.Engine.open("boot", home=home, cloud=cloud) as engine:
        plan = engine.plan(stack)
        assert plan.empty, {a: c.action for a, c in plan.changes.items() if c.action != "noop"}
        engine.destroy()
