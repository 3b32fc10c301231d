"""Host preflight: can each host take work before an apply touches anything?

For every real host it checks that libvirtd answers, which acceleration its
guests get (KVM, or TCG software emulation) and that the host can run them,
that its guests have firmware to boot (libvirt's domain capabilities, and on
this machine the x86 BIOS file), that the directory of its storage pools can
be written (hosts on this machine) or that its iaas pools are active with at
least 1 GiB free (remote hosts, seen through libvirt), and that it has the
CPUs and free memory asked of it.  Simulated hosts always pass.

Usage::

    for problem in cloud.preflight():
        print(problem)            # host 'h1': libvirtd is not reachable at ...
    reports = host_reports(cloud)  # what was seen on each host, problems included
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.kinds.network import missing_link
from iaas.cloud.pools import DEFAULT_POOL_ROOT, IMAGE_POOL, VOLUME_POOL
from iaas.drivers.libvirt.readback import boot_supported, guest_caps, guest_domain_types, machine_types
from iaas.drivers.libvirt.specs import GuestCaps
from iaas.drivers.libvirt.uri import on_this_machine
from iaas.errors import HostError, IaasError
from iaas.model import hardware

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud, HostConfig
    from iaas.drivers.libvirt import Host, HostInfo

MIN_POOL_FREE = 1 << 30  # bytes a pool must have free for preflight to pass
#: Where QEMU looks, in order, for the BIOS it loads by default for x86 guests (Debian's seabios package installs
#: the second; other distributions link the first to it).
X86_BIOS_FILES = ("/usr/share/qemu/bios-256k.bin", "/usr/share/seabios/bios-256k.bin")
_X86_ARCHES = ("x86_64", "i686")


@attrs.frozen
class Need:
    """What an apply asks of one host: the largest guest's vCPUs and the memory of new guests."""

    vcpus: int = 0
    memory_mib: int = 0
    #: Host links that provider networks sit on: ("bridge", name) or ("interface", name).
    links: frozenset[tuple[str, str]] = frozenset()


@attrs.frozen
class Problem:
    """One reason a host cannot take work, with what to do about it."""

    host: str
    check: str  # "reachable", "acceleration", "firmware", "pool", "cpus", "memory", "bridge" or "interface"
    message: str

    def __str__(self) -> str:
        return f"host {self.host!r}: {self.message}"


@attrs.define
class HostReport:
    """What preflight saw on one host."""

    host: str
    uri: str
    reachable: bool = False
    acceleration: str | None = None  # "kvm", "tcg" or "simulated"
    cpus: int | None = None
    free_memory_mib: int | None = None
    pool_path: str | None = None
    bios_path: str | None = None  # the BIOS file x86 guests load (x86 hosts on this machine)
    problems: list[Problem] = attrs.field(factory=list)


class PreflightError(HostError):
    """Hosts failed their preflight; nothing was touched.  ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        detail = f"{len(problems)} problem(s), nothing was touched:\n{lines}"
        super().__init__(problems[0].host, "preflight", detail)
        IaasError.__init__(self, f"host preflight failed: {detail}")


def host_reports(
    cloud: Cloud, hosts: Iterable[str] | None = None, needs: Mapping[str, Need] | None = None
) -> list[HostReport]:
    """Check ``hosts`` (default: every host of the cloud), each against its ``needs``."""
    names = list(cloud.hosts) if hosts is None else list(hosts)
    reports = []
    for name in names:
        need = (needs or {}).get(name, Need())
        report = check_host(cloud.hosts[name], cloud.host_configs[name], need)
        if report.reachable and need.links:
            _check_links(cloud, name, need, report)
        reports.append(report)
    return reports


def _check_links(cloud: Cloud, name: str, need: Need, report: HostReport) -> None:
    """The bridges and interfaces the host's provider networks sit on exist (iaas never makes them)."""
    for what, link in sorted(need.links):
        problem = missing_link(cloud, name, what, link)
        if problem:
            message = f"{problem}: a provider network sits on it; create it on the host first"
            report.problems.append(Problem(name, what, message))


def preflight(
    cloud: Cloud, hosts: Iterable[str] | None = None, needs: Mapping[str, Need] | None = None
) -> list[Problem]:
    """Every problem of ``hosts`` (default: all); empty when they can all take work."""
    return [p for r in host_reports(cloud, hosts, needs) for p in r.problems]


def check_host(host: Host, config: HostConfig, need: Need = Need()) -> HostReport:
    """Preflight one host."""
    report = HostReport(host.name, host.uri)
    if host.simulated:
        report.reachable, report.acceleration = True, "simulated"
        return report
    try:
        info = host.info()
    except HostError as exc:
        report.problems.append(
            Problem(
                host.name,
                "reachable",
                (
                    f"libvirtd is not reachable at {host.uri}: {exc.detail}. Start it on the host (as root: "
                    f"`virtlogd -d; libvirtd -d`) or correct the host's uri in the cloud config"
                ),
            )
        )
        return report
    report.reachable, report.cpus, report.free_memory_mib = True, info.cpus, info.free_memory_mib
    report.acceleration = "kvm" if info.domain_type == "kvm" else "tcg"
    accelerated = _check_acceleration(host, info, report)
    local = on_this_machine(host.uri) and not config.is_remote
    _check_firmware(host, info, report, ask_libvirt=accelerated, on_this_machine=local)
    if local:
        _check_pool_dir(host.name, config, report)
    else:
        _check_remote_pools(host, report)
    _check_capacity(host.name, info.cpus, int(info.free_memory_mib * config.ram_ratio), need, report)
    return report


