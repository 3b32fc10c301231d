"""The pieces an instance is built from on its host: image, root disk, volumes, NICs, seed file.

:class:`Parts` resolves an instance's references on its host (checking what
only the host can tell: that the network and volumes exist there, that a
fixed IP is free) and makes the disks, DHCP entries and seed ISO.
"""

from __future__ import annotations

import hashlib
import ipaddress
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.base import OpContext
from iaas.cloud.kinds import _overlay, _seed
from iaas.cloud.kinds._libvirt import GIB, LibvirtHandler, fmt_of, invalid, mac_address
from iaas.cloud.kinds.image import Handler as ImageHandler
from iaas.cloud.kinds.security_group import CLEAN_TRAFFIC, policy_name
from iaas.cloud.kinds.volume import grow_volume, overlay_spec
from iaas.cloud.pools import VOLUME_POOL
from iaas.drivers.libvirt import DiskSpec, DomainInfo, DomainSpec, Meta, NetworkInfo, NicSpec, VolumeInfo
from iaas.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

ROOT_SUFFIX = "-root"
SEED_SUFFIX = "-seed"
CONSOLE_SUFFIX = "-console"
COMBINED_FILTER_PREFIX = "iaas-sgs-"  # nwfilter of a NIC in several security groups


def root_name(instance_id: str) -> str:
    """The root disk volume of an instance."""
    return f"iaas-{instance_id}{ROOT_SUFFIX}.qcow2"


def seed_name(instance_id: str) -> str:
    """The cloud-init seed ISO of an instance."""
    return f"iaas-{instance_id}{SEED_SUFFIX}.iso"


def console_name(instance_id: str) -> str:
    """The serial console log of an instance on a real host."""
    return f"iaas-{instance_id}{CONSOLE_SUFFIX}.log"


#: The device names' prefix per disk bus.
_PREFIXES = {"virtio": "vd", "scsi": "sd", "sata": "sd", "ide": "hd"}
#: The names the root disk has on each bus (a guest's first disk).
ROOT_TARGETS = ("vda", "sda", "hda")


def disk_target(index: int, bus: str = "virtio") -> str:
    """Guest device name of the ``index``-th disk on ``bus``: vda, vdb, ..., vdz, vdaa, ... (sd*, hd*)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return _PREFIXES.get(bus, "vd") + letters


def disk_serial(volume_id: str) -> str:
    """The disk serial of a volume (virtio allows 20 characters): its id without dashes."""
    return volume_id.replace("-", "")[:20]


def disk_specs(
    root_path: str | None, volumes: list[tuple[str, VolumeInfo]], current: DomainSpec | None, bus: str = "virtio"
) -> tuple[DiskSpec, ...]:
    """The disks of a guest on ``bus``: the root disk first (vda), then the volumes.

    A volume already attached to ``current`` keeps its target; the others get
    the first free targets in order.
    """
    root = disk_target(0, bus)
    disks = [DiskSpec(target=root, path=root_path, format="qcow2", bus=bus)] if root_path else []
    taken = {root}
    attached = {d.path: d.target for d in current.disks} if current is not None else {}
    targets: dict[str, str] = {}
    for vid, vol in volumes:
        target = attached.get(vol.path)
        if target is not None and target not in taken:
            targets[vid] = target
            taken.add(target)
    index = 1
    for vid, vol in volumes:
        if vid not in targets:
            while disk_target(index, bus) in taken:
                index += 1
            targets[vid] = disk_target(index, bus)
            taken.add(targets[vid])
        disks.append(
            DiskSpec(target=targets[vid], path=vol.path, format=fmt_of(vol.format), serial=disk_serial(vid), bus=bus)
        )
    return tuple(disks)


def hardware(inputs: dict[str, Any]) -> dict[str, Any]:
    """An instance's virtual hardware, as :class:`DomainSpec` fields (see :mod:`iaas.model.hardware`)."""
    graphics = inputs.get("graphics") or "none"
    return {
        "cpu_mode": inputs.get("cpu_mode"),
        "machine": inputs.get("machine"),
        "firmware": inputs.get("firmware") or "bios",
        "secure_boot": bool(inputs.get("secure_boot")),
        "tpm": bool(inputs.get("tpm")),
        "boot": tuple(inputs.get("boot_order") or ()),
        "graphics": None if graphics == "none" else graphics,
    }


def observed_hardware(spec: DomainSpec) -> dict[str, Any]:
    """The hardware fields a host shows as they were asked (machine and CPU read back expanded: left out)."""
    root = next((d for d in spec.disks if d.target in ROOT_TARGETS), None)
    out: dict[str, Any] = {
        "firmware": spec.firmware,
        "secure_boot": spec.secure_boot,
        "tpm": spec.tpm,
        "graphics": spec.graphics or "none",
    }
    if root is not None:
        out["disk_bus"] = root.bus
    return out


