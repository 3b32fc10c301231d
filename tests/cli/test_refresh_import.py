"""``iaas refresh`` after changes made behind iaas's back, and ``iaas import``."""

from __future__ import annotations

from pathlib import Path

import pytest

from iaas.drivers.libvirt.host import Host
from iaas.engine import Engine

from .conftest import ADDRESSES, STACK, Runner


def simulated_host(home: Path) -> Host:
    """The embedded cloud's simulated host, opened on its store like the command does."""
    return Host("default", "test:///default", sim_store=str(home / "hosts" / "default.db"))


def state_id(run: Runner, address: str) -> str:
    """The cloud id recorded for ``address``."""
    import json

    return str(json.loads(run("state", "show", address).out)["id"])


def test_refresh_with_nothing_changed(applied: Runner) -> None:
    result = applied("refresh")
    assert result.code == 0
    assert "Refresh complete: 0 difference(s) recorded." in result.out


def test_refresh_reports_a_deleted_network_and_plan_recreates_it(applied: Runner, home: Path) -> None:
    network_id = state_id(applied, "network.lan")
    with simulated_host(home) as host:
        assert host.get_network(network_id) is not None
        host.delete_network(network_id)
    result = applied("refresh")
    assert result.code == 0, result.err
    assert "network.lan is gone" in result.out
    assert 'instance.vm.nics: [{"fixed_ip": "10.60.0.10", "network": ' in result.out  # its NIC's network is gone
    assert "Refresh complete: 2 difference(s) recorded." in result.out
    assert "network.lan" not in applied("state", "list").out.split()
    plan = applied("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "# network.lan will be created" in plan.out
    assert applied("apply", "--auto-approve").code == 0
    assert applied("plan", "--detailed-exitcode").code == 0


def test_refresh_reports_a_changed_field(applied: Runner, home: Path) -> None:
    vm_id = state_id(applied, "instance.vm")
    with simulated_host(home) as host:
        host.set_memory(vm_id, 256, live=True)
    result = applied("refresh")
    assert result.code == 0, result.err
    assert "instance.vm.memory_mib: 512 -> 256" in result.out
    plan = applied("plan")
    assert "# instance.vm will be updated in place" in plan.out
    assert "memory_mib" in plan.out and "256 -> 512" in plan.out


def test_refresh_masks_secrets(applied: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    drift = [{"address": "instance.vm", "field": "user_data", "recorded": "password: a", "actual": "password: b"}]
    monkeypatch.setattr(Engine, "refresh", lambda self: drift)
    result = applied("refresh")
    assert result.code == 0
    assert "instance.vm.user_data: (sensitive value) -> (sensitive value)" in result.out
    assert "password" not in result.out


def test_plan_shows_drift_without_a_separate_refresh(applied: Runner, home: Path) -> None:
    with simulated_host(home) as host:
        host.delete_network(state_id(applied, "network.lan"))
    plan = applied("plan")
    assert "Changed outside iaas since the last apply:" in plan.out
    assert "network.lan is gone" in plan.out
    assert "# network.lan will be created" in plan.out


def test_import_into_an_empty_state_gives_no_changes(applied: Runner) -> None:
    ids = {address: state_id(applied, address) for address in ADDRESSES}
    for address in ADDRESSES:
        assert applied("state", "rm", address).code == 0
    assert applied("state", "list").out == ""
    for address in ADDRESSES:
        result = applied("import", address, ids[address])
        assert result.code == 0, result.err
        assert f"Imported {address} (id {ids[address]})" in result.out
    plan = applied("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out
    assert "No changes." in plan.out


def test_import_by_name(applied: Runner) -> None:
    network_id = state_id(applied, "network.lan")
    assert applied("state", "rm", "network.lan").code == 0
    result = applied("import", "network.lan", "lan")
    assert result.code == 0, result.err
    assert f"(id {network_id})" in result.out


def test_import_errors(applied: Runner) -> None:
    managed = applied("import", "network.lan", "lan")
    assert managed.code == 1
    assert "network.lan: is already managed in this stack's state" in managed.err
    missing = applied("import", "network.other", "no-such-network")
    assert missing.code == 1
    assert "no network named or with id 'no-such-network'" in missing.err
    bad = applied("import", "nonsense", "x")
    assert bad.code == 1
    assert "not a resource address (kind.name)" in bad.err


def test_stack_constant_declares_every_address() -> None:
    for address in ADDRESSES:
        kind, name = address.split(".")
        assert f"  {kind}:\n    {name}:" in STACK


TWO_DHCP_GUESTS = """\
stack: dhcp
resources:
  image:
    tiny: {source: ./tiny.qcow2}
  network:
    lan: {cidr: 10.61.0.0/24}
  instance:
    a: {image: "${image.tiny}", flavor: m1.tiny, nics: [{network: "${network.lan}"}]}
    b: {image: "${image.tiny}", flavor: m1.tiny, nics: [{network: "${network.lan}"}]}
"""


def test_a_dhcp_address_stays_what_apply_recorded(iaas: Runner, project: Path) -> None:
    (project / "dhcp.yaml").write_text(TWO_DHCP_GUESTS)
    assert iaas("apply", "-f", "dhcp.yaml", "--auto-approve", "--target", "instance.a").code == 0
    assert iaas("apply", "-f", "dhcp.yaml", "--auto-approve", "--target", "instance.b").code == 0
    assert iaas("destroy", "-f", "dhcp.yaml", "--auto-approve", "--target", "instance.a").code == 0
    plan = iaas("plan", "-f", "dhcp.yaml", "--target", "instance.b")
    assert plan.out == "No changes. The cloud matches the stack.\n"
