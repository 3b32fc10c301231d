"""Plan actions: create, no-op, update, replace, delete; unknown values; lifecycle options; targeting."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.engine.render import render_plan

from .conftest import PUBLIC_KEY


def web_stack(image_file: Path, memory: int = 512, **net: object) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    netw = stack.add(iaas.Network(name="web", cidr="10.20.0.0/24", **net))  # type: ignore[arg-type]
    stack.add(
        iaas.Instance(
            name="vm",
            image=img,
            vcpus=1,
            memory_mib=memory,
            max_memory_mib=2048,
            nics=[iaas.Nic(network=netw, fixed_ip="10.20.0.10")],
        )
    )
    stack.output("ip", "${instance.vm.ip_address}")
    return stack


def actions(plan: iaas.Plan) -> dict[str, str]:
    return {a: c.action for a, c in plan.changes.items()}


def test_first_plan_creates_everything_in_dependency_order(engine: iaas.Engine, image_file: Path) -> None:
    plan = engine.plan(web_stack(image_file))
    assert actions(plan) == {"image.tiny": "create", "network.web": "create", "instance.vm": "create"}
    assert list(plan.changes).index("instance.vm") > list(plan.changes).index("network.web")
    text = render_plan(plan)
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in text
    assert "id            = (known after apply)" in text or "(known after apply)" in text


def test_apply_then_plan_is_empty(engine: iaas.Engine, image_file: Path) -> None:
    result = engine.apply(web_stack(image_file))
    assert result.ok
    assert result.outputs["ip"] == "10.20.0.10"
    plan = engine.plan(web_stack(image_file))
    assert plan.empty, render_plan(plan)
    assert "No changes" in render_plan(plan)
    assert engine.outputs() == {"ip": "10.20.0.10"}


def test_live_update_is_in_place(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    vm_id = engine.resources()["instance.vm"].id
    plan = engine.plan(web_stack(image_file, memory=1024))
    assert actions(plan)["instance.vm"] == "update"
    [change] = plan.changes["instance.vm"].changes
    assert (change.field, change.old, change.new, change.update) == ("memory_mib", 512, 1024, "live")
    engine.apply(plan)
    rec = engine.resources()["instance.vm"]
    assert rec.id == vm_id and rec.inputs["memory_mib"] == 1024


def test_replacement_makes_dependents_unknown_and_replaces_them(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    old = engine.resources()
    plan = engine.plan(web_stack(image_file, mode="isolated"))
    assert actions(plan)["network.web"] == "replace"
    assert plan.changes["network.web"].replaced_fields == ["mode"]
    vm = plan.changes["instance.vm"]
    assert vm.action == "update"  # nics change live: the network id is unknown until apply
    assert iaas.UNKNOWN in [n["network"] for n in vm.after["nics"]]
    assert "(known after apply)" in render_plan(plan)
    engine.apply(plan)
    new = engine.resources()
    assert new["network.web"].id != old["network.web"].id
    assert new["instance.vm"].inputs["nics"][0]["network"] == new["network.web"].id
    assert engine.plan(web_stack(image_file, mode="isolated")).empty


def test_removed_resource_is_deleted(engine: iaas.Engine, image_file: Path) -> None:
    stack = web_stack(image_file)
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    engine.apply(stack)
    plan = engine.plan(web_stack(image_file))
    assert actions(plan)["key_pair.k"] == "delete"
    engine.apply(plan)
    assert "key_pair.k" not in engine.resources()


def test_destroy_deletes_dependents_first(engine: iaas.Engine, image_file: Path) -> None:
    order: list[str] = []
    engine.on_event = lambda kind, address, info: order.append(address) if kind == "done" else None
    engine.apply(web_stack(image_file))
    order.clear()
    engine.destroy()
    assert order.index("instance.vm") < order.index("network.web")
    assert order.index("instance.vm") < order.index("image.tiny")
    assert engine.resources() == {}
    assert engine.cloud.managed_objects("t") == []


def test_forced_replacement_and_taint(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    plan = engine.plan(web_stack(image_file), replace=["network.web"])
    assert plan.changes["network.web"].action == "replace"
    assert plan.changes["network.web"].reasons == ["replacement requested"]
    engine.taint("image.tiny")
    plan = engine.plan(web_stack(image_file))
    assert plan.changes["image.tiny"].action == "replace"
    assert plan.changes["instance.vm"].action == "replace"  # its image reference forces replacement


def test_prevent_destroy_blocks_delete_and_replace(engine: iaas.Engine, image_file: Path) -> None:
    stack = web_stack(image_file)
    stack.resources["network.web"].lifecycle = iaas.Lifecycle(prevent_destroy=True)
    engine.apply(stack)
    changed = web_stack(image_file, mode="isolated")
    changed.resources["network.web"].lifecycle = iaas.Lifecycle(prevent_destroy=True)
    with pytest.raises(iaas.ValidationError, match="network.web.*prevent_destroy"):
        engine.plan(changed)
    with pytest.raises(iaas.ValidationError, match="prevent_destroy"):
        engine.plan(stack, destroy=True)


def test_ignore_changes(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    stack = web_stack(image_file, memory=1024)
    stack.resources["instance.vm"].lifecycle = iaas.Lifecycle(ignore_changes=("memory_mib",))
    assert engine.plan(stack).empty
    stack.resources["instance.vm"].lifecycle = iaas.Lifecycle(ignore_changes="all")
    assert engine.plan(stack).empty


def test_create_before_destroy(engine: iaas.Engine) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY), lifecycle=iaas.Lifecycle(create_before_destroy=True))
    engine.apply(stack)
    old_id = engine.resources()["key_pair.k"].id
    stack2 = iaas.Stack("t")
    stack2.add(
        iaas.KeyPair(name="k", public_key=PUBLIC_KEY + " new"), lifecycle=iaas.Lifecycle(create_before_destroy=True)
    )
    order: list[tuple[str, str]] = []
    engine.on_event = lambda kind, address, info: order.append((kind, str(info.get("action", info.get("result")))))
    plan = engine.plan(stack2)
    assert plan.changes["key_pair.k"].create_first
    engine.apply(plan)
    starts = [a for k, a in order if k == "start"]
    assert starts == ["replace", "delete deposed"]
    rec = engine.resources()["key_pair.k"]
    assert rec.id != old_id and "deposed" not in rec.extra
    assert [r.id for r in engine.cloud.managed_objects("t")] == [rec.id]


def test_create_before_destroy_needs_new_name_for_host_named_kinds(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    stack = web_stack(image_file, mode="isolated")
    stack.resources["network.web"].lifecycle = iaas.Lifecycle(create_before_destroy=True)
    with pytest.raises(iaas.ValidationError, match="create_before_destroy"):
        engine.plan(stack)


def test_targeting_includes_dependencies_only(engine: iaas.Engine, image_file: Path) -> None:
    stack = web_stack(image_file)
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    plan = engine.plan(stack, targets=["instance.vm"])
    assert set(plan.changes) == {"image.tiny", "network.web", "instance.vm"}
    engine.apply(plan)
    plan = engine.plan(stack)
    assert actions(plan) == {"image.tiny": "noop", "network.web": "noop", "instance.vm": "noop", "key_pair.k": "create"}
    engine.apply(plan)
    plan = engine.plan(iaas.Stack("t"), destroy=True, targets=["network.web"])
    assert set(plan.changes) == {"network.web", "instance.vm"}


def test_plan_file_round_trip_and_staleness(engine: iaas.Engine, image_file: Path, tmp_path: Path) -> None:
    plan = engine.plan(web_stack(image_file))
    iaas.save_plan(plan, tmp_path / "p.json")
    loaded = iaas.load_plan(tmp_path / "p.json")
    assert render_plan(loaded) == render_plan(plan)
    engine.apply(loaded)
    with pytest.raises(iaas.PlanError, match="stale"):
        engine.apply(iaas.load_plan(tmp_path / "p.json"))


def test_outputs_only_change(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(web_stack(image_file))
    stack = web_stack(image_file)
    stack.output("net", "${network.web.gateway}")
    plan = engine.plan(stack)
    assert not plan.pending() and not plan.empty
    assert engine.apply(plan).outputs["net"] == "10.20.0.1"


def test_a_name_another_stack_holds_is_refused_at_plan(engine: iaas.Engine, home: Path) -> None:
    stack = iaas.Stack("t")
    stack.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
    engine.apply(stack)
    with iaas.Engine.open("u", home=home) as other:
        mine = iaas.Stack("u")
        mine.add(iaas.KeyPair(name="k", public_key=PUBLIC_KEY))
        with pytest.raises(
            iaas.ConflictError, match=r"key_pair name 'k' is already used .* by key_pair\.k \(stack t\)"
        ):
            other.plan(mine)
