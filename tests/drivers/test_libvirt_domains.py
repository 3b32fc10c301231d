"""Guest primitives on simulated hosts."""

from __future__ import annotations

import pytest

from iaas.drivers.libvirt import DiskSpec, DomainSpec, Host, Meta, NicSpec
from iaas.errors import HostError, NotFoundError
from tests.drivers._libvirt_helpers import META, UUID1, UUID2, dom_spec, net_spec


def _full(host: Host) -> DomainSpec:
    host.define_network(net_spec(), META)
    host.ensure_pool("iaas", "/var/lib/iaas/images")
    return dom_spec(
        vcpus=2,
        memory_mib=1024,
        max_vcpus=4,
        max_memory_mib=4096,
        disks=[DiskSpec("vda", pool="iaas", volume="iaas-root.qcow2"), DiskSpec("vdb", path="/data.img", format="raw")],
        nics=[NicSpec("web-net", "52:54:00:00:00:01", filter="iaas-sg-web", filter_params=[("IP", "10.10.0.5")])],
        cdrom="/var/lib/iaas/seed.iso",
        console_log="/var/log/iaas/app.log",
    )


def test_define_reads_back(host: Host) -> None:
    spec = _full(host)
    info = host.define_domain(spec, META)
    assert info.spec == spec
    assert (info.name, info.uuid, info.state, info.meta) == ("app", UUID1, "shutoff", META)
    assert (info.vcpus, info.max_vcpus, info.memory_mib, info.max_memory_mib) == (2, 4, 1024, 4096)
    assert info.nics == spec.nics and info.disks == spec.disks
    assert host.get_domain(UUID1) == info == host.get_domain("app")


def test_redefine_replaces_definition(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    info = host.define_domain(dom_spec(memory_mib=768, kernel="/k", cmdline="quiet"), META)
    assert info.spec == dom_spec(memory_mib=768, kernel="/k", cmdline="quiet")


def test_lifecycle(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]
    host.start_domain(UUID1)  # already running: fine
    host.reboot_domain(UUID1)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]
    assert host.stop_domain(UUID1, timeout=30) is True
    assert host.get_domain(UUID1).state == "shutoff"  # type: ignore[union-attr]
    assert host.stop_domain(UUID1) is True  # already off
    with pytest.raises(HostError) as caught:
        host.reboot_domain(UUID1)
    assert caught.value.operation == f"reboot domain {UUID1}"


def test_stop_forces_a_guest_that_ignores_shutdown(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    import libvirt

    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    monkeypatch.setattr(libvirt.virDomain, "shutdown", lambda self: 0)  # a guest deaf to ACPI
    with pytest.raises(HostError, match="did not shut down"):
        host.stop_domain(UUID1, timeout=0, force=False)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]
    assert host.stop_domain(UUID1, timeout=0) is False
    assert host.get_domain(UUID1).state == "shutoff"  # type: ignore[union-attr]


