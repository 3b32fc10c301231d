"""A failure stops only its dependents; finished steps are saved and the next run converges."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import iaas

from .conftest import PUBLIC_KEY


def test_failure_skips_dependents_and_finishes_independent_branches(engine: iaas.Engine, tmp_path: Path) -> None:
    stack = iaas.Stack("t")
    good = b"now it is right"
    (tmp_path / "broken.qcow2").write_bytes(b"not the file the checksum names")  # read at apply, not at plan
    img = stack.add(
        iaas.Image(name="broken", source=str(tmp_path / "broken.qcow2"), sha256=hashlib.sha256(good).hexdigest())
    )
    stack.add(iaas.Volume(name="v", size_gib=1, image=img))
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    stack.add(iaas.Network(name="n", cidr="10.9.0.0/24"))
    with pytest.raises(iaas.ApplyError) as info:
        engine.apply(stack)
    err = info.value
    assert list(err.failures) == ["image.broken"]
    assert "sha256" in str(err.failures["image.broken"])
    assert err.skipped == ["volume.v"]
    assert set(engine.resources()) == {"key_pair.k", "network.n"}
    assert engine.history(1)[0].status == "failed"
    (tmp_path / "broken.qcow2").write_bytes(good)
    result = engine.apply(stack)
    assert result.counts["create"] == 2
    assert set(engine.resources()) == {"key_pair.k", "network.n", "image.broken", "volume.v"}
    assert engine.plan(stack).empty


def test_a_destroy_run_again_after_a_failed_delete_keeps_the_dependency_order(
    engine: iaas.Engine, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="web", cidr="10.21.0.0/24"))
    stack.add(iaas.Instance(name="vm", image=img, vcpus=1, memory_mib=256, nics=[iaas.Nic(network=net)]))
    engine.apply(stack)
    recorded = sorted(engine.resources()["instance.vm"].dependencies)
    handler = engine.cloud.handlers["instance"]
    delete = handler.delete

    def unreachable(*args: object, **kw: object) -> None:
        raise iaas.HostError("default", "delete domain vm", "the host did not answer")

    monkeypatch.setattr(handler, "delete", unreachable)
    with pytest.raises(iaas.ApplyError):
        engine.destroy()
    assert sorted(engine.resources()["instance.vm"].dependencies) == recorded == ["image.tiny", "network.web"]
    monkeypatch.setattr(handler, "delete", delete)
    order: list[str] = []
    engine.on_event = lambda kind, address, info: order.append(address) if kind == "done" else None
    engine.destroy()
    assert order.index("instance.vm") < order.index("network.web")
    assert order.index("instance.vm") < order.index("image.tiny")
    assert engine.resources() == {}


def test_entries_left_to_a_network_whose_delete_failed_are_removed_when_it_is_kept(
    engine: iaas.Engine, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # guests deleted with their network leave their DHCP entries to it; should the network stay after all, the
    # entries of the guests gone are lost dataplane, and the update restoring it lets new guests take the addresses
    def stack_of(n: int) -> iaas.Stack:
        stack = iaas.Stack("t")
        img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
        net = stack.add(iaas.Network(name="web", cidr="10.22.0.0/24"))
        for i in range(n):
            nic = iaas.Nic(network=net, fixed_ip=f"10.22.0.{10 + i}")
            stack.add(iaas.Instance(name=f"vm{i}", image=img, vcpus=1, memory_mib=256, nics=[nic]))
        return stack

    engine.apply(stack_of(3))
    host = engine.cloud.hosts["default"]
    old_macs = {h.mac for h in host.get_network("web").spec.dhcp_hosts}  # type: ignore[union-attr]
    handler = engine.cloud.handlers["network"]

    def unreachable(*args: object, **kw: object) -> None:
        raise iaas.HostError("default", "delete network web", "the host did not answer")

    monkeypatch.setattr(handler, "delete", unreachable)
    with pytest.raises(iaas.ApplyError):
        engine.destroy()
    monkeypatch.undo()
    assert set(engine.resources()) == {"network.web"}
    assert {h.mac for h in host.get_network("web").spec.dhcp_hosts} == old_macs  # type: ignore[union-attr]
    plan = engine.plan(stack_of(3))
    change = plan.changes["network.web"]
    assert (change.action, change.changes) == ("update", [])
    assert len(change.repairs) == 1 and change.repairs[0].startswith(
        "network free of the static DHCP entries of 3 deleted guest(s) ("
    )
    engine.apply(plan)
    entries = {(h.mac, h.ip) for h in host.get_network("web").spec.dhcp_hosts}  # type: ignore[union-attr]
    vms = engine.resources()
    assert entries == {(vms[f"instance.vm{i}"].outputs["mac_addresses"][0], f"10.22.0.{10 + i}") for i in range(3)}
    assert not old_macs & {mac for mac, _ in entries}
    assert engine.plan(stack_of(3)).empty
    assert engine.cloud.inventory.held_in("dhcp-left/" + vms["network.web"].id) == []
