"""The typed values the libvirt driver takes and returns.

Every class here is a frozen attrs class, so values compare by content and can
be handed between threads.  A ``*Spec`` describes what to create; an ``*Info``
describes what a host reports, and carries the definition read back from the
host as a ``*Spec`` so callers can compare it with what they asked for.

Sizes are in MiB for memory and in bytes for storage.  ``None`` in an optional
field means "not set" when creating, and "not present" when read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

NetworkMode = Literal["nat", "isolated", "routed", "bridge", "macvtap"]
VolumeFormat = Literal["qcow2", "raw"]
DhcpAction = Literal["add", "modify", "delete"]
ObjectType = Literal["domain", "network", "volume", "nwfilter"]


def _lower(value: str) -> str:
    return value.lower()


def _dhcp_hosts(value: Iterable[DhcpHost]) -> tuple[DhcpHost, ...]:
    return tuple(value)


def _disks(value: Iterable[DiskSpec]) -> tuple[DiskSpec, ...]:
    return tuple(value)


def _nics(value: Iterable[NicSpec]) -> tuple[NicSpec, ...]:
    return tuple(value)


def _pairs(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), str(v)) for k, v in items)


@attrs.frozen
class Meta:
    """The iaas metadata carried by every domain and network iaas makes."""

    stack: str  # name of the stack that owns the object
    address: str  # resource address inside the stack, e.g. "instance.web"
    project: str = ""  # project the resource is billed to


@attrs.frozen
class HostInfo:
    """Size and kind of one host."""

    cpus: int  # logical CPUs
    memory_mib: int  # physical memory
    free_memory_mib: int  # memory not used by running guests
    arch: str  # e.g. "x86_64"
    domain_type: str  # "kvm", "qemu" (TCG) or "test"


@attrs.frozen
class GuestCaps:
    """What a host's guests of one machine type can use (from its domain capabilities)."""

    machine: str  # the machine type these capabilities are for, as the host names it (e.g. pc-q35-7.2)
    cpu_modes: frozenset[str]  # supported modes: host-passthrough, host-model, maximum
    cpu_models: frozenset[str]  # the named CPU models the hypervisor knows
    uefi: bool  # UEFI firmware is installed for this machine type
    secure_boot: bool  # a secure-boot capable UEFI firmware is installed for it
    tpm_emulator: bool  # an emulated TPM 2.0 can be added (swtpm is installed)
    disk_buses: frozenset[str]
    graphics: frozenset[str]


# --- networks ---------------------------------------------------------------


@attrs.frozen
class DhcpHost:
    """A static DHCP lease: this MAC always gets this IP (and host name)."""

    mac: str = attrs.field(converter=_lower)
    ip: str
    name: str | None = None


@attrs.frozen
class NetworkSpec:
    """A virtual network: a bridge, optionally routed or NATed, with DHCP.

    ``bridge`` None lets libvirt pick a free name (``virbrN``); the picked name
    is then what reads back.  ``dhcp_start``/``dhcp_end`` give the dynamic
    range; static ``dhcp_hosts`` work with or without a range.
    """

    name: str
    uuid: str | None = None
    mode: NetworkMode = "nat"
    bridge: str | None = None
    ipv4_address: str | None = None  # the host's (gateway) address on the network
    ipv4_prefix: int | None = None
    dhcp_start: str | None = None
    dhcp_end: str | None = None
    dhcp_hosts: tuple[DhcpHost, ...] = attrs.field(default=(), converter=_dhcp_hosts)
    dns_domain: str | None = None
    mtu: int | None = None
    interface: str | None = None  # mode macvtap: the host interface the guests' macvtap devices sit on
    dns_hosts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # DNS host records: (address, its names), by address

    def __attrs_post_init__(self) -> None:
        if (self.ipv4_address is None) != (self.ipv4_prefix is None):
            raise ValueError("ipv4_address and ipv4_prefix go together")
        if (self.dhcp_start or self.dhcp_end or self.dhcp_hosts) and self.ipv4_address is None:
            raise ValueError("DHCP needs an ipv4_address")
        if (self.dhcp_start is None) != (self.dhcp_end is None):
            raise ValueError("dhcp_start and dhcp_end go together")


@attrs.frozen
class NetworkInfo:
    """A network as the host reports it."""

    name: str
    uuid: str
    bridge: str | None
    active: bool
    autostart: bool
    meta: Meta | None
    spec: NetworkSpec  # the definition read back from the host


# --- storage ----------------------------------------------------------------


@attrs.frozen
class PoolInfo:
    """A storage pool as the host reports it."""

    name: str
    uuid: str
    path: str | None  # target directory
    active: bool
    capacity_bytes: int
    allocation_bytes: int
    available_bytes: int


@attrs.frozen
class VolumeSpec:
    """A volume to create in a pool; optionally a copy-on-write layer over a backing file."""

    name: str
    capacity_bytes: int
    format: VolumeFormat = "qcow2"
    backing_path: str | None = None
    backing_format: VolumeFormat | None = None


@attrs.frozen
class VolumeInfo:
    """A volume as the host reports it."""

    name: str
    pool: str
    path: str
    key: str
    capacity_bytes: int
    allocation_bytes: int
    format: str | None
    backing_path: str | None = None
    backing_format: str | None = None


# --- domains ----------------------------------------------------------------


