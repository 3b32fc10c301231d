"""An instance's hardware on simulated hosts: the domain it makes, how changes apply and what the plan says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

import iaas
from iaas.cloud import Cloud
from iaas.cloud.kinds._instance_parts import disk_target
from iaas.cloud.preflight import _cpu_problem, _device_problems, hardware_problems
from iaas.drivers.libvirt import readback
from iaas.engine.render import render_change
from iaas.model import Instance
from iaas.model.values import complete

DATA = Path(__file__).parents[1] / "drivers" / "data"
HARDWARE = {
    "cpu_mode": "Nehalem",
    "machine": "q35",
    "firmware": "uefi",
    "secure_boot": True,
    "tpm": True,
    "boot_order": ["disk", "network"],
    "disk_bus": "sata",
    "graphics": "vnc",
}


@pytest.fixture
def vm(cloud: Cloud, make: Any, image_file: Path) -> Any:
    image = make(cloud, "image", "deb", source=str(image_file))
    data = make(cloud, "volume", "data", size_gib=1)
    return make(cloud, "instance", "vm", image=image.id, flavor="m1.tiny", volumes=[data.id], **HARDWARE)


def test_the_domain_carries_the_hardware(cloud: Cloud, vm: Any) -> None:
    spec = cloud.hosts["h1"].get_domain(vm.id).spec
    assert (spec.cpu_mode, spec.machine, spec.firmware, spec.secure_boot, spec.tpm) == (
        "Nehalem",
        "q35",
        "uefi",
        True,
        True,
    )
    assert spec.boot == ("disk", "network") and spec.graphics == "vnc"
    assert [(d.target, d.bus) for d in spec.disks] == [("sda", "sata"), ("sdb", "sata")]


def test_a_restart_change_redefines_the_guest_and_starts_it_again(cloud: Cloud, vm: Any) -> None:
    new = complete(Instance, {**vm.inputs, "cpu_mode": "host-model", "tpm": False, "graphics": "none"})
    cloud.update("instance", vm.ctx, vm.id, vm.inputs, new, ["cpu_mode", "tpm", "graphics"], vm.outputs)
    info = cloud.hosts["h1"].get_domain(vm.id)
    assert info.state == "running"
    assert (info.spec.cpu_mode, info.spec.tpm, info.spec.graphics) == ("host-model", False, None)
    assert (info.spec.firmware, info.spec.machine, info.spec.disks[0].bus) == ("uefi", "q35", "sata")  # kept


def test_the_host_shows_the_hardware_as_asked(cloud: Cloud, vm: Any, drift: Any) -> None:
    observed = cloud.read("instance", vm.ctx, vm.id, vm.outputs)
    assert {k: observed.inputs[k] for k in ("firmware", "secure_boot", "tpm", "graphics", "disk_bus")} == {
        "firmware": "uefi",
        "secure_boot": True,
        "tpm": True,
        "graphics": "vnc",
        "disk_bus": "sata",
    }
    assert drift(observed, vm.inputs) == {}


def test_disk_targets_follow_the_bus() -> None:
    assert [disk_target(i, bus) for i, bus in ((0, "scsi"), (1, "sata"), (2, "ide"), (3, "virtio"))] == [
        "sda",
        "sdb",
        "hdc",
        "vdd",
    ]


def test_the_plan_says_which_changes_restart_and_which_replace(tmp_path: Path, image_file: Path) -> None:
    def stack(**hardware: Any) -> iaas.Stack:
        s = iaas.Stack("hw")
        image = s.add(iaas.Image(name="deb", source=str(image_file)))
        sizes = {"vcpus": 1, "memory_mib": 512, "max_memory_mib": 2048, **hardware}
        s.add(iaas.Instance(name="vm", image=image, **sizes))
        return s

    engine = iaas.Engine.open("hw", home=tmp_path / "home")
    try:
        engine.apply(stack())
        plan = engine.plan(stack(cpu_mode="host-model", tpm=True, memory_mib=1024))
        change = plan.changes["instance.vm"]
        assert change.action == "update"
        assert {c.field: c.update for c in change.changes} == {
            "cpu_mode": "offline",
            "tpm": "offline",
            "memory_mib": "live",
        }
        text = "\n".join(render_change(change))
        assert "cpu_mode" in text and "needs a restart" in text
        plan = engine.plan(stack(machine="q35", firmware="uefi"))
        assert plan.changes["instance.vm"].action == "replace"
        assert "forces replacement" in "\n".join(render_change(plan.changes["instance.vm"]))
    finally:
        engine.destroy()
        engine.close()


def test_simulated_hosts_offer_any_hardware(cloud: Cloud) -> None:
    assert hardware_problems(cloud.hosts["h1"], {**HARDWARE, "cpu_mode": "host-passthrough"}) == []


# ---------------------------------------------------------------- what a real host's capabilities say


TCG_Q35 = readback.guest_caps((DATA / "domcaps-q35-tcg.xml").read_text())
TCG_PC = readback.guest_caps((DATA / "domcaps-pc-tcg.xml").read_text())


def test_cpu_modes_and_models_are_checked_against_the_host() -> None:
    assert _cpu_problem("h1", TCG_Q35, "host-model") == []
    assert _cpu_problem("h1", TCG_Q35, "Skylake-Client") == []
    [(field, message)] = _cpu_problem("h1", TCG_Q35, "host-passthrough")
    assert field == "cpu_mode" and "does not offer CPU mode host-passthrough" in message and "TCG" in message
    [(field, message)] = _cpu_problem("h1", TCG_Q35, "Pentium9000")
    assert field == "cpu_mode" and "knows no CPU model 'Pentium9000'" in message and "Nehalem" in message


def test_devices_are_checked_against_the_host() -> None:
    assert _device_problems("h1", TCG_Q35, HARDWARE) == []
    no_ovmf = attrs.evolve(TCG_PC, uefi=False, tpm_emulator=False)
    found = dict(_device_problems("h1", no_ovmf, {"firmware": "uefi", "tpm": True, "disk_bus": "ide"}))
    assert "no UEFI firmware" in found["firmware"] and "install ovmf" in found["firmware"]
    assert "swtpm" in found["tpm"]
    found = dict(_device_problems("h1", TCG_Q35, {"disk_bus": "ide", "graphics": "spice"}))
    assert found == {"disk_bus": "machine pc-q35-7.2 on host 'h1' has no ide disk bus (it has sata, scsi, virtio)"}
    found = dict(_device_problems("h1", TCG_PC, {"firmware": "uefi", "secure_boot": True}))
    assert "no secure-boot UEFI firmware for machine pc-i440fx-7.2" in found["secure_boot"]
