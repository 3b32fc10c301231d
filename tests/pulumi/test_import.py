"""pulumi import of a guest iaas did not create: what the cloud cannot read is taken from the program, not replaced."""

from __future__ import annotations

from pathlib import Path

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
