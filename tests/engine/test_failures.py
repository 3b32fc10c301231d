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
