"""Instance: a virtual machine with a root disk, NICs, volumes and cloud-init data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import attrs

from iaas.model import checks, hardware
from iaas.model.base import UNKNOWN, Reference, Resource, UpdateClass, field
from iaas.model.flavors import DEFAULT_ROOT_DISK_GIB, FLAVORS

#: Inputs whose change restarts the guest with other devices (its graphics port is then chosen anew).
_RESTARTS = ("graphics", "power_state", "cpu_mode", "tpm", "boot_order")


@attrs.define(kw_only=True)
class Nic:
    """A network interface of an instance."""

    network: str = field("Network the NIC is attached to.", required=True, ref="network")
    fixed_ip: str | None = field(
        "Fixed IPv4 address inside the network (a static DHCP entry).", check=checks.ipv4_address, exclusive=True
    )
    security_groups: list[str] = field("Security groups applied to the NIC.", factory=list, ref="security_group")


@attrs.define(kw_only=True)
class Instance(Resource):
    """A virtual machine."""

    kind: ClassVar[str] = "instance"
    name_check: ClassVar[Callable[[Any], str | None]] = staticmethod(
        checks.name
    )  # names a libvirt domain and the guest hostname
    description_doc: ClassVar[str] = "A virtual machine booted from an image, configured by cloud-init."

    image: str = field("Image the root disk is built on.", required=True, ref="image", update="replace")
    flavor: str | None = field(
        "A built-in size (m1.tiny ... m1.xlarge) or a flavor of the cloud config; or set vcpus and memory_mib. "
        "Fields set on the instance win over the flavor's.",
        check=checks.flavor,
        update="offline",
    )
    vcpus: int | None = field(
        "Number of virtual CPUs (default: from the flavor). Live up to max_vcpus.",
        minimum=1,
        maximum=256,
        update="offline",
        chosen=True,
    )
    memory_mib: int | None = field(
        "Memory in MiB (default: from the flavor). Live up to max_memory_mib.",
        minimum=64,
        maximum=4 * 1024 * 1024,
        update="offline",
        chosen=True,
    )
    max_vcpus: int | None = field(
        "Ceiling for live vCPU changes (default: vcpus).", minimum=1, maximum=256, update="offline", chosen=True
    )
    max_memory_mib: int | None = field(
        "Ceiling for live memory changes (default: memory_mib).",
        minimum=64,
        maximum=4 * 1024 * 1024,
        update="offline",
        chosen=True,
    )
    root_disk_gib: int | None = field(
        "Size of the root disk in GiB (default: from the flavor, else 10). Grows live.",
        minimum=1,
        maximum=65536,
        chosen=True,
    )
    volumes: list[str] = field(
        "Extra volumes attached to the instance (attached and detached live).",
        factory=list,
        ref="volume",
        exclusive=True,
    )
    nics: list[Nic] = field("Network interfaces, in order.", factory=list)
    key_pair: str | None = field("Key pair injected through cloud-init.", ref="key_pair", update="replace")
    user_data: str | None = field("cloud-init user data.", secret=True, update="replace", check=checks.user_data)
    power_state: str = field("Desired power state.", default="running", choices=("running", "stopped"))
    stop_timeout: int = field(
        "Seconds a guest has to shut down by itself (ACPI power button) when it is deleted, replaced, "
        "stopped or restarted for a change, before it is powered off.",
        default=60,
        minimum=0,
        maximum=3600,
    )
    wait_for_address: bool = field(
        "When the instance is created or changed while running, wait until every NIC "
        "holds an address (up to address_timeout), so that ip_address is known when the "
        "apply ends; on timeout the step fails and says what it saw on each NIC.",
        default=False,
    )
    wait_for_port: int | None = field(
        "Also wait until this TCP port of the first address accepts connections "
        "(implies wait_for_address; within the same address_timeout). The probe is made on the host: "
        "in its network namespace on this machine, through ssh or its "
        "command_prefix on a remote host.",
        minimum=1,
        maximum=65535,
    )
    address_timeout: int = field(
        "Seconds wait_for_address and wait_for_port wait in all.", default=300, minimum=1, maximum=86400
    )
    address_source: str = field(
        "Where wait_for_address learns the addresses: lease (the host's DHCP leases) or agent "
        "(the QEMU guest agent, which must run in the guest).",
        default="lease",
        choices=("lease", "agent"),
    )
    cpu_mode: str | None = field(
        "CPU the guest sees: host-passthrough (the host's own CPU; KVM hosts only), host-model (the named "
        "model closest to the host's CPU), maximum (every feature the hypervisor can emulate) or a CPU model "
        "name such as Skylake-Client or Nehalem (default: the hypervisor's, qemu64). The host must offer it "
        "(checked at plan).",
        check=checks.cpu_mode,
        update="offline",
    )
    machine: str | None = field(
        "Machine type: q35 (PCIe, SATA; needed for secure boot), pc (i440fx, IDE) or a versioned one such "
        "as pc-q35-7.2 (default: the hypervisor's, pc).",
        check=checks.machine,
        update="replace",
    )
    firmware: str = field(
        "Firmware the guest boots with: bios (SeaBIOS) or uefi (OVMF, from the host's ovmf package).",
        default="bios",
        choices=hardware.FIRMWARES,
        update="replace",
    )
    secure_boot: bool = field(
        "UEFI secure boot with the usual vendor keys enrolled (needs firmware uefi and machine q35).",
        default=False,
        update="replace",
    )
    tpm: bool = field(
        "An emulated TPM 2.0 device (needs swtpm on the host).",
        default=False,
        update="offline",
    )
    boot_order: list[str] = field(
        "Devices to boot from, in order: disk, network (PXE on the first NIC), cdrom "
        "(default: disk). Ignored when the image boots a kernel directly.",
        factory=list,
        choices=hardware.BOOT_DEVICES,
        update="offline",
    )
    disk_bus: str = field(
        "Bus of the root disk and the volumes: virtio, scsi (virtio-scsi), sata or ide (machine pc only). "
        "Volumes attach live on virtio and scsi, with a restart on sata and ide.",
        default="virtio",
        choices=hardware.DISK_BUSES,
        update="replace",
    )
    graphics: str = field(
        "A graphical console: vnc, spice or none; it listens on the host's loopback address, on a port "
        "the host picks (see graphics_address).",
        default="none",
        choices=hardware.GRAPHICS,
        update="offline",
    )
    host: str | None = field(
        "Host to place the instance on; chosen by the scheduler when unset. Changing it migrates the "
        "instance to that host (live while it runs, with its disks; it keeps its addresses).",
        update="migrate",
        chosen=True,
    )
    host_labels: dict[str, str] = field(
        "Labels the host must carry (the labels of the cloud config's hosts); the "
        "scheduler places the instance only on a host that has every one.",
        factory=dict,
        update="replace",
        check=checks.labels,
    )
    server_group: str | None = field(
        "Server group whose placement policy applies.", ref="server_group", update="replace"
    )
    project: str | None = field("Project the instance counts against.", ref="project", update="replace")
    id: str | None = field("UUID of the instance.", computed=True)
    ip_address: str | None = field(
        "First IPv4 address of the first NIC.", computed=True, recomputed_by=("nics", "power_state")
    )
    ip_addresses: list[str] | None = field(
        "IPv4 addresses, one per NIC in order.", computed=True, recomputed_by=("nics", "power_state")
    )
    mac_addresses: list[str] | None = field(
        "MAC addresses, one per NIC in order.", computed=True, recomputed_by=("nics",)
    )
    graphics_address: str | None = field(
        "Where to connect a VNC or SPICE viewer (address:port on the host) while the guest runs with graphics.",
        computed=True,
        recomputed_by=_RESTARTS,
    )

    @classmethod
    def normalize(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Fill vcpus, memory and root disk from a built-in flavor, and the ceilings from them."""
        out = dict(values)
        flavor = FLAVORS.get(out.get("flavor") or "")
        if flavor:
            for key, value in zip(("vcpus", "memory_mib", "root_disk_gib"), flavor, strict=True):
                if out.get(key) is None:
                    out[key] = value
        if out.get("root_disk_gib") is None and (flavor or not out.get("flavor")):
            out["root_disk_gib"] = DEFAULT_ROOT_DISK_GIB  # an operator's flavor (applied by the cloud) may set it
        if out.get("max_vcpus") is None and isinstance(out.get("vcpus"), int):
            out["max_vcpus"] = out["vcpus"]
        if out.get("max_memory_mib") is None and isinstance(out.get("memory_mib"), int):
            out["max_memory_mib"] = out["memory_mib"]
        return out

    @classmethod
    def check(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Sizes come from a flavor or from vcpus + memory_mib; ceilings are not below the sizes."""
        errors: list[tuple[str, str]] = []
        if values.get("flavor") is None and (values.get("vcpus") is None or values.get("memory_mib") is None):
            errors.append(("flavor", "set a flavor, or both vcpus and memory_mib"))
        sizes = cls.normalize(values)  # a flavor's sizes count as if they were set
        for size, ceiling in (("vcpus", "max_vcpus"), ("memory_mib", "max_memory_mib")):
            low, high = sizes.get(size), sizes.get(ceiling)
            if isinstance(low, int) and isinstance(high, int) and high < low:
                errors.append((ceiling, f"{ceiling} ({high}) is below {size} ({low})"))
        seen: set[Any] = set()
        volumes = values.get("volumes")
        for i, vol in enumerate(volumes if isinstance(volumes, list | tuple) else []):  # unknown until apply: skip
            if vol is UNKNOWN:  # volumes being created: distinct, known only after apply
                continue
            key = str(vol) if isinstance(vol, Reference) else vol
            if key in seen:
                errors.append((f"volumes[{i}]", f"volume {key} is attached twice"))
            seen.add(key)
        return errors + hardware.problems(values)

    @classmethod
    def update_class(cls, name: str, old_values: dict[str, Any], new_values: dict[str, Any]) -> UpdateClass | None:
        """vCPUs, memory and the flavor change live within unchanged ceilings; the root disk only grows;
        volumes attach with a restart on buses without hot-plug."""
        old, new = old_values.get(name), new_values.get(name)
        if name == "root_disk_gib" and isinstance(old, int) and isinstance(new, int) and new < old:
            raise ValueError(f"cannot shrink the root disk from {old} GiB to {new} GiB")
        if name == "volumes" and new_values.get("disk_bus") in hardware.COLD_PLUG_BUSES:
            return "offline"
        if name in ("vcpus", "memory_mib", "flavor"):
            return "live" if _fits_ceilings(old_values, new_values) else "offline"
        return None


def _fits_ceilings(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether new sizes fit the ceilings the guest was defined with (which must not change)."""
    for size, ceiling in (("vcpus", "max_vcpus"), ("memory_mib", "max_memory_mib")):
        value, high = new.get(size), new.get(ceiling)
        if old.get(ceiling) != high or not isinstance(value, int) or not isinstance(high, int) or value > high:
            return False
    return True
