"""Guards that keep the engine linear: per-object costs counted as operations, never timed.

Each test runs the same operation on a small and a larger stack and checks that what it costs per object does not
grow with the size of the stack: libvirt round trips per refreshed instance, parses of a network's XML per instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import iaas
from iaas.drivers.libvirt import networks, readback
from tests.libvirt_calls import LibvirtCalls


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> LibvirtCalls:
    """libvirt calls, counted while :meth:`LibvirtCalls.during` runs."""
    return LibvirtCalls(monkeypatch)


def _stack(n: int, image: Path, memory_mib: int | None = None) -> iaas.Stack:
    """``n`` instances on two networks, each with a fixed IP (and with ``memory_mib``, that much memory)."""
    stack = iaas.Stack("t")
    stack.add(iaas.Image(name="img", source=str(image)))
    for j in range(2):
        stack.add(iaas.Network(name=f"n{j}", cidr=f"10.{j}.0.0/16"))
    for i in range(n):
        nic = iaas.Nic(network=iaas.Reference("network", f"n{i % 2}"), fixed_ip=f"10.{i % 2}.1.{i // 2 + 1}")
        image_ref = iaas.Reference("image", "img")
        stack.add(iaas.Instance(name=f"vm{i}", image=image_ref, flavor="m1.tiny", memory_mib=memory_mib, nics=[nic]))
    return stack


@pytest.fixture
def engine_of(tmp_path: Path, image_file: Path) -> Iterator[Callable[[int], iaas.Engine]]:
    """An engine on a fresh embedded cloud with ``n`` instances applied."""
    opened: list[iaas.Engine] = []

    def make(n: int) -> iaas.Engine:
        engine = iaas.Engine.open("t", home=tmp_path / f"home-{n}")
        opened.append(engine)
        engine.apply(_stack(n, image_file), refresh=False)
        return engine

    yield make
    for engine in opened:
        engine.close()


def test_a_refresh_costs_the_same_libvirt_round_trips_per_instance_however_many(
    engine_of: Callable[[int], iaas.Engine], calls: LibvirtCalls, image_file: Path
) -> None:
    small, large = 6, 30
    counted = {}
    for n in (small, large):
        engine = engine_of(n)
        counted[n] = calls.during(lambda e=engine, n=n: _empty(e.plan(_stack(n, image_file), refresh=True)))
    per_instance = (sum(counted[large].values()) - sum(counted[small].values())) / (large - small)
    # the domain's own reads (XML live and as defined, state, autostart, info) and its root volume's: about 7
    assert per_instance <= 8, counted[large].most_common(8)
    # every domain, network and volume comes from one listing, whatever the size: no lookup per object
    for listing in ("virConnectListAllDomains", "virConnectListAllNetworks", "virStoragePoolListAllVolumes"):
        assert 1 <= counted[large][listing] == counted[small][listing], listing
    for lookup in ("virDomainLookupByUUIDString", "virNetworkLookupByName", "virStorageVolLookupByName"):
        assert counted[large][lookup] == 0, lookup
    # each network is read once, not once per instance on it
    assert counted[large]["virNetworkGetXMLDesc"] == counted[small]["virNetworkGetXMLDesc"] <= 2


def test_a_plan_that_places_and_grows_nothing_reads_no_host_capacity(
    engine_of: Callable[[int], iaas.Engine], calls: LibvirtCalls, image_file: Path
) -> None:
    # A host's size (and on a QEMU host its capabilities, which libvirtd rebuilds on every call: about a second)
    # only matters to a plan that places something new or grows an instance.
    engine = engine_of(4)
    counted = calls.during(lambda: _empty(engine.plan(_stack(4, image_file), refresh=True)))
    assert counted["virNodeGetInfo"] == 0, counted.most_common(8)
    counted = calls.during(lambda: engine.plan(_stack(4, image_file, memory_mib=1024), refresh=True))
    assert counted["virNodeGetInfo"] >= 1  # a growing instance must still fit its host


def test_an_apply_parses_each_network_xml_a_fixed_number_of_times(
    engine_of: Callable[[int], iaas.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    parses: list[int] = []
    real = readback.network_spec
    monkeypatch.setattr(readback, "network_spec", lambda xml: parses.append(1) or real(xml))
    counted = {}
    for n in (6, 30):
        networks._parsed.clear()
        parses.clear()
        engine_of(n)
        counted[n] = len(parses)
    assert counted[30] == counted[6], counted


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The root tags of the XML documents parsed from now on."""
    tags: list[str] = []
    real = ET.fromstring

    def counting(text: str | bytes, parser: ET.XMLParser | None = None) -> ET.Element:
        root = real(text, parser)
        tags.append(root.tag)
        return root

    monkeypatch.setattr(ET, "fromstring", counting)
    return tags


