"""Auto-naming: a resource without a name gets its logical name and a random suffix, kept across updates."""

from __future__ import annotations

from pulumi.runtime import proto

from tests.pulumi.harness import Plugin, plain, struct, urn


def check(plugin: Plugin, name: str, news: dict, olds: dict | None = None, seed: bytes = b"1" * 32) -> dict:
    r = plugin.stub.Check(
        proto.CheckRequest(urn=urn("network", name), olds=struct(olds), news=struct(news), randomSeed=seed)
    )
    assert not r.failures, r.failures
    return plain(r.inputs)


def test_auto_names(plugin: Plugin) -> None:
    first = check(plugin, "lan", {"cidr": "10.46.0.0/24"})
    assert first["name"].startswith("lan-") and len(first["name"]) == len("lan-") + 7
    other_stack = check(plugin, "lan", {"cidr": "10.46.0.0/24"}, seed=b"2" * 32)
    assert other_stack["name"] != first["name"]  # two stacks of one program do not collide
    updated = check(plugin, "lan", {"cidr": "10.46.0.0/24", "mtu": 1400}, olds=first, seed=b"3" * 32)
    assert updated["name"] == first["name"]  # stable across updates
    replaced = check(plugin, "lan", {"cidr": "10.47.0.0/24"}, olds=first, seed=b"1" * 32)
    assert replaced["name"] != first["name"] and replaced["name"].startswith("lan-")
    d = plugin.diff("network", "lan", "id-1", {**first, "id": "id-1"}, replaced)
    assert "cidr" in d.replaces and not d.deleteBeforeReplace  # the replacement is created first
    named = check(plugin, "lan2", {"name": "lan2", "cidr": "10.48.0.0/24"})
    d = plugin.diff("network", "lan2", "id-2", named, {**named, "cidr": "10.49.0.0/24"})
    assert d.deleteBeforeReplace  # a name the user chose: the old object must go first
    legacy = check(plugin, "lan3", {"cidr": "10.50.0.0/24", "mtu": 1400}, olds={"name": "lan3", "cidr": "10.50.0.0/24"})
    assert legacy["name"] == "lan3"  # a stack made before auto-naming keeps its names