def test_paused_guest_is_resumed_by_start(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    host._call("pause", lambda conn: conn.lookupByUUIDString(UUID1).suspend())
    assert host.get_domain(UUID1).state == "paused"  # type: ignore[union-attr]
    host.start_domain(UUID1)
    assert host.get_domain(UUID1).state == "running"  # type: ignore[union-attr]


def test_delete_is_idempotent_and_works_on_running_guests(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    host.delete_domain(UUID1)
    assert host.get_domain(UUID1) is None
    host.delete_domain(UUID1)
    host.delete_domain("never-was")


def test_set_memory_live_and_offline(host: Host) -> None:
    host.define_domain(dom_spec(memory_mib=1024, max_memory_mib=2048), META)
    host.start_domain(UUID1)
    host.set_memory(UUID1, 1536)
    info = host.get_domain(UUID1)
    assert info is not None and info.memory_mib == 1536 and info.spec.memory_mib == 1536
    host.set_memory(UUID1, 512, live=False)
    info = host.get_domain(UUID1)
    assert info is not None and info.memory_mib == 1536 and info.spec.memory_mib == 512  # applies at next start
    host.stop_domain(UUID1)
    host.set_memory(UUID1, 4096)  # shut off: the maximum grows with it
    info = host.get_domain(UUID1)
    assert info is not None and (info.memory_mib, info.max_memory_mib) == (4096, 4096)
    host.set_memory(UUID1, 1024, max_mib=1024)
    assert host.get_domain(UUID1).spec == dom_spec(memory_mib=1024)  # type: ignore[union-attr]


def test_set_memory_above_live_maximum_fails(host: Host) -> None:
    host.define_domain(dom_spec(memory_mib=1024), META)
    host.start_domain(UUID1)
    with pytest.raises(HostError):
        host.set_memory(UUID1, 4096)
    with pytest.raises(ValueError):
        host.set_memory(UUID1, 4096, max_mib=2048)


def test_set_vcpus_live_and_offline(host: Host) -> None:
    host.define_domain(dom_spec(vcpus=1, max_vcpus=4), META)
    host.start_domain(UUID1)
    host.set_vcpus(UUID1, 3)
    info = host.get_domain(UUID1)
    assert info is not None and (info.vcpus, info.spec.vcpus) == (3, 3)
    host.stop_domain(UUID1)
    host.set_vcpus(UUID1, 8)
    info = host.get_domain(UUID1)
    assert info is not None and (info.vcpus, info.max_vcpus) == (8, 8)
    host.set_vcpus(UUID1, 2, max_count=2)
    assert host.get_domain(UUID1).spec == dom_spec(vcpus=2)  # type: ignore[union-attr]


def test_addresses(host: Host) -> None:
    spec = dom_spec(nics=[NicSpec("web-net", "52:54:00:00:00:01"), NicSpec("web-net", "52:54:00:00:00:02")])
    host.define_network(net_spec(), META)
    host.define_domain(spec, META)
    assert host.domain_addresses(UUID1) == []  # off
    host.start_domain(UUID1)
    found = host.domain_addresses(UUID1)
    assert sorted(a.mac for a in found) == ["52:54:00:00:00:01", "52:54:00:00:00:02"]
    assert all(a.family == "ipv4" and a.prefix > 0 for a in found)


def test_wait_for_addresses(host: Host) -> None:
    spec = dom_spec(nics=[NicSpec("web-net", "52:54:00:00:00:01"), NicSpec("web-net", "52:54:00:00:00:02")])
    host.define_network(net_spec(), META)
    host.define_domain(spec, META)
    with pytest.raises(
        HostError, match="the guest is shutoff; leases seen: 52:54:00:00:00:01: none; 52:54:00:00:00:02: none$"
    ):
        host.wait_for_addresses(UUID1, timeout=30)  # a guest that is off fails at once
    host.start_domain(UUID1)
    found = host.wait_for_addresses(UUID1, timeout=30)
    assert sorted(a.mac for a in found) == ["52:54:00:00:00:01", "52:54:00:00:00:02"]
    with pytest.raises(
        HostError,
        match=r"timeout 0 s\) the guest is running; leases seen: 52:54:00:00:00:01 \(first\): 10\.10\.0\.\d+; "
        r"52:54:00:00:00:09 \(second\): none$",
    ):
        host.wait_for_addresses(
            UUID1,
            timeout=0,
            macs=["52:54:00:00:00:01", "52:54:00:00:00:09"],
            labels={"52:54:00:00:00:01": "first", "52:54:00:00:00:09": "second"},
        )
    with pytest.raises(NotFoundError):
        host.wait_for_addresses(UUID2, timeout=0)


def test_escaped_names_and_metadata(host: Host) -> None:
    meta = Meta(stack="s<&'\"", address="instance.a<b", project="p&")
    info = host.define_domain(dom_spec(name="vm<&'\"x", kernel="/k<", cmdline='a="b" c<d'), meta)
    assert info.name == "vm<&'\"x" and info.meta == meta and info.spec.cmdline == 'a="b" c<d'


def test_two_guests_are_independent(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.define_domain(dom_spec(name="db", uuid=UUID2), META)
    host.start_domain(UUID2)
    assert host.get_domain(UUID1).state == "shutoff"  # type: ignore[union-attr]
    assert host.get_domain(UUID2).state == "running"  # type: ignore[union-attr]


def test_missing_domain(host: Host) -> None:
    for call in (host.start_domain, host.stop_domain, host.reboot_domain, host.domain_addresses):
        with pytest.raises(NotFoundError):
            call(UUID1)
    with pytest.raises(NotFoundError):
        host.set_memory(UUID1, 100)


def test_stop_presses_the_power_button_again_while_it_waits(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    import libvirt

    from iaas.drivers.libvirt import domains

    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    presses: list[str] = []
    monkeypatch.setattr(libvirt.virDomain, "shutdown", lambda self: presses.append(self.name()) or 0)  # booting
    monkeypatch.setattr(domains, "SHUTDOWN_REPEAT", 0.0)
    assert host.stop_domain(UUID1, timeout=0.5) is False
    assert len(presses) > 1


def test_a_running_guests_new_definition_is_read_apart_from_its_live_values(host: Host) -> None:
    host.define_domain(dom_spec(), META)
    host.start_domain(UUID1)
    started = host.get_domain(UUID1)
    assert started is not None and started.state == "running" and started.spec == dom_spec()
    info = host.define_domain(dom_spec(memory_mib=768), META)  # applies from the next start
    assert info.memory_mib == started.memory_mib != 768
    assert info.spec == dom_spec(memory_mib=768)
