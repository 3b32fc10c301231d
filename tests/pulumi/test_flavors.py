"""A flavor of the cloud config through the Pulumi provider: preview and create show its sizes; a change of
definition is a diff; an unknown flavor fails naming the property."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from pulumi.runtime import proto

from tests.pulumi.harness import Plugin

FLAVORS = {"gpu-less": {"vcpus": 4, "memory_mib": 8192, "root_disk_gib": 40, "machine": "q35"}}


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[Plugin]:
    running = Plugin(tmp_path)
    running.configure({"cloudConfig": json.dumps({"home": str(tmp_path / "home"), "flavors": FLAVORS})})
    yield running
    running.close()


def _image(plugin: Plugin, tmp_path: Path) -> str:
    (tmp_path / "base.qcow2").write_bytes(b"\0" * 4096)
    inputs, failures = plugin.check("image", "base", {"name": "base", "source": str(tmp_path / "base.qcow2")})
    assert failures == []
    return plugin.create("image", "base", inputs)[0]


def test_preview_and_create_carry_the_flavor_s_sizes(plugin: Plugin, tmp_path: Path) -> None:
    news = {"name": "vm", "image": _image(plugin, tmp_path), "flavor": "gpu-less", "memoryMib": 4096}
    inputs, failures = plugin.check("instance", "vm", news)
    assert failures == []
    _, preview = plugin.create("instance", "vm", inputs, preview=True)
    assert (preview["vcpus"], preview["memoryMib"], preview["rootDiskGib"]) == (4, 4096, 40)
    id, props = plugin.create("instance", "vm", inputs)
    assert (props["vcpus"], props["memoryMib"], props["rootDiskGib"]) == (4, 4096, 40)
    _, refreshed, _ = plugin.read("instance", "vm", id, props, inputs)
    assert refreshed["vcpus"] == 4 and refreshed.get("machine") is None  # left to the flavor: kept as written
    assert plugin.diff("instance", "vm", id, refreshed, inputs).changes == proto.DiffResponse.DIFF_NONE


def test_an_unknown_flavor_fails_naming_the_property(plugin: Plugin, tmp_path: Path) -> None:
    news = {"name": "vm", "image": _image(plugin, tmp_path), "flavor": "gpu-more"}
    inputs, failures = plugin.check("instance", "vm", news)
    assert failures == []  # the name is well formed; only the cloud knows its flavors
    with pytest.raises(grpc.RpcError, match=r"instance.vm.flavor: unknown flavor 'gpu-more'"):
        plugin.create("instance", "vm", inputs, preview=True)
