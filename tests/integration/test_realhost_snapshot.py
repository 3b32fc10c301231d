"""Snapshots on a real libvirt host (QEMU, in private namespaces): data written, snapshot, changed, reverted, back.

The tiny guest is a busybox initramfs: it runs no shell one can reach and
keeps no file system on its disk.  The data is written into the instance's
root disk (its qcow2 volume) while the instance is stopped, with ``qemu-io``
(a running QEMU lets no one else write to that disk), and read back the same
way, alongside QEMU while the guest runs.  That the guest resumes from its saved memory,
or boots again, is seen on its serial console and its TCP port.

The tests run in order on one stack.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import libvirt
import pytest

import iaas
from tests.integration.conftest import NamespacedHost, TinyGuest
from tests.integration.test_realhost_stack import LEASE_TIMEOUT, connect

pytestmark = pytest.mark.realhost

STACK = "snap"
READY = "IAAS-GUEST ready"
Snaps = dict[str, tuple[bool, int]]  # snapshot name -> (memory, revert)
Clones = Sequence[tuple[str, str, iaas.Reference, str]]  # image name, source field, source, power of its instance


def make_stack(guest: TinyGuest, snapshots: Snaps, power: str = "running", clones: Clones = ()) -> iaas.Stack:
    """One guest and its snapshots; and images copied from it, each with an instance built on it."""
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="snap-lan", cidr="10.87.0.0/24", mode="isolated"))
    image = stack.add(iaas.Image(name="snap-tiny", **guest.image))
    vm = stack.add(
        iaas.Instance(
            name="snap-vm",
            image=image,
            vcpus=1,
            memory_mib=192,
            root_disk_gib=1,
            nics=[iaas.Nic(network=lan)],
            power_state=power,
            stop_timeout=20,
            wait_for_port=7,
        )
    )
    for name, (memory, revert) in snapshots.items():
        stack.add(iaas.Snapshot(name=name, instance=vm, memory=memory, revert=revert, description=f"test {name}"))
    for name, field, source, clone_power in clones:
        copy = stack.add(iaas.Image(name=name, **{**guest.image, "source": None, field: source}))
        stack.add(
            iaas.Instance(
                name=f"{name}-vm",
                image=copy,
                vcpus=1,
                memory_mib=192,
                root_disk_gib=1,
                nics=[iaas.Nic(network=lan)],
                power_state=clone_power,
                wait_for_port=7,
            )
        )
    return stack


@pytest.fixture(scope="module")
def world(
    realhost: NamespacedHost, tiny_guest: TinyGuest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    home = tmp_path_factory.mktemp("snap-home")
    engine = iaas.Engine.open(STACK, home=home, cloud={"hosts": [realhost.config()], "home": str(home / "cloud")})
    conn = libvirt.open(realhost.uri)
    yield {"engine": engine, "conn": conn, "guest": tiny_guest, "ns": realhost}
    try:
        engine.destroy()
    finally:
        engine.close()
        conn.close()


# ------------------------------------------------------------ the guest's disk


def _domain(world: dict, name: str = "snap-vm") -> libvirt.virDomain:
    return world["conn"].lookupByName(name)


def _root_disk(world: dict, name: str = "snap-vm") -> str:
    found = re.search(r"<source file='([^']+-root\.qcow2)'", _domain(world, name).XMLDesc(0))
    assert found
    return found.group(1)


def write_offline(world: dict, byte: int) -> None:
    """Fill the first 64 KiB of the stopped guest's disk with ``byte``."""
    assert not _domain(world).isActive()
    done = subprocess.run(
        ["qemu-io", "-f", "qcow2", "-c", f"write -P {byte:#x} 0 64k", _root_disk(world)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "wrote 65536/65536 bytes" in done.stdout, done.stdout + done.stderr


def holds(world: dict, byte: int, name: str = "snap-vm") -> bool:
    """Whether the first 64 KiB of the guest's disk all hold ``byte``.

    While the guest runs the file is read alongside QEMU (``-U``): nothing
    writes that part of the disk then, and QEMU writes a revert's tables to
    the file before it lets the guest run.
    """
    done = subprocess.run(
        ["qemu-io", "-r", "-U", "-f", "qcow2", "-c", f"read -P {byte:#x} 0 64k", _root_disk(world, name)],
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout + done.stderr
    if "read 65536/65536 bytes" not in out and "verification failed" not in out:
        raise AssertionError(f"reading the guest's disk failed: {out}")
    return "verification failed" not in out


# ------------------------------------------------------------ the guest itself


def _console(world: dict) -> Path:
    found = re.search(r"<log file='([^']+)'", _domain(world).XMLDesc(0))
    assert found
    return Path(found.group(1))


def boots(world: dict) -> int:
    """How many times the guest has come up so far."""
    return _console(world).read_text(errors="replace").count(READY)


def wait_for_boots(world: dict, count: int) -> int:
    """The number of boots once it reaches ``count`` (or what it is after LEASE_TIMEOUT)."""
    deadline = time.monotonic() + LEASE_TIMEOUT
    while boots(world) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return boots(world)


def _address(world: dict, name: str = "snap-vm") -> str:
    rec = next(r for r in world["engine"].cloud.managed_objects(STACK) if r.address == f"instance.{name}")
    return str(rec.data["outputs"]["ip_address"])


def _changes(plan: iaas.Plan) -> dict[str, str]:
    return {a: c.action for a, c in plan.changes.items() if c.action != "noop"}


def _apply(world: dict, snaps: Snaps, power: str = "running", clones: Clones = ()) -> None:
    assert world["engine"].apply(make_stack(world["guest"], snaps, power, clones)).ok


# ------------------------------------------------------------ the scenario


def test_a_snapshot_with_memory_brings_the_data_and_the_running_guest_back(world: dict) -> None:
    _apply(world, {}, "stopped")
    write_offline(world, 0x41)
    _apply(world, {})
    assert wait_for_boots(world, 1) == 1
    _apply(world, {"with-memory": (True, 0)})
    assert "<memory snapshot='internal'/>" in _domain(world).snapshotLookupByName("with-memory").getXMLDesc(0)
    _apply(world, {"with-memory": (True, 0)}, "stopped")
    write_offline(world, 0x42)
    _apply(world, {"with-memory": (True, 0)})
    assert wait_for_boots(world, 2) == 2
    assert holds(world, 0x42) and not holds(world, 0x41)
    plan = world["engine"].plan(make_stack(world["guest"], {"with-memory": (True, 1)}))
    assert _changes(plan) == {"snapshot.with-memory": "update"}
    assert world["engine"].apply(plan).ok
    assert _domain(world).state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert holds(world, 0x41)
    # Resumed from its memory, not booted: no new boot on the console, and the guest answers.
    assert boots(world) == 2
    answer = connect(world["ns"], _address(world), 7, attempts=30)
    assert "hello from snap-vm" in answer.stdout, answer.stderr


def test_a_disk_only_snapshot_of_a_stopped_instance_brings_the_data_back(world: dict) -> None:
    snaps: Snaps = {"with-memory": (True, 1)}
    _apply(world, snaps, "stopped")
    write_offline(world, 0x43)
    snaps["disk-only"] = (False, 0)
    _apply(world, snaps, "stopped")
    xml = _domain(world).snapshotLookupByName("disk-only").getXMLDesc(0)
    assert "<memory snapshot='no'/>" in xml and "<state>shutoff</state>" in xml
    write_offline(world, 0x44)
    snaps["disk-only"] = (False, 1)
    _apply(world, snaps, "stopped")
    assert not _domain(world).isActive()  # a revert keeps the instance's power_state
    assert holds(world, 0x43)


def test_reverting_a_running_instance_to_a_disk_only_snapshot_boots_it_from_the_disks(world: dict) -> None:
    snaps: Snaps = {"with-memory": (True, 1), "disk-only": (False, 1)}
    before = boots(world)
    _apply(world, snaps)
    assert wait_for_boots(world, before + 1) == before + 1
    snaps["with-memory"] = (True, 2)  # back to 0x41 (and to its memory)
    _apply(world, snaps)
    assert holds(world, 0x41)
    snaps["disk-only"] = (False, 2)
    _apply(world, snaps)
    assert _domain(world).state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert holds(world, 0x43)
    assert wait_for_boots(world, before + 2) == before + 2
    assert world["engine"].plan(make_stack(world["guest"], snaps)).empty


def test_a_snapshot_deleted_out_of_band_is_drift_and_taken_again(world: dict) -> None:
    _domain(world).snapshotLookupByName("disk-only").delete(0)
    world["engine"].refresh()
    snaps: Snaps = {"with-memory": (True, 2), "disk-only": (False, 2)}
    assert _changes(world["engine"].plan(make_stack(world["guest"], snaps))) == {"snapshot.disk-only": "create"}
    _apply(world, snaps)
    assert sorted(_domain(world).snapshotListNames()) == ["disk-only", "with-memory"]


def test_images_copied_from_a_snapshot_and_from_a_stopped_instance_hold_their_data(world: dict) -> None:
    snaps: Snaps = {"with-memory": (True, 2), "disk-only": (False, 2)}
    from_snapshot = ("from-disk-only", "source_snapshot", iaas.Reference("snapshot", "disk-only"), "running")
    # The instance runs (it holds 0x43 since its disk-only revert); a snapshot's copy does not need it stopped.
    _apply(world, snaps, clones=[from_snapshot])
    assert holds(world, 0x43, "from-disk-only-vm")
    answer = connect(world["ns"], _address(world, "from-disk-only-vm"), 7, attempts=30)
    assert "hello from from-disk-only-vm" in answer.stdout, answer.stderr
    _apply(world, snaps, "stopped", clones=[from_snapshot])
    write_offline(world, 0x45)
    from_instance = ("from-vm", "source_instance", iaas.Reference("instance", "snap-vm"), "stopped")
    _apply(world, snaps, "stopped", clones=[from_snapshot, from_instance])
    assert holds(world, 0x45, "from-vm-vm") and holds(world, 0x43, "from-disk-only-vm")
    images = world["engine"].cloud.managed_objects(STACK)
    copy = next(r for r in images if r.address == "image.from-vm")
    assert copy.data["outputs"]["size"] > 65536


def test_destroy_deletes_the_snapshots_before_the_guest(world: dict) -> None:
    engine = world["engine"]
    order: list[str] = []
    engine.on_event = lambda kind, address, data: order.append(address) if kind == "done" else None
    assert engine.destroy().ok
    assert order.index("snapshot.with-memory") < order.index("instance.snap-vm")
    assert order.index("snapshot.disk-only") < order.index("instance.snap-vm")
    assert "snap-vm" not in [d.name() for d in world["conn"].listAllDomains(0)]
