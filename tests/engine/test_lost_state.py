"""A lost, emptied or replaced state never makes a second copy of the stack's objects."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas
from iaas.cloud import OpContext

from .conftest import PUBLIC_KEY
from .test_refresh_import import stack_of


def _copies(engine: iaas.Engine) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in engine.cloud.managed_objects("t"):
        counts[obj.address or ""] = counts.get(obj.address or "", 0) + 1
    return counts


def test_lost_state_refuses_to_plan_and_recover_adopts(home: Path, image_file: Path) -> None:
    stack = stack_of(image_file)
    with iaas.Engine.open("t", home=home) as engine:
        engine.apply(stack)
        ids = {a: r.id for a, r in engine.resources().items()}
    for path in home.glob("state.db*"):
        path.unlink()
    with iaas.Engine.open("t", home=home) as engine:
        for attempt in (lambda: engine.plan(stack), lambda: engine.apply(stack), lambda: engine.destroy()):
            with pytest.raises(iaas.LostStateError) as caught:
                attempt()
            assert sorted(a for a, _, _ in caught.value.objects) == sorted(ids)
            assert "iaas state recover" in str(caught.value) and "instance.vm" in str(caught.value)
        assert _copies(engine) == dict.fromkeys(ids, 1)  # nothing was created
        recovered = engine.recover(stack)
        assert {r.address: r.id for r in recovered} == ids
        plan = engine.plan(stack)
        assert plan.empty, iaas.render_plan(plan)
        assert engine.recover(stack) == []


def test_recover_without_declaration_and_replaced_state(home: Path, image_file: Path) -> None:
    stack = stack_of(image_file)
    with iaas.Engine.open("t", home=home) as engine:
        engine.apply(stack)
        ids = {a: r.id for a, r in engine.resources().items()}
    (home / "state.db").unlink()
    with iaas.Engine.open("t", home=home, state=home / "other.db") as engine:  # a state that never knew them
        assert {r.address for r in engine.recover()} == set(ids)
        plan = engine.plan(stack)
        assert not [c for c in plan.changes.values() if c.action in ("create", "replace")], iaas.render_plan(plan)
        engine.apply(plan)
        assert _copies(engine) == dict.fromkeys(ids, 1)


def test_forgotten_resource_is_no_longer_the_stacks(engine: iaas.Engine, image_file: Path) -> None:
    stack = stack_of(image_file)
    engine.apply(stack)
    kept = engine.resources()["key_pair.k"].id
    assert engine.forget("key_pair.k")
    # not lost state: the user let it go; it keeps its name in the cloud
    with pytest.raises(iaas.ConflictError, match=f"already used .* by key_pair {kept}, which no stack manages"):
        engine.plan(stack)
    assert engine.cloud.inventory.get(kept or "").stack is None  # type: ignore[union-attr]


def test_one_indexed_query_by_stack(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(stack_of(image_file))
    plans = []
    engine.cloud.inventory._backend._db.set_trace_callback(plans.append)
    try:
        engine.plan(stack_of(image_file), refresh=False)
    finally:
        engine.cloud.inventory._backend._db.set_trace_callback(None)
    by_stack = [q for q in plans if "stack=" in q]
    assert len(by_stack) == 1, plans
    detail = engine.cloud.inventory._backend._db.execute("EXPLAIN QUERY PLAN " + by_stack[0]).fetchall()
    assert any("objects_stack" in str(row) for row in detail), detail


def test_a_restored_older_state_adopts_the_current_objects(home: Path, image_file: Path) -> None:
    stack = stack_of(image_file)
    with iaas.Engine.open("t", home=home) as engine:
        engine.apply(stack)
        engine.store.checkpoint()
        backup = (home / "state.db").read_bytes()
        engine.taint("key_pair.k")
        engine.apply(stack)
        current = engine.resources()["key_pair.k"].id
    for path in home.glob("state.db*"):
        path.unlink()
    (home / "state.db").write_bytes(backup)  # the key pair it records was replaced since
    with iaas.Engine.open("t", home=home) as engine:
        with pytest.raises(iaas.LostStateError) as caught:
            engine.plan(stack)
        assert caught.value.objects == [("key_pair.k", "key_pair", current)]
        engine.recover(stack)
        assert engine.resources()["key_pair.k"].id == current
        assert engine.plan(stack).empty


def test_a_second_copy_at_a_recorded_address_is_deleted_by_the_next_apply(
    engine: iaas.Engine, image_file: Path
) -> None:
    stack = stack_of(image_file)
    engine.apply(stack)
    kept = engine.resources()["key_pair.k"].id
    extra = "22222222-2222-2222-2222-222222222222"
    engine.cloud.create(
        "key_pair", OpContext("t", "key_pair.k", None, extra), {"name": "k", "public_key": PUBLIC_KEY}, {}
    )
    with pytest.raises(iaas.LostStateError, match=extra):
        engine.plan(stack)
    engine.recover(stack)
    plan = engine.plan(stack)
    assert plan.summary()["delete"] == 1, iaas.render_plan(plan)
    engine.apply(plan)
    assert engine.resources()["key_pair.k"].id == kept
    assert engine.cloud.inventory.get(extra) is None
    assert _copies(engine)["key_pair.k"] == 1
