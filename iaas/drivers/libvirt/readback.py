"""Read libvirt XML back into the driver's specs.

These functions are the inverse of the templates in ``render``: rendering a
spec and reading the host's XML back gives an equal spec, except for values
the host fills in (a generated UUID or bridge name).  Elements iaas does not
model are ignored.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET

from iaas.drivers.libvirt.specs import DhcpHost, DiskSpec, DomainSpec, GuestCaps, NetworkSpec, NicSpec, VolumeInfo

_UNITS = {
    "b": 1,
    "bytes": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
    "tb": 1000**4,
}
_MODES = {None: "isolated", "nat": "nat", "route": "routed"}


def to_bytes(element: ET.Element | None, default_unit: str = "bytes") -> int:
    """Size held by an element with an optional ``unit`` attribute, in bytes."""
    text = (element.text or "").strip() if element is not None else ""
    if element is None or not text:
        return 0
    unit = (element.get("unit") or default_unit).lower()
    return int(text) * _UNITS[unit]


def _text(root: ET.Element, path: str) -> str | None:
    found = root.find(path)
    return found.text if found is not None and found.text is not None else None


def _attr(root: ET.Element, path: str, name: str) -> str | None:
    found = root.find(path)
    return found.get(name) if found is not None else None


# --- networks ---------------------------------------------------------------


def _ipv4(root: ET.Element) -> ET.Element | None:
    for ip in root.findall("ip"):
        if ip.get("family", "ipv4") == "ipv4":
            return ip
    return None


def _prefix(ip: ET.Element) -> int | None:
    if ip.get("prefix"):
        return int(ip.get("prefix", "0"))
    if ip.get("netmask"):
        return ipaddress.IPv4Network(f"0.0.0.0/{ip.get('netmask')}").prefixlen
    return None


def network_spec(xml: str) -> NetworkSpec:
    """Read a network's XML into a :class:`NetworkSpec`."""
    root = ET.fromstring(xml)
    ip = _ipv4(root)
    hosts: list[DhcpHost] = []
    dhcp_start = dhcp_end = None
    if ip is not None:
        dhcp_start = _attr(ip, "dhcp/range", "start")
        dhcp_end = _attr(ip, "dhcp/range", "end")
        hosts = [
            DhcpHost(mac=h.get("mac", ""), ip=h.get("ip", ""), name=h.get("name")) for h in ip.findall("dhcp/host")
        ]
    mode = _attr(root, "forward", "mode")
    interface = _attr(root, "forward/interface", "dev")
    if mode == "bridge" and interface:
        mode = "macvtap"  # guests on macvtap devices over a host interface
    mtu = _attr(root, "mtu", "size")
    return NetworkSpec(
        name=_text(root, "name") or "",
        uuid=_text(root, "uuid"),
        mode=_MODES.get(mode, mode),  # type: ignore[arg-type]
        bridge=_attr(root, "bridge", "name"),
        ipv4_address=ip.get("address") if ip is not None else None,
        ipv4_prefix=_prefix(ip) if ip is not None else None,
        dhcp_start=dhcp_start,
        dhcp_end=dhcp_end,
        dhcp_hosts=tuple(hosts),
        dns_domain=_attr(root, "domain", "name"),
        mtu=int(mtu) if mtu else None,
        interface=interface,
        dns_hosts=tuple(
            (h.get("ip", ""), tuple(n.text or "" for n in h.findall("hostname"))) for h in root.findall("dns/host")
        ),
    )


# --- domains ----------------------------------------------------------------


def _disk(disk: ET.Element) -> DiskSpec | None:
    source = disk.find("source")
    target = _attr(disk, "target", "dev") or ""
    fmt = _attr(disk, "driver", "type") or "raw"
    serial = _text(disk, "serial")
    bus = _attr(disk, "target", "bus") or "virtio"
    if source is None:
        return None
    if source.get("file") is not None:
        return DiskSpec(target=target, path=source.get("file"), format=fmt, serial=serial, bus=bus)  # type: ignore[arg-type]
    if source.get("pool") is not None and source.get("volume") is not None:
        return DiskSpec(
            target=target,
            pool=source.get("pool"),
            volume=source.get("volume"),
            format=fmt,  # type: ignore[arg-type]
            serial=serial,
            bus=bus,
        )
    return None


