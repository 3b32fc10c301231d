"""The virtual hardware of an instance: the rules across its hardware fields, pure and without I/O.

What a host can give (CPU models, firmware, TPM, buses) is checked at plan
time by the cloud's host preflight; here only what holds on every host.
"""

from __future__ import annotations

from typing import Any

CPU_MODES = ("host-passthrough", "host-model", "maximum")  # the others name a CPU model (libvirt's custom mode)
FIRMWARES = ("bios", "uefi")
BOOT_DEVICES = ("disk", "network", "cdrom")
DISK_BUSES = ("virtio", "scsi", "sata", "ide")
GRAPHICS = ("none", "vnc", "spice")
#: Disk buses whose disks QEMU cannot plug into a running guest: volumes then attach with a restart.
COLD_PLUG_BUSES = ("sata", "ide")


def is_q35(machine: Any) -> bool:
    """Whether a machine type is a Q35 one (``q35``, ``pc-q35-7.2``)."""
    return isinstance(machine, str) and (machine == "q35" or machine.startswith("pc-q35"))


def problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The (field, message) pairs of hardware settings that cannot go together."""
    errors: list[tuple[str, str]] = []
    machine = values.get("machine")
    if values.get("secure_boot") is True:
        if values.get("firmware", "bios") != "uefi":
            errors.append(("secure_boot", "secure boot needs firmware: uefi"))
        if isinstance(machine, str) and not is_q35(machine):
            errors.append(("secure_boot", f"secure boot needs machine q35 (machine {machine!r} has no SMM)"))
        elif machine is None:
            errors.append(("secure_boot", "secure boot needs machine: q35"))
    if values.get("disk_bus") == "ide" and is_q35(machine):
        errors.append(("disk_bus", f"machine {machine!r} has no IDE bus: use sata, scsi or virtio"))
    order = values.get("boot_order")
    if isinstance(order, list):
        seen: set[Any] = set()
        for i, dev in enumerate(order):
            if dev in seen:
                errors.append((f"boot_order[{i}]", f"{dev!r} is listed twice"))
            seen.add(dev)
    return errors
