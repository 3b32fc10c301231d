"""The timeouts block: create and update bound the wait for addresses and a restart's graceful stop, delete gives a
running guest time to shut down; a bad duration is an error at its attribute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import iaas
from iaas import resources
from iaas.drivers.libvirt import Host
from iaas_terraform import timeouts
from iaas_terraform.objects import tf_object
from iaas_terraform.operations import Operations, validate


@pytest.fixture
def ops(tmp_path: Path) -> Operations:
    session = resources.Session(iaas.Cloud.open(home=tmp_path / "home"), stack="terraform")
    return Operations(lambda: session)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Every wait the host is asked for: ("addresses" | "stop", seconds)."""
    seen: list[tuple[str, float]] = []
    addresses, stop = Host.wait_for_addresses, Host.stop_domain

    def wait_for_addresses(self: Host, ref: str, timeout: float = 60.0, **kw: Any) -> Any:
        seen.append(("addresses", timeout))
        return addresses(self, ref, timeout, **kw)

    def stop_domain(self: Host, ref: str, timeout: float = 60.0, force: bool = True) -> bool:
        seen.append(("stop", timeout))
        return stop(self, ref, timeout, force)

    monkeypatch.setattr(Host, "wait_for_addresses", wait_for_addresses)
    monkeypatch.setattr(Host, "stop_domain", stop_domain)
    return seen


def _apply(ops: Operations, kind: str, prior: Any, config: dict[str, Any] | None, private: bytes = b"") -> Any:
    plan = ops.plan(kind, prior, config, private)
    return ops.apply(kind, prior, plan.state, plan.private)


def test_the_block_governs_every_wait(ops: Operations, tmp_path: Path, waits: list[tuple[str, float]]) -> None:
    image = tmp_path / "tiny.qcow2"
    image.write_bytes(b"\0" * 4096)
    img, _ = _apply(ops, "image", None, tf_object("image", {"name": "tiny", "source": str(image)}, {}))
    net, _ = _apply(ops, "network", None, tf_object("network", {"name": "lan", "cidr": "10.74.0.0/24"}, {}))
    values = {"name": "vm", "image": img["id"], "flavor": "m1.tiny", "nics": [{"network": net["id"]}]}
    block = {"create": "2m", "update": "45s", "delete": "1m30s"}
    config = {**tf_object("instance", {**values, "wait_for_address": True}, {}), "timeouts": block}
    vm, private = _apply(ops, "instance", None, config)
    assert vm["timeouts"] == block and vm["ip_address"]
    assert waits == [("addresses", 120.0)]
    waits.clear()
    bigger = {**config, "vcpus": 2, "max_vcpus": 2}  # an offline change: the guest is stopped and started again
    vm, private = _apply(ops, "instance", vm, bigger, private)
    assert waits == [("stop", 45.0), ("addresses", 45.0)]
    waits.clear()
    assert ops.plan("instance", vm, bigger, private).state == vm  # nothing to change
    gone, _ = _apply(ops, "instance", vm, None, private)
    assert gone is None and waits == [("stop", 90.0)]


def test_without_the_block_the_defaults_hold(ops: Operations, waits: list[tuple[str, float]]) -> None:
    assert timeouts.of({"timeouts": None}, "create") is None
    assert [timeouts.seconds(t) for t in ("90s", "10m", "1h30m", "500ms")] == [90.0, 600.0, 5400.0, 0.5]


def test_a_bad_duration_names_its_attribute() -> None:
    config = {**tf_object("network", {"name": "n", "cidr": "10.75.0.0/24"}, {}), "timeouts": {"create": "soon"}}
    [error] = validate("network", config).errors
    assert error.field == "timeouts.create" and "not a duration" in error.message
