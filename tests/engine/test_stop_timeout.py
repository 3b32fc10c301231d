"""An instance's stop_timeout: recorded with it, changed in place, never drift."""

from __future__ import annotations

from pathlib import Path

import iaas


def _stack(image_file: Path, timeout: int) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="deb", source=str(image_file)))
    stack.add(iaas.Instance(name="vm", image=img.ref(), flavor="m1.tiny", stop_timeout=timeout))
    return stack


def test_a_changed_stop_timeout_is_an_in_place_update(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(engine.plan(_stack(image_file, 60)))
    assert engine.plan(_stack(image_file, 60), refresh=True).empty
    plan = engine.plan(_stack(image_file, 5))
    change = plan.changes["instance.vm"]
    assert change.action == "update"
    assert [c.field for c in change.changes] == ["stop_timeout"]
    engine.apply(plan)
    assert engine.plan(_stack(image_file, 5), refresh=True).empty


def test_fields_added_later_are_no_change_for_older_records(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(engine.plan(_stack(image_file, 60)))
    rec = engine.store.get("instance.vm")
    assert rec is not None
    for name in ("stop_timeout", "address_timeout", "address_source"):  # as an older iaas recorded it
        del rec.inputs[name]
    engine.store.put(rec)
    assert engine.plan(_stack(image_file, 60)).empty