def disks(root: ET.Element) -> tuple[DiskSpec, ...]:
    """The disk devices (not cdroms) of a parsed domain, in order."""
    found = (_disk(d) for d in root.findall("devices/disk") if d.get("device", "disk") == "disk")
    return tuple(d for d in found if d is not None)


def nic(iface: ET.Element) -> NicSpec:
    """Read one ``<interface type='network'>`` element."""
    params = [(p.get("name", ""), p.get("value", "")) for p in iface.findall("filterref/parameter")]
    return NicSpec(
        network=_attr(iface, "source", "network") or "",
        mac=_attr(iface, "mac", "address") or "",
        filter=_attr(iface, "filterref", "filter"),
        filter_params=params,
        model=_attr(iface, "model", "type") or "virtio",
    )


def nics(root: ET.Element) -> tuple[NicSpec, ...]:
    """The network NICs of a parsed domain, in order (other NIC types are skipped)."""
    return tuple(nic(i) for i in root.findall("devices/interface") if i.get("type") == "network")


def _cdrom(root: ET.Element) -> str | None:
    for disk in root.findall("devices/disk"):
        if disk.get("device") == "cdrom":
            return _attr(disk, "source", "file")
    return None


_BOOT_DEVICES = {"hd": "disk", "network": "network", "cdrom": "cdrom"}
_CPU_MODES = ("host-passthrough", "host-model", "maximum")


def _cpu_mode(root: ET.Element) -> str | None:
    """The guest's CPU: a mode, or the model name of a custom CPU; None for the hypervisor's default."""
    cpu = root.find("cpu")
    if cpu is None:
        return None
    mode = cpu.get("mode", "custom")
    if mode in _CPU_MODES:
        return mode
    return _text(cpu, "model")


def _hardware(root: ET.Element) -> dict[str, object]:
    """The virtual hardware of a parsed domain, as :class:`DomainSpec` fields."""
    os_el = root.find("os")
    efi = os_el is not None and (os_el.get("firmware") == "efi" or _attr(os_el, "loader", "type") == "pflash")
    secure = (
        any(f.get("name") == "secure-boot" and f.get("enabled") == "yes" for f in root.findall("os/firmware/feature"))
        or _attr(root, "os/loader", "secure") == "yes"
    )
    graphics = root.find("devices/graphics")
    boot = tuple(_BOOT_DEVICES.get(b.get("dev", ""), "disk") for b in root.findall("os/boot"))
    return {
        "cpu_mode": _cpu_mode(root),
        "machine": _attr(root, "os/type", "machine"),
        "firmware": "uefi" if efi else "bios",
        "secure_boot": bool(efi and secure),
        "tpm": root.find("devices/tpm") is not None,
        "boot": () if boot == ("disk",) else boot,  # the default reads back as unset
        "graphics": graphics.get("type") if graphics is not None else None,
        "graphics_listen": (_listen(graphics) if graphics is not None else None) or "127.0.0.1",
    }


def _listen(graphics: ET.Element) -> str | None:
    return _attr(graphics, "listen", "address") or graphics.get("listen")


def graphics_address(xml: str | ET.Element) -> str | None:
    """``address:port`` of a running guest's VNC or SPICE server, from its live XML (text or parsed); None without
    one."""
    graphics = (ET.fromstring(xml) if isinstance(xml, str) else xml).find("devices/graphics")
    if graphics is None:
        return None
    port = graphics.get("port")
    if not port or not port.isdigit() or int(port) <= 0:
        return None
    return f"{_listen(graphics) or '127.0.0.1'}:{port}"


def domain_spec(xml: str | ET.Element) -> DomainSpec:
    """Read a domain's XML (text, or already parsed) into a :class:`DomainSpec`.

    Maxima equal to the current value read back as None, so a spec without
    maxima round-trips unchanged.
    """
    root = ET.fromstring(xml) if isinstance(xml, str) else xml
    memory = to_bytes(root.find("memory"), "KiB") // 2**20
    current_memory = to_bytes(root.find("currentMemory"), "KiB") // 2**20 or memory
    vcpu = root.find("vcpu")
    max_vcpus = int(vcpu.text or "1") if vcpu is not None else 1
    vcpus = int(vcpu.get("current", max_vcpus)) if vcpu is not None else 1
    return DomainSpec(
        name=_text(root, "name") or "",
        uuid=_text(root, "uuid") or "",
        vcpus=vcpus,
        memory_mib=current_memory,
        max_vcpus=max_vcpus if max_vcpus != vcpus else None,
        max_memory_mib=memory if memory != current_memory else None,
        disks=disks(root),
        nics=nics(root),
        cdrom=_cdrom(root),
        console_log=_attr(root, "devices/serial/log", "file"),
        kernel=_text(root, "os/kernel"),
        initrd=_text(root, "os/initrd"),
        cmdline=_text(root, "os/cmdline"),
        **_hardware(root),  # type: ignore[arg-type]
    )


