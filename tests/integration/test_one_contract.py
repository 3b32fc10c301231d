"""One contract, two kinds of host: the same stack behaves alike on the embedded simulated host and on a real one.

Apply, an empty plan right after, a live memory change, a root disk grown
under the running guest, and a destroy that leaves nothing of the stack behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import iaas
from iaas.drivers.libvirt import Host

STACK = "contract"
BALLOON_TIMEOUT = 60.0  # seconds for a real guest's balloon driver to hand memory back


@attrs.define
class Target:
    """An engine on one kind of host, the host's name and the image inputs its guest boots from."""

    engine: iaas.Engine
    host_name: str
    image: dict[str, str]

    @property
    def host(self) -> Host:
        """The driver's view of the host."""
        return self.engine.cloud.hosts[self.host_name]


@pytest.fixture(params=["simulated", pytest.param("real", marks=pytest.mark.realhost)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """The engine on the embedded simulated host, or on the namespaced real host with the tiny guest."""
    if request.param == "simulated":
        source = tmp_path / "disk.qcow2"
        source.write_bytes(b"QFI\xfb" + bytes(4096))
        engine = iaas.Engine.open(STACK, home=tmp_path / "home")
        found = Target(engine, "default", {"source": str(source)})
    else:
        realhost = request.getfixturevalue("realhost")
        guest = request.getfixturevalue("tiny_guest")
        engine = iaas.Engine.open(
            STACK, home=tmp_path / "home", cloud={"hosts": [realhost.config()], "home": str(tmp_path / "cloud")}
        )
        found = Target(engine, "h1", guest.image)
    try:
        yield found
    finally:
        try:
            engine.destroy()
        finally:
            engine.close()


def make_stack(image: dict[str, Any], memory_mib: int = 256, root_disk_gib: int = 1) -> iaas.Stack:
    """A network, an image and one instance on it."""
    stack = iaas.Stack(STACK)
    lan = stack.add(iaas.Network(name="clan", cidr="10.91.0.0/24", mode="isolated"))
    tiny = stack.add(iaas.Image(name="ctiny", **image))
    stack.add(
        iaas.Instance(
            name="cvm",
            image=tiny,
            vcpus=1,
            memory_mib=memory_mib,
            max_memory_mib=256,
            root_disk_gib=root_disk_gib,
            nics=[iaas.Nic(network=lan)],
        )
    )
    return stack


def live_memory(host: Host, id: str, wanted: int) -> int:
    """The guest's memory now, waiting (boundedly) for a real guest's balloon to reach ``wanted``."""
    start = time.monotonic()
    info = host.get_domain(id)
    while info is not None and info.memory_mib != wanted and time.monotonic() - start < BALLOON_TIMEOUT:
        time.sleep(0.2)
        info = host.get_domain(id)
    assert info is not None
    return info.memory_mib


def test_apply_plan_live_changes_and_destroy(target: Target) -> None:
    engine, host = target.engine, target.host
    assert engine.apply(make_stack(target.image)).ok
    before = host.get_domain("cvm")
    assert before is not None and (before.state, before.memory_mib) == ("running", 256)
    volumes = [o.name for o in host.list_managed() if o.type == "volume"]
    assert any(before.uuid in name for name in volumes), volumes  # its root disk
    plan = engine.plan(make_stack(target.image))
    assert plan.empty, {a: c.action for a, c in plan.changes.items() if c.action != "noop"}

    plan = engine.plan(make_stack(target.image, memory_mib=192))
    assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {"instance.cvm": "update"}
    engine.apply(plan)
    after = host.get_domain("cvm")
    assert after is not None and (after.uuid, after.state, after.spec.memory_mib) == (before.uuid, "running", 192)
    assert live_memory(host, before.uuid, 192) == 192
    assert engine.plan(make_stack(target.image, memory_mib=192)).empty

    assert host.disk_capacity_live(before.uuid, "vda") == 2**30
    engine.apply(make_stack(target.image, memory_mib=192, root_disk_gib=2))
    grown = host.get_domain("cvm")
    assert grown is not None and (grown.uuid, grown.state) == (before.uuid, "running")
    assert host.disk_capacity_live(before.uuid, "vda") == 2 * 2**30
    assert engine.plan(make_stack(target.image, memory_mib=192, root_disk_gib=2)).empty

    engine.destroy()
    assert engine.cloud.managed_objects(STACK) == []
    assert [o for o in host.list_managed() if o.meta is not None and o.meta.stack == STACK] == []
    assert [o.name for o in host.list_managed() if o.type == "volume" and before.uuid in o.name] == []
