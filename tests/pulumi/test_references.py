"""A reference written as a name stays a name: a refresh keeps what the user wrote, and no diff sees a change."""

from __future__ import annotations

from pathlib import Path

from tests.pulumi.harness import Plugin


def test_a_refresh_keeps_a_name_and_the_next_diff_is_empty(plugin: Plugin, image_file: Path) -> None:
    image, _ = plugin.check("image", "ref-img", {"name": "ref-img", "source": str(image_file)})
    image_id, _ = plugin.create("image", "ref-img", image)
    net, _ = plugin.check("network", "ref-net", {"name": "ref-net", "cidr": "10.44.0.0/24"})
    plugin.create("network", "ref-net", net)
    written = {"name": "ref-vm", "image": "ref-img", "flavor": "m1.tiny", "nics": [{"network": "ref-net"}]}
    inputs, failures = plugin.check("instance", "ref-vm", written)
    assert not failures
    vm_id, props = plugin.create("instance", "ref-vm", inputs)
    assert plugin.diff("instance", "ref-vm", vm_id, props, inputs).changes == 1  # DIFF_NONE, before any refresh
    _, refreshed, refreshed_inputs = plugin.read("instance", "ref-vm", vm_id, props, inputs)
    assert refreshed["image"] == "ref-img" and refreshed_inputs["image"] == "ref-img"
    assert refreshed["nics"][0]["network"] == "ref-net"
    d = plugin.diff("instance", "ref-vm", vm_id, refreshed, inputs)
    assert list(d.replaces) == [] and d.changes == 1  # DIFF_NONE
    # the id of the same image in the program is no change either, and no replacement
    d = plugin.diff("instance", "ref-vm", vm_id, refreshed, {**inputs, "image": image_id})
    assert list(d.replaces) == [] and d.changes == 1  # DIFF_NONE


def test_a_name_of_another_object_is_still_a_replacement(plugin: Plugin, image_file: Path) -> None:
    image, _ = plugin.check("image", "ref-img2", {"name": "ref-img2", "source": str(image_file)})
    plugin.create("image", "ref-img2", image)
    image, _ = plugin.check("image", "ref-img3", {"name": "ref-img3", "source": str(image_file)})
    plugin.create("image", "ref-img3", image)
    net, _ = plugin.check("network", "ref-net2", {"name": "ref-net2", "cidr": "10.45.0.0/24"})
    plugin.create("network", "ref-net2", net)
    written = {"name": "ref-vm2", "image": "ref-img2", "flavor": "m1.tiny", "nics": [{"network": "ref-net2"}]}
    inputs, _ = plugin.check("instance", "ref-vm2", written)
    vm_id, props = plugin.create("instance", "ref-vm2", inputs)
    _, refreshed, _ = plugin.read("instance", "ref-vm2", vm_id, props, inputs)
    d = plugin.diff("instance", "ref-vm2", vm_id, refreshed, {**inputs, "image": "ref-img3"})
    assert list(d.replaces) == ["image"]
