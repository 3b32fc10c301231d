"""Snapshots through the engine on a simulated host: create, drift, revert as a planned update, delete order."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas


def _stack(
    image_file: Path,
    *,
    revert: int = 0,
    memory: bool = True,
    power: str = "running",
    firmware: str = "bios",
    **snap: object,
) -> iaas.Stack:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="img", source=str(image_file)))
    machine = "q35" if firmware == "uefi" else "pc"
    vm = stack.add(
        iaas.Instance(name="vm", image=img, flavor="m1.tiny", power_state=power, firmware=firmware, machine=machine)
    )
    stack.add(iaas.Snapshot(name="before", instance=vm, memory=memory, revert=revert, **snap))  # type: ignore[arg-type]
    return stack


def _host_and_domain(engine: iaas.Engine) -> tuple[object, str]:
    rec = next(r for r in engine.cloud.managed_objects("t") if r.address == "instance.vm")
    return engine.cloud.hosts[str(rec.host)], rec.id


def test_a_snapshot_is_taken_with_its_outputs(engine: iaas.Engine, image_file: Path) -> None:
    result = engine.apply(_stack(image_file, description="clean install"))
    assert result.ok
    host, domain = _host_and_domain(engine)
    info = host.get_snapshot(domain, "before")  # type: ignore[attr-defined]
    assert info is not None and info.description == "clean install" and info.memory
    rec = next(r for r in engine.cloud.managed_objects("t") if r.address == "snapshot.before")
    outputs = rec.data["outputs"]
    assert outputs["state"] == "running" and outputs["host"] == "default" and outputs["created_at"].endswith("+00:00")
    assert engine.plan(_stack(image_file, description="clean install")).empty


def test_a_snapshot_deleted_out_of_band_is_drift_and_taken_again(engine: iaas.Engine, image_file: Path) -> None:
    assert engine.apply(_stack(image_file)).ok
    host, domain = _host_and_domain(engine)
    host.delete_snapshot(domain, "before")  # type: ignore[attr-defined]
    engine.refresh()
    plan = engine.plan(_stack(image_file))
    assert {a: c.action for a, c in plan.changes.items() if c.action != "noop"} == {"snapshot.before": "create"}
    assert engine.apply(_stack(image_file)).ok
    assert host.get_snapshot(domain, "before") is not None  # type: ignore[attr-defined]


def test_revert_is_an_update_in_the_plan_and_keeps_the_power_state(engine: iaas.Engine, image_file: Path) -> None:
    assert engine.apply(_stack(image_file)).ok
    plan = engine.plan(_stack(image_file, revert=1))
    changes = {a: c for a, c in plan.changes.items() if c.action != "noop"}
    assert list(changes) == ["snapshot.before"] and changes["snapshot.before"].action == "update"
    assert "revert" in iaas.render_plan(plan)
    assert engine.apply(_stack(image_file, revert=1)).ok
    rec = next(r for r in engine.cloud.managed_objects("t") if r.address == "snapshot.before")
    assert rec.data["outputs"]["reverted_at"]
    host, domain = _host_and_domain(engine)
    assert host.get_domain(domain).state == "running"  # type: ignore[attr-defined]
    assert engine.plan(_stack(image_file, revert=1)).empty


def test_memory_of_a_stopped_instance_is_refused_naming_the_field(engine: iaas.Engine, image_file: Path) -> None:
    with pytest.raises(iaas.ApplyError, match=r"snapshot\.before\.memory: instance 'vm' is shutoff"):
        engine.apply(_stack(image_file, power="stopped"))
    assert engine.apply(_stack(image_file, power="stopped", memory=False)).ok


def test_snapshots_are_deleted_before_their_instance(engine: iaas.Engine, image_file: Path) -> None:
    assert engine.apply(_stack(image_file)).ok
    host, domain = _host_and_domain(engine)
    order: list[str] = []
    engine.on_event = lambda kind, address, data: order.append(address) if kind == "done" else None  # type: ignore[assignment]
    assert engine.destroy().ok
    assert order.index("snapshot.before") < order.index("instance.vm")
    assert host.get_domain(domain) is None  # type: ignore[attr-defined]


def test_bad_revert_is_refused_before_anything_is_touched(engine: iaas.Engine, image_file: Path) -> None:
    with pytest.raises(iaas.ValidationError, match=r"snapshot\.before\.revert"):
        engine.apply(_stack(image_file, revert=-1))
    assert engine.cloud.managed_objects() == []


def _clones(image_file: Path, power: str, **source: str) -> iaas.Stack:
    stack = _stack(image_file, power=power, memory=False)
    refs = {"instance": iaas.Reference("instance", "vm"), "snapshot": iaas.Reference("snapshot", "before")}
    copy = stack.add(iaas.Image(name="copy", **{f"source_{k}": refs[v] for k, v in source.items()}))  # type: ignore[arg-type]
    stack.add(iaas.Instance(name="clone", image=copy, flavor="m1.tiny", power_state="stopped"))
    return stack


@pytest.mark.parametrize("source", ["instance", "snapshot"])
def test_an_image_copied_from_an_instance_or_a_snapshot_boots_new_instances(
    engine: iaas.Engine, image_file: Path, source: str
) -> None:
    assert engine.apply(_clones(image_file, "stopped", **{source: source})).ok
    records = {r.address: r for r in engine.cloud.managed_objects("t")}
    host = engine.cloud.hosts["default"]
    copy = host.get_volume("iaas-images", f"iaas-{records['image.copy'].id}.qcow2")
    assert copy is not None and copy.capacity_bytes == 2**30  # the m1.tiny root disk it was copied from
    assert records["instance.clone"].data["outputs"]["id"]
    assert engine.plan(_clones(image_file, "stopped", **{source: source})).empty


def test_a_copy_of_a_running_instance_is_refused_naming_the_field(engine: iaas.Engine, image_file: Path) -> None:
    with pytest.raises(iaas.ApplyError, match=r"image\.copy\.source_instance: instance 'vm' is running: stop it"):
        engine.apply(_clones(image_file, "running", instance="instance"))
    assert engine.apply(_clones(image_file, "running", snapshot="snapshot")).ok  # a snapshot's copy is fine


def test_a_running_uefi_instance_is_not_snapshotted(engine: iaas.Engine, image_file: Path) -> None:
    # libvirt refuses internal snapshots of a running guest with pflash firmware (qemuSnapshotPrepare)
    with pytest.raises(
        iaas.ValidationError, match=r"snapshot\.before\.instance: instance instance\.vm .*firmware uefi"
    ):
        engine.plan(_stack(image_file, firmware="uefi", memory=False))
    stopped = _stack(image_file, firmware="uefi", memory=False, power="stopped")
    assert engine.plan(stopped).changes["snapshot.before"].action == "create"
    with pytest.raises(iaas.ValidationError, match=r"snapshot\.before\.instance: .*firmware uefi"):
        engine.plan(_stack(image_file, firmware="uefi", memory=True, power="stopped"))


@pytest.mark.parametrize("memory", [False, True])
def test_a_snapshot_taken_outside_iaas_is_imported_as_instance_slash_name(
    engine: iaas.Engine, image_file: Path, memory: bool
) -> None:
    declared = _stack(image_file, memory=memory, description="taken with virsh")
    snapshot = declared.resources.pop("snapshot.before")
    assert engine.apply(declared).ok  # the instance alone
    host, domain = _host_and_domain(engine)
    host.create_snapshot(domain, "before", "taken with virsh")  # type: ignore[attr-defined]
    with pytest.raises(iaas.NotFoundError, match="no snapshot named or with id 'vm/nothing'"):
        engine.import_resource("snapshot.before", "vm/nothing")
    declared.resources["snapshot.before"] = snapshot
    rec = engine.import_resource("snapshot.before", "vm/before", declared)  # as `iaas import` does with the file
    assert rec.inputs["instance"] == domain and rec.inputs["name"] == "before" and rec.inputs["memory"] is memory
    assert rec.outputs["host"] == "default" and rec.outputs["state"] == "running"
    plan = engine.plan(declared)
    assert {a: (c.action, c.before, c.after) for a, c in plan.changes.items() if c.action != "noop"} == {}
    with pytest.raises(iaas.ValidationError, match="already managed"):
        engine.import_resource("snapshot.before", "vm/before")
    engine.destroy()
    assert engine.cloud.inventory.list("snapshot") == []
