"""pulumi import of a guest iaas did not create: what the cloud cannot read is taken from the program, not replaced."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from tests.admission_cases import owners, seed
from tests.brownfield import hand_made_world
from tests.pulumi.harness import Plugin


def test_the_first_diff_after_importing_a_hand_made_guest_replaces_nothing(tmp_path: Path) -> None:
    image_file = tmp_path / "tiny.qcow2"
    image_file.write_bytes(b"QFI\xfb" + b"\0" * 1020)
    home = tmp_path / ".iaas"
    uuid = hand_made_world(home, image_file)
    plugin = Plugin(tmp_path)
    try:
        plugin.configure({"home": str(home)})
        found_id, props, imported = plugin.read("instance", "legacy", uuid)  # pulumi import
        assert found_id == uuid and "image" not in imported
        program = {
            "name": "legacy",
            "image": "tiny",
            "vcpus": 2,
            "memoryMib": 768,
            "rootDiskGib": 4,
            "nics": [{"network": "web"}],
            "userData": "#cloud-config\n",
        }
        news, failures = plugin.check("instance", "legacy", program, imported)
        assert failures == []
        d = plugin.diff("instance", "legacy", uuid, props, news)
        assert list(d.replaces) == [], d
        assert "image" in props["unread"]  # recorded in the state: the first update takes it from the program
        _, refreshed, _ = plugin.read("instance", "legacy", uuid, props, imported)  # a refresh keeps the list
        assert refreshed["unread"] == props["unread"]
        assert list(plugin.diff("instance", "legacy", uuid, refreshed, {**news, "memoryMib": 1024}).replaces) == []
        updated = plugin.update("instance", "legacy", uuid, refreshed, {**news, "memoryMib": 1024})
        assert updated["image"] == "tiny" and "unread" not in updated and updated["memoryMib"] == 1024
    finally:
        plugin.close()


def test_an_imported_object_of_another_stack_is_changed_only_once_taken_over(tmp_path: Path) -> None:
    seed(tmp_path / "home", tmp_path / "deb.qcow2")  # network lan of stack base
    plugin = Plugin(tmp_path)
    try:
        plugin.configure({"home": str(tmp_path / "home")})
        id, props, imported = plugin.read("network", "lan", "lan")  # pulumi import
        news, _ = plugin.check("network", "lan", {**imported, "mtu": 1400}, imported)
        for attempt in (
            lambda: plugin.update("network", "lan", id, props, news, preview=True),
            lambda: plugin.update("network", "lan", id, props, news),
            lambda: plugin.delete("network", "lan", id, props),
        ):
            with pytest.raises(grpc.RpcError, match="managed by stack 'base'"):
                attempt()
        assert owners(tmp_path / "home") == [("image", "deb", "base"), ("network", "lan", "base")]
        taken, props, _ = plugin.read("network", "lan", "take-over:lan")  # pulumi import ... take-over:lan
        assert taken == id
        assert plugin.update("network", "lan", id, props, news)["mtu"] == 1400
        assert owners(tmp_path / "home") == [("image", "deb", "base"), ("network", "lan", "pulumi.proj.dev")]
    finally:
        plugin.close()
