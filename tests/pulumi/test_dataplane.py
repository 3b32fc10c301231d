"""What a host lost of an object, over gRPC: Read reports it, Diff plans an update, Update puts it back."""

from __future__ import annotations

from pathlib import Path

from pulumi.runtime import proto

from tests.brownfield import stop_network
from tests.pulumi.harness import Plugin

DIFF_NONE, DIFF_SOME = proto.DiffResponse.DIFF_NONE, proto.DiffResponse.DIFF_SOME


def _plugin(home: Path) -> Plugin:
    plugin = Plugin(home)
    plugin.configure({"home": str(home / ".iaas")})
    return plugin


def test_a_stopped_network_is_read_diffed_as_an_update_and_restored(tmp_path: Path) -> None:
    first = _plugin(tmp_path)
    try:
        checked, failures = first.check("network", "web", {"name": "web", "cidr": "10.66.0.0/24"})
        assert failures == []
        id, props = first.create("network", "web", checked)
    finally:
        first.close()
    assert props["dataplane"] == "present"
    stop_network(tmp_path / ".iaas", id)  # as a host reboot leaves it

    plugin = _plugin(tmp_path)  # a new process finds the host as it is now, as the next `pulumi up` does
    try:
        _, refreshed, inputs = plugin.read("network", "web", id, props, checked)
        assert refreshed["dataplane"] == "missing: network running on host default"
        d = plugin.diff("network", "web", id, refreshed, inputs)
        assert (d.changes, list(d.diffs), list(d.replaces)) == (DIFF_SOME, ["dataplane"], [])
        restore = d.detailedDiff["dataplane"]
        assert (restore.kind, restore.inputDiff) == (proto.PropertyDiff.UPDATE, False)
        done = plugin.update("network", "web", id, refreshed, inputs)
        assert done["dataplane"] == "present" and done["cidr"] == "10.66.0.0/24"
        _, again, _ = plugin.read("network", "web", id, done, inputs)
        assert again["dataplane"] == "present"
        assert plugin.diff("network", "web", id, again, inputs).changes == DIFF_NONE
    finally:
        plugin.close()
