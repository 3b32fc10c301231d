"""Graceful stops on simulated hosts: delete, replace and offline changes ask the guest first, then force it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
import libvirt
import pytest

from iaas.cloud.base import OpContext
from iaas.model import Instance
from iaas.model.values import complete, validate

Calls = list[str]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The shutdown requests and power-offs libvirt is asked for, in order (each still carried out)."""
    seen: Calls = []
    for name in ("shutdown", "destroy"):
        real: Callable[..., int] = getattr(libvirt.virDomain, name)

        def spy(self: libvirt.virDomain, *args: Any, _real: Callable[..., int] = real, _name: str = name) -> int:
            seen.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(libvirt.virDomain, name, spy)
    return seen


@pytest.fixture
def deaf(monkeypatch: pytest.MonkeyPatch, calls: Calls) -> None:
    """Guests ignore the ACPI power button (the request is still counted)."""
    monkeypatch.setattr(libvirt.virDomain, "shutdown", lambda self: calls.append("shutdown") or 0)


@pytest.fixture
def vm(cloud, make, image_file) -> Callable[..., Any]:
    image = make(cloud, "image", "deb", source=str(image_file))

    def build(**extra: Any) -> Any:
        return make(cloud, "instance", "vm", image=image.id, flavor="m1.tiny", **extra)

    return build


def test_delete_asks_the_guest_to_shut_down_first(cloud, vm, calls, caplog) -> None:
    made = vm()
    caplog.set_level(logging.INFO, logger="iaas.cloud.kinds.instance")
    cloud.delete("instance", attrs.evolve(made.ctx, pending_id=None), made.id, made.outputs)
    assert calls == ["shutdown"]  # it stopped by itself: never powered off
    assert "instance.vm: the guest shut down by itself" in caplog.text
    assert cloud.hosts["h1"].get_domain(made.id) is None


def test_delete_powers_off_a_guest_that_ignores_the_request_after_stop_timeout(cloud, vm, deaf, calls, caplog) -> None:
    made = vm(stop_timeout=0)
    caplog.set_level(logging.INFO, logger="iaas.cloud.kinds.instance")
    cloud.delete("instance", OpContext("s1", "instance.vm"), made.id, made.outputs)
    assert calls == ["shutdown", "destroy"]
    assert "instance.vm: the guest did not shut down within 0 s; powered off" in caplog.text
    assert cloud.hosts["h1"].get_domain(made.id) is None


def test_undoing_a_failed_create_powers_off_at_once(cloud, vm, calls) -> None:
    made = vm()
    cloud.delete("instance", attrs.evolve(made.ctx, undoing=True), made.id, made.outputs)
    assert calls == ["destroy"]


def test_a_stopped_guest_is_deleted_without_a_request(cloud, vm, calls) -> None:
    made = vm(power_state="stopped")
    cloud.delete("instance", OpContext("s1", "instance.vm"), made.id, made.outputs)
    assert calls == []


def test_an_offline_change_stops_the_guest_with_the_new_stop_timeout(cloud, vm, deaf, calls, caplog) -> None:
    made = vm()
    new = {**made.inputs, "flavor": "m1.small", "vcpus": None, "memory_mib": None, "stop_timeout": 0}
    new = complete(Instance, {k: v for k, v in new.items() if v is not None})
    caplog.set_level(logging.INFO, logger="iaas.cloud.kinds.instance")
    cloud.update("instance", made.ctx, made.id, made.inputs, new, ["flavor", "vcpus", "memory_mib"], made.outputs)
    assert calls == ["shutdown", "destroy"]
    assert "did not shut down within 0 s" in caplog.text
    assert cloud.hosts["h1"].get_domain(made.id).state == "running"


def test_stop_timeout_is_checked_and_named() -> None:
    errors = validate(Instance, {"name": "vm", "image": "i", "flavor": "m1.tiny", "stop_timeout": -1})
    assert [(e.address, e.field) for e in errors] == [("instance.vm", "stop_timeout")]


def test_a_running_instance_starts_with_its_host_and_a_stopped_one_does_not(cloud, vm) -> None:
    made = vm()
    host = cloud.hosts["h1"]
    assert host.get_domain(made.id).autostart is True
    stopped = {**made.inputs, "power_state": "stopped"}
    cloud.update("instance", made.ctx, made.id, made.inputs, stopped, ["power_state"], made.outputs)
    assert host.get_domain(made.id).autostart is False
    cloud.update("instance", made.ctx, made.id, stopped, made.inputs, ["power_state"], made.outputs)
    assert host.get_domain(made.id).autostart is True