def _check_acceleration(host: Host, info: HostInfo, report: HostReport) -> bool:
    try:
        caps = host.capabilities()
    except HostError as exc:
        report.problems.append(Problem(host.name, "acceleration", f"cannot read its capabilities: {exc.detail}"))
        return False
    if info.domain_type not in guest_domain_types(caps, info.arch):
        how = (
            "load the kvm_intel or kvm_amd module"
            if info.domain_type == "kvm"
            else "install qemu-system-x86 and libvirt-daemon-driver-qemu, then restart libvirtd"
        )
        report.problems.append(
            Problem(
                host.name,
                "acceleration",
                (
                    f"cannot run {report.acceleration.upper() if report.acceleration else ''} guests "
                    f"(<domain type='{info.domain_type}'>): {how}"
                ),
            )
        )
        return False
    return True


def _check_firmware(
    host: Host, info: HostInfo, report: HostReport, *, ask_libvirt: bool, on_this_machine: bool
) -> None:
    """Libvirt's word on booting guests (unless acceleration failed: it would fail alike), then the BIOS file."""
    guests = f"{info.arch} guests (<domain type='{info.domain_type}'>)"
    if ask_libvirt:
        try:
            supported = boot_supported(host.domain_capabilities(info.arch, info.domain_type))
        except HostError as exc:
            report.problems.append(
                Problem(
                    host.name,
                    "firmware",
                    (
                        f"cannot read what firmware {guests} can boot: {exc.detail}. Install the QEMU emulator for "
                        f"{info.arch} (Debian: qemu-system-x86 for x86_64) and restart libvirtd"
                    ),
                )
            )
        else:
            if not supported:
                report.problems.append(
                    Problem(
                        host.name,
                        "firmware",
                        (
                            f"libvirt reports that {guests} cannot boot"
                            " (<os supported='no'> in its domain capabilities): install QEMU's firmware"
                            " (Debian: seabios and qemu-system-data; ovmf for UEFI) and restart libvirtd"
                        ),
                    )
                )
    if on_this_machine and info.arch in _X86_ARCHES:
        report.bios_path = next((path for path in X86_BIOS_FILES if os.path.isfile(path)), None)
        if report.bios_path is None:
            report.problems.append(
                Problem(
                    host.name,
                    "firmware",
                    (
                        f"the BIOS QEMU loads for x86 guests is missing (none of {', '.join(X86_BIOS_FILES)}): install "
                        "seabios and qemu-system-data (as root: `apt-get install seabios qemu-system-data`)"
                    ),
                )
            )


def _check_pool_dir(name: str, config: HostConfig, report: HostReport) -> None:
    root = Path(config.pool_path or DEFAULT_POOL_ROOT)
    report.pool_path = str(root)
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        where = "is not writable" if existing == root else f"cannot be made ({existing} is not a writable directory)"
        report.problems.append(
            Problem(
                name,
                "pool",
                (
                    f"the storage pool directory {root} {where}: make it writable for this user or set the "
                    f"host's pool_path in the cloud config"
                ),
            )
        )


def _check_remote_pools(host: Host, report: HostReport) -> None:
    """On a remote host, the iaas pools that exist must be active and have room (seen through libvirt)."""
    for name in (IMAGE_POOL, VOLUME_POOL):
        try:
            pool = host.pool_info(name)
        except HostError as exc:
            report.problems.append(Problem(host.name, "pool", f"cannot read its storage pool {name}: {exc.detail}"))
            continue
        if pool is None:
            continue  # made under pool_path when first needed
        if not pool.active:
            report.problems.append(
                Problem(
                    host.name,
                    "pool",
                    (
                        f"its storage pool {name} ({pool.path}) is not active: start it on the host "
                        f"(`virsh pool-start {name}`) or remove it so that iaas makes it again"
                    ),
                )
            )
        elif pool.available_bytes < MIN_POOL_FREE:
            report.problems.append(
                Problem(
                    host.name,
                    "pool",
                    (
                        f"its storage pool {name} ({pool.path}) has {pool.available_bytes // 2**20} MiB free: free"
                        " space there or set the host's pool_path to a larger file system"
                    ),
                )
            )