@attrs.frozen
class DiskSpec:
    """A disk: either a file ``path`` or a ``pool`` + ``volume`` pair, on a ``bus`` (virtio, scsi, sata, ide)."""

    target: str  # guest device name: "vda", "vdb", ... ("sda" on scsi and sata, "hda" on ide)
    path: str | None = None
    pool: str | None = None
    volume: str | None = None
    format: VolumeFormat = "qcow2"
    serial: str | None = None  # shows in the guest as /dev/disk/by-id/virtio-<serial>
    bus: str = "virtio"

    def __attrs_post_init__(self) -> None:
        by_file = self.path is not None
        by_volume = self.pool is not None and self.volume is not None
        if by_file == by_volume or (self.pool is None) != (self.volume is None):
            raise ValueError(f"disk {self.target}: give either path or pool and volume")


@attrs.frozen
class NicSpec:
    """A virtio NIC on a libvirt network, optionally behind an nwfilter."""

    network: str
    mac: str = attrs.field(converter=_lower)
    filter: str | None = None  # nwfilter name
    filter_params: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    model: str = "virtio"


@attrs.frozen
class DomainSpec:
    """A guest definition.

    ``max_vcpus``/``max_memory_mib`` None means "same as the current value";
    a larger maximum leaves room to grow the guest while it runs.  With
    ``kernel`` set the guest boots that kernel directly (with ``initrd`` and
    ``cmdline``); otherwise it boots from its first disk.  ``cdrom`` is the
    path of an ISO (e.g. a cloud-init seed) and ``console_log`` a file that
    receives the serial console.

    The virtual hardware: ``cpu_mode`` (host-passthrough, host-model,
    maximum or a CPU model name; None: the hypervisor's default),
    ``machine`` (None: the hypervisor's default), ``firmware`` (bios or
    uefi, with ``secure_boot``), an emulated TPM 2.0 (``tpm``), the ``boot``
    devices in order (disk, network, cdrom; empty: disk) and ``graphics``
    (vnc or spice, listening on ``graphics_listen``, port chosen by the host).
    """

    name: str
    uuid: str
    vcpus: int
    memory_mib: int
    max_vcpus: int | None = None
    max_memory_mib: int | None = None
    disks: tuple[DiskSpec, ...] = attrs.field(default=(), converter=_disks)
    nics: tuple[NicSpec, ...] = attrs.field(default=(), converter=_nics)
    cdrom: str | None = None
    console_log: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    cpu_mode: str | None = None
    machine: str | None = None
    firmware: str = "bios"
    secure_boot: bool = False
    tpm: bool = False
    boot: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    graphics: str | None = None
    graphics_listen: str = "127.0.0.1"

    def __attrs_post_init__(self) -> None:
        if self.kernel is None and (self.initrd is not None or self.cmdline is not None):
            raise ValueError(f"domain {self.name}: initrd and cmdline need a kernel")

    @property
    def q35(self) -> bool:
        """Whether the machine is a Q35 one (no IDE bus: the CD-ROM goes on SATA)."""
        return self.machine is not None and (self.machine == "q35" or self.machine.startswith("pc-q35"))

    @property
    def cdrom_target(self) -> tuple[str, str]:
        """The CD-ROM's (device name, bus): hdc on IDE; on Q35 (no IDE) a virtio-scsi name the disks do not take
        (cloud kernels, such as Debian's, carry virtio-scsi but not the SATA driver)."""
        return ("sdz", "scsi") if self.q35 else ("hdc", "ide")

    @property
    def scsi_controller(self) -> bool:
        """Whether the guest needs its virtio-scsi controller (SCSI disks, or the CD-ROM on Q35)."""
        return any(d.bus == "scsi" for d in self.disks) or (self.cdrom is not None and self.q35)

    @property
    def effective_max_vcpus(self) -> int:
        """The vCPU ceiling: ``max_vcpus``, or ``vcpus`` when unset."""
        return self.max_vcpus if self.max_vcpus is not None else self.vcpus

    @property
    def effective_max_memory_mib(self) -> int:
        """The memory ceiling: ``max_memory_mib``, or ``memory_mib`` when unset."""
        return self.max_memory_mib if self.max_memory_mib is not None else self.memory_mib


DomainState = Literal["running", "paused", "shutoff", "other"]


@attrs.frozen
class DomainInfo:
    """A guest as the host reports it.

    ``state``, ``vcpus``, ``memory_mib``, ``nics`` and ``disks`` describe the
    guest as it is now (live); ``spec`` is its persistent definition, what it
    will be after the next start.  They differ after a change made with
    ``live=False`` to a running guest.
    """

    name: str
    uuid: str
    state: DomainState
    vcpus: int
    max_vcpus: int
    memory_mib: int
    max_memory_mib: int
    nics: tuple[NicSpec, ...]
    disks: tuple[DiskSpec, ...]
    meta: Meta | None
    spec: DomainSpec
    autostart: bool = False  # started when the host (its libvirt daemon) starts
    graphics_address: str | None = None  # "address:port" of the running guest's VNC or SPICE server


@attrs.frozen
class DomainAddress:
    """An IP address a guest holds on one of its NICs."""

    mac: str
    address: str
    prefix: int
    family: Literal["ipv4", "ipv6"]


@attrs.frozen
class ManagedObject:
    """Something on a host that iaas made (found by its metadata or its name)."""

    type: ObjectType
    name: str
    uuid: str | None  # None for volumes and network filters
    meta: Meta | None  # None for volumes and network filters, which cannot carry metadata
    pool: str | None = None  # the pool of a volume
