"""Importing a guest iaas did not create: what can be read is read, the rest is adopted, nothing is replaced."""

from __future__ import annotations

from pathlib import Path

import iaas
from iaas.cloud.pools import IMAGE_POOL
from tests.brownfield import hand_made_domain


def base_stack(image_file: Path) -> tuple[iaas.Stack, iaas.Image, iaas.Network]:
    stack = iaas.Stack("t")
    img = stack.add(iaas.Image(name="tiny", source=str(image_file)))
    net = stack.add(iaas.Network(name="web", cidr="10.31.0.0/24"))
    return stack, img, net


def with_legacy(image_file: Path, image: str | None = None) -> iaas.Stack:
    stack, img, net = base_stack(image_file)
    stack.add(
        iaas.Instance(
            name="legacy",
            image=image or img,
            vcpus=2,
            memory_mib=768,
            root_disk_gib=4,
            nics=[iaas.Nic(network=net)],
            user_data="#cloud-config\n",
        )
    )
    return stack


def image_path(engine: iaas.Engine) -> str:
    image_id = engine.resources()["image.tiny"].id
    vol = engine.cloud.hosts["default"].get_volume(IMAGE_POOL, f"iaas-{image_id}.qcow2")
    assert vol is not None
    return vol.path


def test_import_reads_the_image_from_the_backing_chain_and_nothing_is_replaced(
    engine: iaas.Engine, image_file: Path
) -> None:
    engine.apply(base_stack(image_file)[0])
    uuid = hand_made_domain(engine, image_path(engine))
    rec = engine.import_resource("instance.legacy", "legacy")  # no stack: only what the guest shows
    assert rec.id == uuid
    assert rec.inputs["image"] == engine.resources()["image.tiny"].id
    assert (rec.inputs["vcpus"], rec.inputs["memory_mib"], rec.inputs["root_disk_gib"]) == (2, 768, 4)
    assert rec.inputs["power_state"] == "running"
    assert [n["network"] for n in rec.inputs["nics"]] == [engine.resources()["network.web"].id]
    assert "user_data" in rec.extra["unread"] and "image" not in rec.extra["unread"]
    plan = engine.plan(with_legacy(image_file))
    change = plan.changes["instance.legacy"]
    assert change.action == "update" and change.changes == []
    assert change.reasons == ["adopts user_data from the configuration"]
    assert "adopts user_data from the configuration" in iaas.render_plan(plan)
    engine.apply(plan)
    assert engine.cloud.hosts["default"].get_domain(uuid).state == "running"  # type: ignore[union-attr]
    assert engine.resources()["instance.legacy"].inputs["user_data"] == "#cloud-config\n"
    assert engine.plan(with_legacy(image_file)).empty


def test_an_image_that_cannot_be_read_is_adopted_not_replaced(engine: iaas.Engine, image_file: Path) -> None:
    engine.apply(base_stack(image_file)[0])
    uuid = hand_made_domain(engine, "/srv/golden/not-an-iaas-image.qcow2")
    rec = engine.import_resource("instance.legacy", uuid)
    assert "image" in rec.extra["unread"] and rec.inputs["image"] is None
    plan = engine.plan(with_legacy(image_file))
    change = plan.changes["instance.legacy"]
    assert change.action == "update", iaas.render_plan(plan)
    assert change.reasons == ["adopts image, user_data from the configuration"]
    engine.apply(plan)
    assert engine.cloud.hosts["default"].get_domain(uuid) is not None
    assert engine.plan(with_legacy(image_file)).empty
    # once adopted, a different image is a change like any other
    stack = with_legacy(image_file)
    other = stack.add(iaas.Image(name="other", source=str(image_file)))
    stack.resources["instance.legacy"].inputs["image"] = other.ref()
    assert engine.plan(stack).changes["instance.legacy"].action == "replace"