def test_a_refresh_parses_each_domain_xml_once_on_a_simulated_host(
    engine_of: Callable[[int], iaas.Engine], parsed: list[str], image_file: Path
) -> None:
    # the live XML once (sizes, NICs, disks, metadata, graphics), the definition only when it differs: on libvirt's
    # test driver a running guest's two XMLs differ only by its id; what the apply read back is not read again
    counted = {}
    for n in (6, 30):
        engine = engine_of(n)
        parsed.clear()
        _empty(engine.plan(_stack(n, image_file), refresh=True))
        counted[n] = parsed.count("domain")
    assert counted[30] - counted[6] <= 30 - 6, counted


def test_the_next_command_reads_back_only_the_xml_that_changed(
    tmp_path: Path, parsed: list[str], image_file: Path
) -> None:
    # each command is a new process: the domain and volume XML it read back is kept by content for the next one
    def plan(memory_mib: int | None) -> tuple[int, int]:
        parsed.clear()
        with iaas.Engine.open("t", home=tmp_path) as engine:
            _empty(engine.plan(_stack(8, image_file, memory_mib=memory_mib), refresh=True))
        return parsed.count("domain"), parsed.count("volume")

    with iaas.Engine.open("t", home=tmp_path) as engine:
        engine.apply(_stack(8, image_file), refresh=False)
    plan(None)  # reads back the guests as they run now
    assert plan(None) == (0, 0)
    with iaas.Engine.open("t", home=tmp_path) as engine:
        engine.apply(_stack(8, image_file, memory_mib=256), refresh=False)
    assert plan(256)[1] == 0  # the volumes did not change
    assert plan(256) == (0, 0)


def _empty(plan: iaas.Plan) -> None:
    assert plan.empty, plan.summary()


def test_a_refresh_reads_the_inventory_records_of_a_stack_together(tmp_path: Path) -> None:
    # Kinds whose object is their inventory record are read for a refresh with a few queries, not one each.
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d t@iaas"
    counted = {}
    for n in (5, 50):
        stack = iaas.Stack("keys")
        for i in range(n):
            stack.add(iaas.KeyPair(name=f"k{i}", public_key=key))
        with iaas.Engine.open("keys", home=tmp_path / f"home-{n}") as engine:
            engine.apply(stack, refresh=False)
            before = engine.cloud.inventory.statements
            _empty(engine.plan(stack, refresh=True))
            counted[n] = engine.cloud.inventory.statements - before
    assert counted[50] == counted[5], counted


def test_an_apply_reads_the_whole_state_once_to_plan_and_once_to_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each read decodes every record of the stack: one to plan, one to check the plan is current; one more after
    # the steps only when the stack has outputs to resolve
    from iaas.state.sqlite import SQLiteStore

    reads: list[int] = []
    real = SQLiteStore.read
    monkeypatch.setattr(SQLiteStore, "read", lambda self: reads.append(1) or real(self))
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d k@h"

    def stack(n: int, public_key: str, output: bool) -> iaas.Stack:
        s = iaas.Stack("t")
        for i in range(n):
            s.add(iaas.KeyPair(name=f"k{i}", public_key=public_key if i == 0 else key))
        if output:
            s.output("k0", "${key_pair.k0.id}")
        return s

    with iaas.Engine.open("t", home=tmp_path / "home") as engine:
        for output in (False, True):
            engine.apply(stack(20, key, output))
            reads.clear()
            engine.apply(stack(20, key.replace("k@h", "other@h"), output))
            assert len(reads) == (3 if output else 2), output
            engine.apply(stack(20, key, output))


def test_a_destroy_leaves_its_guests_dhcp_entries_to_the_networks_it_deletes(
    engine_of: Callable[[int], iaas.Engine], calls: LibvirtCalls
) -> None:
    # removing one entry rewrites the whole network on its host: a network emptied guest by guest costs the square
    # of its guests; deleted with them, it takes their entries along
    engine = engine_of(6)
    counted = calls.during(lambda: engine.destroy())
    assert counted["virNetworkUpdate"] == 0, counted.most_common(12)
    assert counted["virNetworkGetXMLDesc"] <= 2 * 6 + 4, counted.most_common(12)


def test_guests_deleted_from_networks_that_stay_remove_their_dhcp_entries_once_each(
    engine_of: Callable[[int], iaas.Engine], calls: LibvirtCalls, image_file: Path
) -> None:
    # the network's XML grows with its guests: each read of it costs what the network holds; its DHCP entry of a
    # guest is removed once, though the guest's NICs are known from the host and from the state
    engine = engine_of(6)
    counted = calls.during(lambda: engine.apply(_stack(0, image_file)))
    assert counted["virNetworkUpdate"] == 6, counted.most_common(12)
    assert counted["virNetworkGetXMLDesc"] <= 4 * 6 + 4, counted.most_common(12)
    host = engine.cloud.hosts["default"]
    assert [host.get_network(f"n{j}").spec.dhcp_hosts for j in range(2)] == [(), ()]  # type: ignore[union-attr]