@attrs.frozen
class NicPlan:
    """One NIC of an instance: its device, the network's id, its static IP (the user's fixed IP or the address
    iaas gave it) and DHCP host name."""

    spec: NicSpec
    network_id: str
    fixed_ip: str | None = None
    hostname: str | None = None


class Parts(LibvirtHandler):
    """The parts of one instance (``id``) on one host, for one operation (``ctx``)."""

    kind = "instance"

    def __init__(self, cloud: Cloud, ctx: OpContext, id: str, host_name: str):
        super().__init__(cloud)
        self.ctx = ctx
        self.id = id
        self.host_name = host_name

    # ------------------------------------------------------------ disks

    def image(self, inputs: dict[str, Any]) -> VolumeInfo:
        """The image volume on the host (imported there first when missing)."""
        handler = self.cloud.handler("image")
        assert isinstance(handler, ImageHandler)
        return handler.on_host(self.ctx, "image", str(inputs["image"]), self.host_name)

    def boot(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The image's direct kernel boot (``kernel``, ``initrd``, ``cmdline``); empty when it boots its disk."""
        rec = self.record("image", str(inputs["image"]), self.ctx.stack)
        recorded = ((rec.data or {}).get("inputs") or {}) if rec is not None else {}
        if not recorded.get("kernel"):
            return {}
        return {k: recorded.get(k) for k in ("kernel", "initrd", "cmdline")}

    def check_root_size(self, inputs: dict[str, Any], image: VolumeInfo) -> None:
        """The root disk must hold the image."""
        if image.capacity_bytes > int(inputs["root_disk_gib"]) * GIB:
            raise invalid(
                self.ctx.address,
                "root_disk_gib",
                f"the image needs at least {-(-image.capacity_bytes // GIB)} GiB; got {inputs['root_disk_gib']}",
            )

    def volume_pool_dir(self) -> str:
        """The directory of the host's volume pool (made if missing)."""
        pool = self.ensure_pool(self.host_name, VOLUME_POOL)
        return (pool.path or self.pool_dir(self.host_name, VOLUME_POOL)).rstrip("/")

    def root_disk(self, inputs: dict[str, Any], image: VolumeInfo) -> VolumeInfo:
        """The root disk: a qcow2 overlay on the image, ``root_disk_gib`` large (an existing one is kept)."""
        self.check_root_size(inputs, image)
        capacity = int(inputs["root_disk_gib"]) * GIB
        self.ensure_pool(self.host_name, VOLUME_POOL)
        spec = overlay_spec(root_name(self.id), capacity, image)
        return self.host(self.host_name).create_volume(VOLUME_POOL, spec)

    def grow_root(self, size_gib: int) -> None:
        """Grow the root disk to ``size_gib`` GiB (never shrinks it)."""
        host = self.host(self.host_name)
        vol = host.get_volume(VOLUME_POOL, root_name(self.id))
        if vol is None:
            raise NotFoundError(
                f"{self.ctx.address}: the root disk {root_name(self.id)} is gone from host {self.host_name!r}"
            )
        grow_volume(host, vol, size_gib * GIB)

    def volumes(self, inputs: dict[str, Any]) -> list[tuple[str, VolumeInfo]]:
        """The extra volumes (id and volume), each of which must be on the instance's host."""
        found = []
        for i, ref in enumerate(inputs.get("volumes") or []):
            rec = self.record("volume", str(ref), self.ctx.stack)
            vid = rec.id if rec is not None else str(ref)
            vol = self.find_volume(self.host_name, VOLUME_POOL, vid)
            if vol is None:
                where = rec.host if rec is not None else None
                message = (
                    f"volume {ref!r} is on host {where!r}, not on the instance's host {self.host_name!r}"
                    if where and where != self.host_name
                    else f"no volume {ref!r} on host {self.host_name!r}"
                )
                raise invalid(self.ctx.address, f"volumes[{i}]", message)
            found.append((vid, vol))
        return found

    # ------------------------------------------------------------ NICs

    def nics(self, inputs: dict[str, Any], hostname: str | None, own: Mapping[str, str | None] = {}) -> list[NicPlan]:
        """The NICs: networks resolved on the host, MACs derived, fixed IPs checked, filters chosen.

        ``own`` holds the guest's current NICs (MAC and static IP).  A NIC without a fixed IP on a network iaas
        serves gets the address admission gave it (see :meth:`given_addresses`).
        """
        found = []
        seen: dict[str, int] = {}
        for i, nic in enumerate(inputs.get("nics") or []):
            info = self._network(i, str(nic.get("network")))
            occurrence = seen.get(info.uuid, 0)
            seen[info.uuid] = occurrence + 1
            mac = mac_address(self.id, info.uuid, occurrence)
            fixed = nic.get("fixed_ip")
            if fixed:
                self._check_fixed_ip(i, info, str(fixed), frozenset(own) | {mac})
            found.append((i, nic, info, mac, occurrence))
        given = self.given_addresses([(info, mac, nic.get("fixed_ip")) for _, nic, info, mac, _ in found], own)
        plans = []
        for i, nic, info, mac, occurrence in found:
            address = str(nic["fixed_ip"]) if nic.get("fixed_ip") else given.get(mac)
            filter = self._filter(i, nic.get("security_groups") or [], info.spec.mode)
            known = (("IP", address),) if address and filter else ()  # no address learning, which a filter
            spec = NicSpec(network=info.name, mac=mac, filter=filter, filter_params=known)  # redefined meanwhile fails
            plans.append(NicPlan(spec, info.uuid, address, None if occurrence else hostname))  # a name once per network
        return plans

    def given_addresses(
        self, nics: list[tuple[NetworkInfo, str, Any]], own: Mapping[str, str | None]
    ) -> dict[str, str]:
        """The address iaas gives each NIC (network, MAC, fixed IP) that has no fixed IP, on a network it serves by
        DHCP: one of the addresses admission claimed for the instance on that network.  A NIC the guest has
        already keeps its static address (none for one made before iaas gave addresses); a new one takes the
        lowest claimed address no other NIC uses."""
        claims = self.cloud.inventory.claimed(self.id, "fixed_ip")
        free: dict[str, list[ipaddress.IPv4Address]] = {}
        for info, _, _ in nics:
            prefix = f"{info.uuid}/"
            free[info.uuid] = sorted(
                ipaddress.IPv4Address(k.removeprefix(prefix)) for k in claims if k.startswith(prefix)
            )
        used = {(info.uuid, str(fixed)) for info, _, fixed in nics if fixed}
        used |= {(info.uuid, str(own[mac])) for info, mac, fixed in nics if not fixed and own.get(mac)}
        given: dict[str, str] = {}
        for info, mac, fixed in nics:
            if fixed or info.spec.dhcp_start is None:
                continue
            if mac in own:
                address = own[mac]
                if address and ipaddress.IPv4Address(address) in free[info.uuid]:
                    given[mac] = address
                continue
            address = next((str(a) for a in free[info.uuid] if (info.uuid, str(a)) not in used), None)
            if address is not None:
                used.add((info.uuid, address))
                given[mac] = address
        return given

    def nics_to_remove(self, info: DomainInfo | None, inputs: dict[str, Any], outputs: dict[str, Any]) -> list[NicPlan]:
        """The NICs the guest has on its host and those its record names, once each, with their network's id (on
        networks that still exist): what its delete removes.  No network's definition is read for it."""
        pairs = [(nic.network, nic.mac) for nic in (info.nics if info is not None else ())]
        macs = list(outputs.get("mac_addresses") or [])
        pairs += [(str(nic.get("network")), mac) for nic, mac in zip(inputs.get("nics") or [], macs, strict=False)]
        host = self.host(self.host_name)
        names: dict[str, tuple[str, str] | None] = {}
        plans: dict[tuple[str, str], NicPlan] = {}
        for ref, mac in pairs:
            if ref not in names:
                names[ref] = host.network_names(ref)
            found = names[ref]
            if found is not None and mac:
                plans.setdefault((found[0], mac.lower()), NicPlan(NicSpec(network=found[1], mac=mac), found[0]))
        return list(plans.values())

    def dhcp(self, action: str, nic: NicPlan) -> None:
        """Add (or change) the NIC's static DHCP entry, or delete it; a missing network is fine on delete.

        The entry goes to the network's own host, where its DHCP service runs (see :mod:`._overlay`).
        """
        host = self.host(self.network_home(nic.network_id) or self.host_name)
        try:
            if action == "delete":
                host.update_dhcp_host(nic.spec.network, "delete", nic.spec.mac, nic.fixed_ip or "")
            elif nic.fixed_ip:
                host.update_dhcp_host(nic.spec.network, "add", nic.spec.mac, nic.fixed_ip, nic.hostname)
        except NotFoundError:
            if action != "delete":
                raise

    def network_home(self, network_id: str) -> str | None:
        """The network's own host when it is another host of the cloud than the instance's (a spanned network)."""
        return _overlay.home_of(self.cloud, network_id, self.host_name)

    def _network(self, index: int, ref: str) -> NetworkInfo:
        """The network of a NIC as its own host has it; a network of another host is spanned to this one."""
        rec = self.record("network", ref, self.ctx.stack)
        home = self.network_home(rec.id) if rec is not None else None
        if rec is not None and home is not None:
            info = self.host(home).get_network(rec.id)
            if info is not None:
                problem = _overlay.span_problem(self.cloud, home, info, self.host_name)
                if problem:
                    raise invalid(self.ctx.address, f"nics[{index}].network", problem)
                meta = Meta(rec.stack or "", rec.address or "", rec.project or "")
                _overlay.join(self.cloud, home, info, self.host_name, meta)
                return info
        host = self.host(self.host_name)
        info = host.get_network(rec.id) if rec is not None else None
        info = info or host.get_network(ref)
        if info is None:
            raise invalid(self.ctx.address, f"nics[{index}].network", f"no network {ref!r} on host {self.host_name!r}")
        return info

    def _check_fixed_ip(self, index: int, info: NetworkInfo, ip: str, own: frozenset[str]) -> None:
        field = f"nics[{index}].fixed_ip"
        spec = info.spec
        if spec.ipv4_address is None or spec.ipv4_prefix is None:
            raise invalid(self.ctx.address, field, f"network {info.name!r} has no IPv4 subnet")
        net = ipaddress.IPv4Interface(f"{spec.ipv4_address}/{spec.ipv4_prefix}").network
        addr = ipaddress.IPv4Address(ip)
        if addr not in net or addr in (
            net.network_address,
            net.broadcast_address,
            ipaddress.IPv4Address(spec.ipv4_address),
        ):
            raise invalid(
                self.ctx.address,
                field,
                f"{ip} is not a usable address of network {info.name!r} ({net}, gateway {spec.ipv4_address})",
            )
        holder = next((h for h in spec.dhcp_hosts if h.ip == ip and h.mac not in own), None)
        if holder is not None:
            raise ConflictError(
                f"{self.ctx.address}.{field}: {ip} is already given to {holder.mac}"
                f"{f' ({holder.name})' if holder.name else ''} on network {info.name!r}"
            )

    def _filter(self, index: int, groups: list[Any], mode: str = "nat") -> str | None:
        """The nwfilter of a NIC in these groups: anti-spoofing only without groups; None on simulated hosts."""
        if self.host(self.host_name).simulated:
            return None
        if not groups:  # libvirt filters no macvtap NIC
            return CLEAN_TRAFFIC if mode != "macvtap" else None
        ids = []
        for j, ref in enumerate(groups):
            rec = self.record("security_group", str(ref), self.ctx.stack)
            if rec is None:
                raise invalid(self.ctx.address, f"nics[{index}].security_groups[{j}]", f"no security group {ref!r}")
            ids.append(rec.id)
        ids = sorted(set(ids))
        self.cloud.handler("security_group").ensure_on(self.host_name, ids)  # type: ignore[attr-defined]
        if len(ids) == 1:
            return policy_name(ids[0])
        name = COMBINED_FILTER_PREFIX + hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
        groups_handler = self.cloud.handler("security_group")
        xml = groups_handler.policy(name, str(uuid.uuid5(uuid.NAMESPACE_URL, f"iaas:nwfilter:{name}")), ids)  # type: ignore[attr-defined]
        self.host(self.host_name).define_nwfilter(xml)
        return name

    # ------------------------------------------------------------ seed file

    def write_seed_iso(self, files: dict[str, str], name: str) -> str:
        """Build the seed ISO into the host's volume pool; its path.

        On a host on this machine the ISO is written into the pool directory;
        a remote host gets it through its libvirt connection (replacing an
        older seed of the same name).
        """
        pool = self.ensure_pool(self.host_name, VOLUME_POOL)
        host = self.host(self.host_name)
        if not self.local(self.host_name):
            with tempfile.TemporaryDirectory(prefix="iaas-seed-") as tmp:
                iso = Path(tmp) / name
                _seed.build_iso(files, iso)
                host.delete_volume(VOLUME_POOL, name)
                return host.upload_volume(VOLUME_POOL, name, iso, "raw").path
        dest = Path(pool.path or self.pool_dir(self.host_name, VOLUME_POOL)) / name
        _seed.build_iso(files, dest)
        host.pool_info(VOLUME_POOL)  # rescan, so the ISO shows as a volume
        return str(dest)

    def seed_file_present(self, name: str) -> bool:
        """Whether the seed ISO is in the host's volume pool."""
        self.host(self.host_name).pool_info(VOLUME_POOL)  # rescan the pool directory
        return self.host(self.host_name).get_volume(VOLUME_POOL, name) is not None

    def remove_seed_file(self, name: str) -> None:
        """Delete a file of the instance in the volume pool, such as its seed ISO or console log.

        It goes as a volume, and as a file on a local real host.  The pool is rescanned first: the console log is
        written by the host, so libvirt knows it as a volume only after a scan.
        """
        host = self.host(self.host_name)
        pool = None if host.simulated else host.pool_info(VOLUME_POOL)
        host.delete_volume(VOLUME_POOL, name)
        if pool is not None and pool.path and self.local(self.host_name):
            (Path(pool.path) / name).unlink(missing_ok=True)
