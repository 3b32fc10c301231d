"""Instance hardware on a real (namespaced) libvirt host under TCG: CPU modes and models, machine types, disk
buses, UEFI with secure boot and a TPM, VNC graphics; and what the plan refuses before anything is touched."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

import iaas
from iaas.drivers.libvirt import Host
from iaas.errors import ValidationError
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import wait_for_console

pytestmark = pytest.mark.realhost

STACK = "hardware"
#: Seconds for a guest to boot its kernel through OVMF under TCG and read its seed (81 s measured on a busy
#: machine; the same guest through SeaBIOS takes a few seconds).
UEFI_CONSOLE_TIMEOUT = 300.0
#: One guest per hardware combination; each reads its cloud-init seed from a CD-ROM on the machine's own bus.
GUESTS: dict[str, dict[str, Any]] = {
    "q35-host-model-sata": {"machine": "q35", "cpu_mode": "host-model", "disk_bus": "sata"},
    "pc-named-scsi-vnc": {"machine": "pc", "cpu_mode": "Nehalem", "disk_bus": "scsi", "graphics": "vnc"},
    "pc-ide-maximum": {"cpu_mode": "maximum", "disk_bus": "ide"},
    "uefi-tpm": {"machine": "q35", "firmware": "uefi", "tpm": True},
}
#: Booted from a disk with nothing signed on it: secure boot refuses what it finds (the firmware's own shell).
SECURE = {"machine": "q35", "firmware": "uefi", "secure_boot": True, "boot_order": ["disk"]}


def make_stack(guest: TinyGuest, guests: dict[str, dict[str, Any]]) -> iaas.Stack:
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="lan", cidr="10.91.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="tiny", **guest.image))
    blank = stack.add(iaas.Image(name="blank", source=guest.image["source"]))  # no kernel: the firmware boots
    for name, hardware in guests.items():
        stack.add(
            iaas.Instance(
                name=name,
                image=blank if hardware.get("secure_boot") else image,
                vcpus=1,
                memory_mib=192,
                root_disk_gib=1,
                nics=[iaas.Nic(network=lan)],
                **hardware,
            )
        )
    return stack


@pytest.fixture(scope="module")
def engine(realhost: NamespacedHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[iaas.Engine]:
    home = tmp_path_factory.mktemp("hardware-home")
    cloud = {"hosts": [realhost.config()], "home": str(home / "cloud")}
    engine = iaas.Engine.open(STACK, home=home, cloud=cloud, parallelism=4)
    yield engine
    try:
        engine.destroy()
    finally:
        engine.close()


@pytest.fixture(scope="module")
def applied(engine: iaas.Engine, tiny_guest: TinyGuest, realhost: NamespacedHost) -> dict[str, Any]:
    engine.apply(make_stack(tiny_guest, {**GUESTS, "secure": SECURE}))
    return {name: engine.store.get(f"instance.{name}") for name in [*GUESTS, "secure"]}


def test_the_plan_refuses_hardware_the_host_cannot_give(engine: iaas.Engine, tiny_guest: TinyGuest) -> None:
    wrong = {"passthrough": {"cpu_mode": "host-passthrough"}, "unknown-cpu": {"cpu_mode": "Pentium9000"}}
    with pytest.raises(ValidationError) as info:
        engine.plan(make_stack(tiny_guest, wrong))
    found = {(e.address, e.field): e.message for e in info.value.errors}
    assert "does not offer CPU mode host-passthrough" in found[("instance.passthrough", "cpu_mode")]
    assert "knows no CPU model 'Pentium9000'" in found[("instance.unknown-cpu", "cpu_mode")]
    wrong = {"no-such-machine": {"machine": "pc-q35-0.1"}}
    with pytest.raises(ValidationError) as info:
        engine.plan(make_stack(tiny_guest, wrong))
    [error] = info.value.errors
    assert (error.address, error.field) == ("instance.no-such-machine", "machine")
    assert "has no machine type 'pc-q35-0.1'" in error.message and "q35" in error.message


@pytest.mark.parametrize("name", list(GUESTS))
def test_each_guest_runs_with_its_hardware_and_reads_its_seed(
    name: str, applied: dict[str, Any], realhost: NamespacedHost
) -> None:
    info, live = running(realhost, applied[name].id)
    want = GUESTS[name]
    started = time.monotonic()
    timeout = UEFI_CONSOLE_TIMEOUT if want.get("firmware") == "uefi" else 60.0
    console = wait_for_console(Path(info.spec.console_log), f"IAAS-GUEST hostname={name}", timeout)
    print(f"{name}: the seed was read {time.monotonic() - started:.1f} s after the check began")
    assert "IAAS-GUEST hostname=" in console
    machine = re.search(r"<type arch='x86_64' machine='([^']+)'", live)
    assert machine is not None
    if want.get("machine") == "q35":
        assert machine.group(1).startswith("pc-q35")
    else:
        assert machine.group(1).startswith("pc-i440fx")
    bus = want.get("disk_bus", "virtio")
    assert re.search(rf"<target dev='[a-z]+a' bus='{bus}'/>", live), live
    if want.get("cpu_mode") == "Nehalem":
        assert "<model fallback='forbid'>Nehalem</model>" in live
    if want.get("firmware") == "uefi":
        loader = re.search(r"<loader ([^>]*)>([^<]+)</loader>", live)
        assert loader is not None and "OVMF" in loader.group(2) and "secure='yes'" not in loader.group(1)
        assert "<nvram" in live
        assert "<backend type='emulator' version='2.0'" in live


def running(realhost: NamespacedHost, id: str) -> tuple[Any, str]:
    """A guest as the driver reads it, and its live XML; it must be running."""
    host = Host("h1", realhost.uri)
    conn = libvirt.open(realhost.uri)
    try:
        info = host.get_domain(id)
        assert info is not None and info.state == "running"
        return info, conn.lookupByUUIDString(id).XMLDesc(0)
    finally:
        conn.close()
        host.close()


def test_secure_boot_is_enforced_by_the_firmware(applied: dict[str, Any], realhost: NamespacedHost) -> None:
    info, live = running(realhost, applied["secure"].id)
    loader = re.search(r"<loader [^>]*secure='yes'[^>]*>([^<]+)</loader>", live)
    assert loader is not None and "OVMF" in loader.group(1)
    assert "<smm state='on'/>" in live
    console = wait_for_console(Path(info.spec.console_log), "Security Violation", UEFI_CONSOLE_TIMEOUT)
    assert "Security Violation" in console  # the unsigned shell is refused


def test_vnc_listens_on_the_hosts_loopback(applied: dict[str, Any], realhost: NamespacedHost) -> None:
    address = applied["pc-named-scsi-vnc"].outputs["graphics_address"]
    assert address is not None and address.startswith("127.0.0.1:")
    port = int(address.split(":")[1])
    done = realhost.run("bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}; head -c 12 <&3")
    assert done.stdout.startswith("RFB "), done.stderr
    assert "graphics_address" not in applied["q35-host-model-sata"].outputs


def test_a_cpu_change_restarts_the_guest_and_the_next_plan_is_empty(
    engine: iaas.Engine, applied: dict[str, Any], tiny_guest: TinyGuest
) -> None:
    guests = {**GUESTS, "secure": SECURE}
    guests["q35-host-model-sata"] = {**GUESTS["q35-host-model-sata"], "cpu_mode": "Westmere"}
    plan = engine.plan(make_stack(tiny_guest, guests))
    change = plan.changes["instance.q35-host-model-sata"]
    assert (change.action, [(c.field, c.update) for c in change.changes]) == ("update", [("cpu_mode", "offline")])
    engine.apply(plan)
    assert engine.plan(make_stack(tiny_guest, guests)).empty