# --- storage ----------------------------------------------------------------


def volume_info(xml: str, pool: str) -> VolumeInfo:
    """Read a volume's XML into a :class:`VolumeInfo`."""
    root = ET.fromstring(xml)
    return VolumeInfo(
        name=_text(root, "name") or "",
        pool=pool,
        path=_text(root, "target/path") or "",
        key=_text(root, "key") or "",
        capacity_bytes=to_bytes(root.find("capacity")),
        allocation_bytes=to_bytes(root.find("allocation")),
        format=_attr(root, "target/format", "type"),
        backing_path=_text(root, "backingStore/path"),
        backing_format=_attr(root, "backingStore/format", "type"),
    )


def pool_path(xml: str) -> str | None:
    """Target directory of a pool, from its XML."""
    return _text(ET.fromstring(xml), "target/path")


# --- host capabilities ------------------------------------------------------


def guest_domain_types(caps_xml: str, arch: str | None = None) -> frozenset[str]:
    """The ``<domain type>`` values a host offers guests of ``arch``, from its capabilities XML.

    ``arch`` defaults to the host's own architecture (``<host><cpu><arch>``).
    """
    root = ET.fromstring(caps_xml)
    arch = arch or _text(root, "host/cpu/arch")
    return frozenset(
        domain.get("type", "")
        for guest in root.findall("guest")
        if _attr(guest, "arch", "name") == arch
        for domain in guest.findall("arch/domain")
    )


def boot_supported(domcaps_xml: str) -> bool:
    """False when a host's domain capabilities say its guests cannot boot (``<os supported='no'>``)."""
    return _attr(ET.fromstring(domcaps_xml), "os", "supported") != "no"


def machine_types(caps_xml: str, arch: str, domain_type: str) -> frozenset[str]:
    """The machine types (with their short aliases, such as q35 and pc) a host offers guests of ``arch`` and
    ``domain_type``, from its capabilities XML."""
    names: set[str] = set()
    for guest in ET.fromstring(caps_xml).findall("guest"):
        arch_el = guest.find("arch")
        if arch_el is None or arch_el.get("name") != arch:
            continue
        machines = list(arch_el.findall("machine"))
        for domain in arch_el.findall("domain"):
            if domain.get("type") == domain_type:
                machines += domain.findall("machine")
        names.update((m.text or "").strip() for m in machines)
    return frozenset(n for n in names if n)


def _values(root: ET.Element, path: str, name: str) -> frozenset[str]:
    return frozenset(v.text or "" for e in root.findall(path) if e.get("name") == name for v in e.findall("value"))


def guest_caps(domcaps_xml: str) -> GuestCaps:
    """What guests of one machine type can use, from a host's domain capabilities XML."""
    root = ET.fromstring(domcaps_xml)
    modes = frozenset(m.get("name", "") for m in root.findall("cpu/mode") if m.get("supported") == "yes")
    models = frozenset((m.text or "").strip() for m in root.findall("cpu/mode[@name='custom']/model"))
    loader = root.find("os/loader")
    loaders = [v.text or "" for v in loader.findall("value")] if loader is not None else []
    firmware = _values(root, "os/enum", "firmware")
    tpm = root.find("devices/tpm")
    emulated = (
        tpm is not None
        and tpm.get("supported") == "yes"
        and "emulator" in _values(tpm, "enum", "backendModel")
        and "2.0" in (_values(tpm, "enum", "backendVersion") or {"2.0"})
    )
    return GuestCaps(
        machine=_text(root, "machine") or "",
        cpu_modes=modes,
        cpu_models=frozenset(m for m in models if m),
        uefi="efi" in firmware or any("OVMF" in p or "edk2" in p for p in loaders),
        secure_boot="yes" in (_values(loader, "enum", "secure") if loader is not None else frozenset()),
        tpm_emulator=bool(emulated),
        disk_buses=_values(root, "devices/disk/enum", "bus"),
        graphics=_values(root, "devices/graphics/enum", "type"),
    )