def _check_capacity(name: str, cpus: int, free_mib: int, need: Need, report: HostReport) -> None:
    if cpus < 1 or need.vcpus > cpus:
        report.problems.append(
            Problem(
                name,
                "cpus",
                (f"has {cpus} CPU(s); a guest asks for {need.vcpus}: give it fewer vCPUs or place it on a larger host"),
            )
        )
    if need.memory_mib > free_mib:
        report.problems.append(
            Problem(
                name,
                "memory",
                (
                    f"has {free_mib} MiB of free memory (with its ram_ratio);"
                    f" the new guests need {need.memory_mib} MiB:"
                    " stop guests there, use less memory or place them on another host"
                ),
            )
        )


# ------------------------------------------------------------ an instance's hardware

HARDWARE_FIELDS = ("cpu_mode", "machine", "firmware", "secure_boot", "tpm", "disk_bus", "graphics")
_CAPS_TTL = 30.0  # seconds a host's capabilities are trusted (a plan reads them once per host and machine)
_caps_cache: dict[tuple[str, str | None], tuple[float, tuple[str, frozenset[str], GuestCaps | None]]] = {}


def hardware_problems(host: Host, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a real host cannot give an instance's hardware, as (field, message) pairs; none on simulated hosts.

    Checks the machine type, the CPU mode or model, UEFI firmware and secure
    boot, the emulated TPM, the disk bus and the graphics against what the
    host's libvirt reports (its capabilities and domain capabilities).
    """
    if host.simulated:
        return []
    machine = inputs.get("machine") if isinstance(inputs.get("machine"), str) else None
    try:
        where, machines, caps = _guest_caps(host, machine)
    except HostError as exc:
        return [("machine" if machine else "host", f"cannot read what host {host.name!r} offers guests: {exc.detail}")]
    if caps is None:
        short = sorted(m for m in machines if not any(ch.isdigit() for ch in m))
        return [
            (
                "machine",
                f"host {host.name!r} has no machine type {machine!r} for {where} "
                f"(it has {', '.join(short)} and versioned ones)",
            )
        ]
    return _cpu_problem(host.name, caps, inputs.get("cpu_mode")) + _device_problems(host.name, caps, inputs)


def _guest_caps(host: Host, machine: str | None) -> tuple[str, frozenset[str], GuestCaps | None]:
    """(what guests, the machine types, the capabilities of ``machine`` or None when the host lacks it), cached."""
    key = (host.uri, machine)
    now = time.monotonic()
    hit = _caps_cache.get(key)
    if hit is not None and now - hit[0] < _CAPS_TTL:
        return hit[1]
    info = host.info()
    where = f"{info.arch} guests (<domain type='{info.domain_type}'>)"
    machines = machine_types(host.capabilities(), info.arch, info.domain_type)
    caps = None
    if machine is None or machine in machines:
        caps = guest_caps(host.domain_capabilities(info.arch, info.domain_type, machine))
    _caps_cache[key] = (now, (where, machines, caps))
    return where, machines, caps


def _cpu_problem(host: str, caps: GuestCaps, mode: Any) -> list[tuple[str, str]]:
    if not isinstance(mode, str):
        return []
    if mode in hardware.CPU_MODES:
        if mode in caps.cpu_modes:
            return []
        why = " (it needs KVM; this host emulates guests with TCG)" if mode == "host-passthrough" else ""
        return [("cpu_mode", f"host {host!r} does not offer CPU mode {mode}{why}: use host-model or a CPU model name")]
    if mode in caps.cpu_models:
        return []
    known = ", ".join(sorted(caps.cpu_models, key=str.lower)[:40])
    return [("cpu_mode", f"host {host!r} knows no CPU model {mode!r} (it knows {known})")]


def _device_problems(host: str, caps: GuestCaps, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    on = f"machine {caps.machine}"
    if inputs.get("firmware") == "uefi" and not caps.uefi:
        found.append(
            (
                "firmware",
                f"host {host!r} has no UEFI firmware for {on}: install ovmf there (Debian: "
                "apt-get install ovmf) and restart libvirtd",
            )
        )
    elif inputs.get("secure_boot") is True and not caps.secure_boot:
        found.append(
            (
                "secure_boot",
                f"host {host!r} has no secure-boot UEFI firmware for {on}: install ovmf there and restart libvirtd",
            )
        )
    if inputs.get("tpm") is True and not caps.tpm_emulator:
        found.append(
            (
                "tpm",
                f"host {host!r} cannot emulate a TPM 2.0: install swtpm and swtpm-tools there "
                "(Debian: apt-get install swtpm swtpm-tools) and restart libvirtd",
            )
        )
    bus = inputs.get("disk_bus")
    if isinstance(bus, str) and caps.disk_buses and bus not in caps.disk_buses:
        found.append(
            (
                "disk_bus",
                f"{on} on host {host!r} has no {bus} disk bus (it has "
                f"{', '.join(sorted(b for b in caps.disk_buses if b in hardware.DISK_BUSES))})",
            )
        )
    graphics = inputs.get("graphics")
    if isinstance(graphics, str) and graphics != "none" and caps.graphics and graphics not in caps.graphics:
        found.append(
            (
                "graphics",
                f"host {host!r} offers no {graphics} graphics (it offers "
                f"{', '.join(sorted(g for g in caps.graphics if g in hardware.GRAPHICS))})",
            )
        )
    return found
