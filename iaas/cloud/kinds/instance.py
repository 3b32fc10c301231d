"""Instances: a libvirt domain named after the resource, with uuid = the instance id.

What an instance is made of on its host:

* a root disk ``iaas-<id>-root.qcow2`` in ``iaas-volumes``, a qcow2 overlay
  on the image (``root_disk_gib`` GiB), attached as ``vda``;
* the extra ``volumes`` (same host), attached as ``vdb``, ``vdc``, ... with
  the volume id as disk serial;
* one NIC per entry of ``nics``, with a MAC derived from the instance id and
  the network; a ``fixed_ip`` becomes a static DHCP entry of the network;
  security groups become the NIC's nwfilter (real hosts only: simulated hosts
  filter nothing);
* a cloud-init NoCloud seed (``iaas-<id>-seed.iso``, a CD-ROM).  Simulated
  hosts keep the rendered seed in the cloud's inventory only;
* on real hosts, the serial console's log ``iaas-<id>-console.log``;
* when the image names a ``kernel``, that kernel (with the image's
  ``initrd`` and ``cmdline``) is booted directly.

Changes: memory and vCPUs change live within their ceilings; other offline
changes stop the guest, redefine it and start it again; volumes and NICs are
attached and detached; the root disk grows (a running guest sees the new size
at once); ``power_state`` starts or stops the guest.  With
``wait_for_address``, a create or change of a running instance ends only once
every NIC holds its DHCP address; with ``wait_for_port``, once the first
address also accepts TCP connections on that port.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud.base import Observed, OpContext, PlannedItem, errors_to_fields
from iaas.cloud.inventory import InventoryRecord
from iaas.cloud.kinds import _dhcp_left, _migrate, _overlay, _seed
from iaas.cloud.kinds._hostcmd import host_runner, tcp_probe
from iaas.cloud.kinds._instance_observe import Observing
from iaas.cloud.kinds._instance_parts import (
    ROOT_TARGETS,
    NicPlan,
    Parts,
    console_name,
    disk_specs,
    hardware,
    root_name,
    seed_name,
)
from iaas.cloud.kinds._libvirt import invalid
from iaas.cloud.pools import VOLUME_POOL
from iaas.cloud.preflight import HARDWARE_FIELDS, hardware_problems
from iaas.drivers.libvirt import DomainInfo, DomainSpec, NicSpec, VolumeInfo, libvirtd_netns, wait_for_port
from iaas.errors import FieldError, HostError, IaasError, NotFoundError
from iaas.model import Instance
from iaas.model.values import diff

if TYPE_CHECKING:
    from iaas.drivers.libvirt import Host
    from iaas.drivers.libvirt.domains import AddressSource

log = logging.getLogger(__name__)

SEED_KIND = "instance_seed"  # inventory records holding the seeds of instances on simulated hosts
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def seed_record_id(instance_id: str) -> str:
    """Inventory id of the seed of a simulated instance."""
    return f"{instance_id}/seed"


class Handler(Observing):
    """Instances: libvirt domains with their root disk, NICs, volumes and seed."""

    kind = "instance"

    # ------------------------------------------------------------ create

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Create the instance's disks, seed, DHCP entries and domain; start it when asked.

        Every step finds what an interrupted create already did, so running
        it again with the same pending id finishes the job without duplicates.
        Everything is checked before anything is made, and the domain comes
        first: an interrupted create leaves a domain that :meth:`read` finds,
        never a disk nobody can find.  What is missing then shows as drift: no
        root disk (no image: the instance is replaced), no DHCP entry, not
        running; a missing seed is made again before the guest starts.
        """
        id = self.pending_id(ctx)
        name = self.check_name(ctx, inputs.get("name"))
        host_name = self.host_name_for(ctx, inputs, planned)
        host = self.host(host_name)
        existing = host.get_domain(id)
        if existing is None:
            same_name = host.get_domain(name)
            if same_name is not None:
                raise self.name_taken(ctx, "domain", name, host_name, same_name.meta, same_name.uuid)
        parts = Parts(self.cloud, ctx, id, host_name)
        image = parts.image(inputs)
        parts.check_root_size(inputs, image)
        volumes = parts.volumes(inputs)
        nics = parts.nics(inputs, _hostname(name))
        files = self._render_seed(ctx, id, inputs, nics)
        pool_dir = parts.volume_pool_dir()
        console = None if host.simulated else f"{pool_dir}/{console_name(id)}"
        if existing is None:
            spec = DomainSpec(
                name=name,
                uuid=id,
                vcpus=int(inputs["vcpus"]),
                memory_mib=int(inputs["memory_mib"]),
                max_vcpus=inputs.get("max_vcpus"),
                max_memory_mib=inputs.get("max_memory_mib"),
                disks=disk_specs(f"{pool_dir}/{root_name(id)}", volumes, None, _bus(inputs)),
                nics=[n.spec for n in nics],
                cdrom=f"{pool_dir}/{seed_name(id)}",
                console_log=console,
                **parts.boot(inputs),
                **hardware(inputs),
            )
            host.define_domain(spec, self.meta(ctx, inputs))
        host.set_domain_autostart(id, _runs(inputs))
        started = False
        held = None
        try:
            parts.root_disk(inputs, image)
            self._store_seed(ctx, id, name, host_name, files)
            for nic in nics:
                parts.dhcp("add", nic)
            if inputs.get("power_state", "running") == "running":
                host.start_domain(id)
                started = True
                held = self._wait_if_asked(ctx, host, id, inputs, nics)
        except IaasError as exc:
            if console is None or not started:  # no guest ever wrote to the console
                raise
            raise with_console_note(exc, host_name, console) from exc
        return self._outputs(id, host_name, host.get_domain(id), nics, held)

    # ------------------------------------------------------------ plan

    def plan_problems(self, item: PlannedItem) -> list[FieldError]:
        """Hardware the instance's host cannot give (CPU model, machine, UEFI, TPM, bus, graphics), checked
        when the instance is made or its hardware changes; nothing is known of a host not chosen yet."""
        after = item.after or {}
        host = after.get("host") or (item.outputs or {}).get("host")
        if not isinstance(host, str) or host not in self.cloud.hosts:
            return []
        if item.action == "update" and all((item.before or {}).get(f) == after.get(f) for f in HARDWARE_FIELDS):
            return []
        return errors_to_fields(item.address, hardware_problems(self.cloud.hosts[host], after))

    # ------------------------------------------------------------ read

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The instance as its host reports it: sizes, power state, disks and NICs."""
        found = self._find(id, outputs)
        if found is None:
            return None
        return self._observed(*found, extra=False)

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """An instance by id or name on any host (this stack's first), managed by iaas or not."""
        found = self.find_on_hosts(ctx, name_or_id, lambda host, ref: host.get_domain(ref))
        return None if found is None else self._observed(*found, extra=True)

    # ------------------------------------------------------------ update

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Move it when its host changed; then apply the changed fields: live where the model says live, else
        stop, redefine and start."""
        found = self._find(id, outputs) or self._find(id, {"host": new.get("host")})  # already moved there
        if found is None:
            raise NotFoundError(f"{ctx.address}: instance {id} no longer exists")
        host_name, info = found
        old_nics = self._current_nics(self.host(host_name), info)
        own = {n.spec.mac: n.fixed_ip for n in old_nics}
        if new.get("host") and new["host"] != host_name:  # moves first (its NICs resolved there join networks)
            Parts(self.cloud, ctx, id, str(new["host"])).nics(new, _hostname(info.name), own)
            wait = ctx.timeout or stop_timeout(new)
            info = _migrate.move(self.cloud, ctx, id, host_name, info, str(new["host"]), stop_timeout=wait)
            host_name = str(new["host"])
        host = self.host(host_name)
        classes = {c.field: c.update for c in diff(Instance, old, new) if c.field in changed}
        parts = Parts(self.cloud, ctx, id, host_name)
        nics = parts.nics(new, _hostname(info.name), own)
        volumes = parts.volumes(new)
        gone = [n for n in old_nics if n.spec.mac not in {n.spec.mac for n in nics}]
        for nic in gone:
            parts.dhcp("delete", nic)
        for nic in nics:
            parts.dhcp("add" if nic.fixed_ip else "delete", nic)
        if "root_disk_gib" in classes:
            parts.grow_root(int(new["root_disk_gib"]))
        if new.get("power_state", "running") == "running":
            self._ensure_seed(ctx, info, host_name, new, nics)
        if any(cls == "offline" for cls in classes.values()):
            root = next((d.path for d in info.spec.disks if d.target in ROOT_TARGETS and d.path), None)
            root = root or f"{parts.volume_pool_dir()}/{root_name(id)}"
            self._redefine(ctx, host, info, new, root, volumes, nics)
        else:
            self._live(ctx, host, info, new, classes, volumes, nics)
        for nic in gone:  # a host joined to a network for this NIC leaves it when no guest there uses it
            _overlay.leave_if_unused(self.cloud, host_name, nic.network_id, parts.network_home(nic.network_id))
        held = self._wait_if_asked(ctx, host, id, new, nics) if new.get("power_state", "running") == "running" else None
        return self._outputs(id, host_name, host.get_domain(id), nics, held)

    def _wait_if_asked(
        self, ctx: OpContext, host: Host, id: str, inputs: dict[str, Any], nics: list[NicPlan]
    ) -> dict[str, str] | None:
        """With ``wait_for_address`` (or ``wait_for_port``): wait until every NIC of the running guest holds an
        address (from ``address_source``) and the port of the first one accepts connections, all within
        ``address_timeout`` (or the operation's timeout); the address per MAC it waited for."""
        port = inputs.get("wait_for_port")
        if not (inputs.get("wait_for_address") or port) or not nics:
            return None
        timeout = ctx.timeout or float(inputs.get("address_timeout") or _default("address_timeout"))
        deadline = time.monotonic() + timeout
        labels = {n.spec.mac: f"nics[{i}], network {n.spec.network}" for i, n in enumerate(nics)}
        source: AddressSource = inputs.get("address_source") or "lease"
        if source == "lease" and any(_overlay.home_of(self.cloud, n.network_id, host.name) for n in nics):
            held = self._wait_for_spanned_leases(ctx, host.name, id, nics, deadline)
        else:
            try:
                found = host.wait_for_addresses(
                    id, timeout, macs=[n.spec.mac for n in nics], source=source, labels=labels
                )
            except HostError as exc:
                raise IaasError(f"{ctx.address}: wait_for_address: {exc.detail}") from None
            held = {a.mac: a.address for a in found}
        if not port:
            return held
        if host.simulated:
            log.info("%s: wait_for_port: host %s is simulated, no guest listens", ctx.address, host.name)
            return held
        address = held[nics[0].spec.mac]
        remaining = max(deadline - time.monotonic(), 1.0)
        config = self.cloud.host_configs[host.name]
        probe = None
        if config.is_remote or config.command_prefix:
            where = host_runner(self.cloud, host.name, resolve=True)
            if where is None:
                raise IaasError(
                    f"{ctx.address}: wait_for_port: iaas cannot run a probe on remote host "
                    f"{host.name}: give the host a command_prefix in the cloud config (such as "
                    "[ssh, root@<host>]) or a qemu+ssh:// URI"
                )
            probe = tcp_probe(where)
        try:
            wait_for_port(
                host.name, address, int(port), remaining, probe=probe, netns=None if probe else libvirtd_netns(host.uri)
            )
        except HostError as exc:
            raise IaasError(f"{ctx.address}: wait_for_port: {exc.detail}") from None
        return held

    def _redefine(
        self,
        ctx: OpContext,
        host: Host,
        info: DomainInfo,
        new: dict[str, Any],
        root: str,
        volumes: list[tuple[str, VolumeInfo]],
        nics: list[NicPlan],
    ) -> None:
        """Stop the guest, define it anew from ``new`` and start it again if it should run."""
        if info.state != "shutoff":
            self._shut_down(ctx, host, info.uuid, ctx.timeout or stop_timeout(new))
        spec = DomainSpec(
            name=info.name,
            uuid=info.uuid,
            vcpus=int(new["vcpus"]),
            memory_mib=int(new["memory_mib"]),
            max_vcpus=new.get("max_vcpus"),
            max_memory_mib=new.get("max_memory_mib"),
            disks=disk_specs(root, volumes, info.spec, _bus(new)),
            nics=[n.spec for n in nics],
            cdrom=info.spec.cdrom,
            console_log=info.spec.console_log,
            kernel=info.spec.kernel,
            initrd=info.spec.initrd,
            cmdline=info.spec.cmdline,
            **hardware(new),
        )
        host.define_domain(spec, self.meta(ctx, new))
        host.set_domain_autostart(info.uuid, _runs(new))
        if _runs(new):
            host.start_domain(info.uuid)

    def _live(
        self,
        ctx: OpContext,
        host: Host,
        info: DomainInfo,
        new: dict[str, Any],
        classes: Mapping[str, str],
        volumes: list[tuple[str, VolumeInfo]],
        nics: list[NicPlan],
    ) -> None:
        """Change a guest without restarting it: devices, memory, vCPUs, power state."""
        ref = info.uuid
        wanted_disks = {d.path: d for d in disk_specs(None, volumes, info.spec, _bus(new))}
        for disk in info.spec.disks:
            if disk.target not in ROOT_TARGETS and disk.path not in wanted_disks:
                host.detach_disk(ref, disk.target)
        present = {d.path for d in info.spec.disks}
        for path, disk in wanted_disks.items():
            if path not in present:
                host.attach_disk(ref, disk)
        wanted_nics = {n.spec.mac: n.spec for n in nics}
        for nic in info.spec.nics:
            if not _same_nic(nic, wanted_nics.get(nic.mac)):
                host.detach_nic(ref, nic.mac)
        current = {n.mac: n for n in info.spec.nics}
        for mac, spec in wanted_nics.items():
            if not _same_nic(current.get(mac), spec):
                host.attach_nic(ref, spec)
        if "memory_mib" in classes:
            host.set_memory(ref, int(new["memory_mib"]), max_mib=new.get("max_memory_mib"))
        if "vcpus" in classes:
            host.set_vcpus(ref, int(new["vcpus"]), max_count=new.get("max_vcpus"))
        host.set_domain_autostart(ref, _runs(new))
        if _runs(new):
            host.start_domain(ref)
        elif info.state != "shutoff":
            host.stop_domain(ref, timeout=ctx.timeout or stop_timeout(new))

    # ------------------------------------------------------------ delete

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Shut the guest down, then delete the domain, its root disk, its seed and its static DHCP entries.

        The guest gets ``stop_timeout`` seconds to shut down by itself before
        it is powered off; the rollback of a failed create powers it off at
        once and keeps its console log (the error of the create says where).
        A static DHCP entry on a network the same apply deletes is left to it
        (:mod:`._dhcp_left`).  Gone is fine.
        """
        rollback = ctx.undoing
        timeout = ctx.timeout or stop_timeout(self.recorded_inputs(id))
        for host_name in self.hosts_to_search(id, outputs):
            host = self.host(host_name)
            info = host.get_domain(id)
            if info is None and host_name != self.recorded_host(id, outputs):
                continue
            parts = Parts(self.cloud, ctx, id, host_name)
            nics = parts.nics_to_remove(info, self.recorded_inputs(id), outputs)
            for nic in nics:
                if nic.network_id in ctx.networks_leaving and not rollback:  # the network takes it along
                    _dhcp_left.leave(self.cloud, nic.network_id, nic.spec.mac, id)
                else:
                    parts.dhcp("delete", nic)
            if info is not None and info.state != "shutoff" and not rollback:
                self._shut_down(ctx, host, id, timeout)
            host.delete_domain(id)
            for nic in nics:  # a host joined to a network for this guest leaves it when no guest uses it there
                _overlay.leave_if_unused(self.cloud, host_name, nic.network_id, parts.network_home(nic.network_id))
            host.delete_volume(VOLUME_POOL, root_name(id))
            parts.remove_seed_file(seed_name(id))
            if not rollback:
                parts.remove_seed_file(console_name(id))
        self.cloud.inventory.delete(seed_record_id(id))

    def _shut_down(self, ctx: OpContext, host: Host, id: str, timeout: float) -> None:
        """Ask the guest to shut down, wait up to ``timeout`` seconds, then power it off."""
        if host.stop_domain(id, timeout=timeout):
            log.info("%s: the guest shut down by itself", ctx.address)
        else:
            log.info("%s: the guest did not shut down within %g s; powered off", ctx.address, timeout)

    # ------------------------------------------------------------ seed

    def _render_seed(self, ctx: OpContext, id: str, inputs: dict[str, Any], nics: list[NicPlan]) -> dict[str, str]:
        """The cloud-init seed files (user data checked, key pair resolved)."""
        public_key = self._public_key(ctx, inputs.get("key_pair"))
        try:
            return _seed.render(
                id, str(inputs["name"]), inputs.get("user_data"), public_key, [n.spec.mac for n in nics]
            )
        except _seed.UserDataError as exc:
            raise invalid(ctx.address, "user_data", str(exc)) from None

    def _store_seed(self, ctx: OpContext, id: str, name: str, host_name: str, files: dict[str, str]) -> None:
        """Keep the seed: an ISO in the volume pool of a real host, the inventory for a simulated one."""
        if self.host(host_name).simulated:
            self.cloud.inventory.put(
                InventoryRecord(
                    id=seed_record_id(id),
                    kind=SEED_KIND,
                    name=name,
                    host=host_name,
                    data={"instance": id, "files": files},
                )
            )
        else:
            Parts(self.cloud, ctx, id, host_name).write_seed_iso(files, seed_name(id))

    def _ensure_seed(
        self, ctx: OpContext, info: DomainInfo, host_name: str, inputs: dict[str, Any], nics: list[NicPlan]
    ) -> None:
        """Make the seed again if it is missing (a create interrupted before it was written)."""
        parts = Parts(self.cloud, ctx, info.uuid, host_name)
        if self.host(host_name).simulated:
            present = self.cloud.inventory.get(seed_record_id(info.uuid)) is not None
        else:
            present = parts.seed_file_present(seed_name(info.uuid))
        if not present:
            files = self._render_seed(ctx, info.uuid, {**inputs, "name": info.name}, nics)
            self._store_seed(ctx, info.uuid, info.name, host_name, files)

    def _public_key(self, ctx: OpContext, ref: Any) -> str | None:
        if not ref:
            return None
        rec = self.record("key_pair", str(ref), ctx.stack)
        if rec is None:
            raise invalid(ctx.address, "key_pair", f"no key pair {ref!r}")
        return ((rec.data or {}).get("inputs") or {}).get("public_key")


def with_console_note(exc: IaasError, host_name: str, path: str) -> IaasError:
    """The error of a failed create, saying where the guest's serial console log is kept."""
    note = f"the guest's console log is kept on host {host_name!r} at {path}"
    if isinstance(exc, HostError):
        return HostError(exc.host, exc.operation, f"{exc.detail}; {note}")
    return IaasError(f"{exc}; {note}")


def stop_timeout(inputs: Mapping[str, Any]) -> float:
    """The seconds a guest has to shut down by itself (the instance's ``stop_timeout``, else its default)."""
    value = inputs.get("stop_timeout")
    return float(value) if isinstance(value, int) else float(_default("stop_timeout"))


def _default(name: str) -> Any:
    """The model's default of an instance field (for records made before the field existed)."""
    return attrs.fields_dict(Instance)[name].default


def _bus(inputs: Mapping[str, Any]) -> str:
    """The bus of the instance's disks."""
    return str(inputs.get("disk_bus") or "virtio")


def _runs(inputs: Mapping[str, Any]) -> bool:
    """Whether the instance should run (and so start with its host)."""
    return inputs.get("power_state", "running") == "running"


def _hostname(name: str) -> str | None:
    """The name as a DHCP host name, when it is a valid one."""
    return name if _HOSTNAME.match(name) else None


def _same_nic(current: NicSpec | None, wanted: NicSpec | None) -> bool:
    """Whether a guest's NIC is the one wanted; a NIC made before filters were given its address (it learns it)
    is kept rather than plugged anew."""
    if current is None or wanted is None:
        return current == wanted
    return current == wanted or (not current.filter_params and attrs.evolve(wanted, filter_params=()) == current)
