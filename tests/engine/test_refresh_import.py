"""Refresh reports drift made outside iaas; import adopts existing objects with a zero diff afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.cloud import OpContext

from .conftest import PUBLIC_KEY


def stack_of(image_file: Path, memory: int = 512) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="web", cidr="10.30.0.0/24"))
    stack.add(
        iaas.Instance(
            name="vm", image=img, vcpus=1, memory_mib=memory, max_memory_mib=2048, nics=[iaas.Nic(network=net)]
        )
    )
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    return stack


def test_refresh_reports_changes_made_behind_our_back(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file))
    vm = engine.resources()["instance.vm"]
    host = engine.cloud.hosts["default"]
    host.set_memory(vm.id, 1024, live=True)
    net = engine.resources()["network.web"]
    host.delete_network(net.id)
    drift = engine.refresh()
    assert {"address": "instance.vm", "field": "memory_mib", "recorded": 512, "actual": 1024} in drift
    assert {"address": "network.web", "field": None, "recorded": None, "actual": "gone"} in drift
    assert "network.web" not in engine.resources()
    assert engine.resources()["instance.vm"].inputs["memory_mib"] == 1024
    plan = engine.plan(stack_of(image_file))
    assert plan.changes["network.web"].action == "create"
    assert plan.changes["instance.vm"].action == "update"
    engine.apply(plan)
    assert engine.plan(stack_of(image_file)).empty


def test_plan_with_refresh_shows_drift_and_corrects_it(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file))
    vm = engine.resources()["instance.vm"]
    engine.cloud.hosts["default"].set_memory(vm.id, 768, live=True)
    assert engine.plan(stack_of(image_file), refresh=False).empty  # without a refresh nothing is seen
    plan = engine.plan(stack_of(image_file))
    assert plan.drift == [{"address": "instance.vm", "field": "memory_mib", "recorded": 512, "actual": 768}]
    [change] = plan.changes["instance.vm"].changes
    assert (change.old, change.new) == (768, 512)
    engine.apply(plan)
    assert engine.cloud.hosts["default"].get_domain(vm.id).memory_mib == 512  # type: ignore[union-attr]


def test_import_adopts_with_zero_diff(home: Path, image_file: Path) -> None:
    with iaas.Engine.open("other", home=home) as other:  # objects made by another stack, then forgotten
        st = iaas.Stack("other")
        for decl in stack_of(image_file):
            st.add_raw(decl.kind, decl.name, {k: v for k, v in decl.inputs.items() if k != "name"})
        other.apply(st)
        ids = {a: r.id for a, r in other.resources().items()}
        for address in ids:
            other.forget(address)
    with iaas.Engine.open("t", home=home) as engine:
        stack = stack_of(image_file)
        for address in ("key_pair.k", "image.tiny", "network.web", "instance.vm"):
            engine.import_resource(address, ids[address], stack)
        assert {a: r.id for a, r in engine.resources().items()} == ids
        plan = engine.plan(stack)
        assert plan.empty, iaas.render_plan(plan)
        owners = {r.address for r in engine.cloud.managed_objects("t")}
        assert owners == set(ids)


def test_import_by_name_and_errors(engine: iaas.Engine, image_file: Path) -> None:
    engine.cloud.create(
        "key_pair",
        OpContext("x", "key_pair.k", None, "11111111-1111-1111-1111-111111111111"),
        {"name": "k", "public_key": PUBLIC_KEY},
        {},
    )
    with pytest.raises(iaas.ConflictError, match="managed by stack 'x'"):  # another stack's: not silently taken
        engine.import_resource("key_pair.k", "k")
    assert engine.resources() == {}
    rec = engine.import_resource("key_pair.k", "k", take_over=True)
    assert rec.id == "11111111-1111-1111-1111-111111111111"
    with pytest.raises(iaas.ValidationError, match="already managed"):
        engine.import_resource("key_pair.k", "k")
    with pytest.raises(iaas.NotFoundError, match="no network named or with id 'nope'"):
        engine.import_resource("network.nope", "nope")
    with pytest.raises(iaas.ValidationError, match="not a resource address"):
        engine.import_resource("bogus", "x")
