"""The control plane: hosts, inventory, and the generic verbs over every kind."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iaas.cloud import flavors
from iaas.cloud.admission import Admission, Subject
from iaas.cloud.base import KindHandler, Observed, OpContext, PlannedItem
from iaas.cloud.config import DEFAULT_HOME, EMBEDDED_POOL, TAKE_OVER, CloudConfig, HostConfig, inventory_location
from iaas.cloud.hosts import Hosts
from iaas.cloud.store import InventoryRecord, Store
from iaas.db import is_postgres_url
from iaas.drivers.libvirt.uri import simulated_uri
from iaas.errors import ConflictError, FieldError, IaasError

if TYPE_CHECKING:
    from iaas.cloud.preflight import Problem
    from iaas.drivers.libvirt import Host

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_HOME", "EMBEDDED_POOL", "TAKE_OVER", "Cloud", "CloudConfig", "HostConfig", "inventory_location"]


def kind_of(handler: Any) -> str:
    """The kind a handler serves."""
    return str(getattr(handler, "kind", ""))


class Cloud:
    """The cloud a stack is applied to: its hosts, its inventory and one handler per kind."""

    def __init__(self, config: CloudConfig, *, database: str | None = None):
        """Open the cloud of ``config``; ``database`` overrides where its inventory is (:func:`inventory_location`)."""
        self.config = config
        home = Path(config.home)
        self.home = home
        self.inventory = Store(inventory_location(config, database))
        self.admission = Admission(self)
        self.host_configs = {hc.name: hc for hc in config.hosts}
        #: The hosts by name; each opens when first used (see :mod:`iaas.cloud.hosts`).
        self.hosts = Hosts(list(self.host_configs), self._open_host)
        #: Hosts treated as drained while a drain is previewed, before the drain is recorded.
        self.draining: set[str] = set()
        from iaas.cloud.kinds import make_handlers  # kinds import the cloud's helpers

        self.handlers: Mapping[str, KindHandler] = make_handlers(self)
        if self.inventory.backfill_needed() is not None:
            self._backfill()

    def _open_host(self, name: str) -> Host:
        """The host of that name, opened (the first use of a host loads the libvirt driver)."""
        from iaas.drivers.libvirt.host import Host

        hc = self.host_configs[name]
        sim_store = None
        if simulated_uri(hc.uri) and self.config.home != ":memory:":
            sim_store = hc.sim_store or str(self.home / "hosts" / f"{hc.name}.db")
        return Host(
            hc.name,
            hc.uri,
            sim_store=sim_store,
            sim_cpus=hc.sim_cpus,
            sim_memory_mib=hc.sim_memory_mib,
            domain_type=hc.domain_type,
            remote=hc.is_remote,
            timeout=float(hc.timeout),
        )

    def _backfill(self) -> None:
        """Fill in what the objects of an inventory written by an older iaas hold (once, on open)."""
        for rec in self.inventory.list():
            for problem in self.admission.adopt(rec, strict=False):
                log.warning("cloud inventory: %s (recorded before this rule was kept)", problem)
        self.inventory.backfill_done()

    @classmethod
    def embedded(cls, home: str | Path = DEFAULT_HOME) -> Cloud:
        """The embedded default: one simulated host, persisted under ``home``."""
        return cls(CloudConfig.embedded(home))

    @classmethod
    def open(
        cls,
        config: str | Path | dict[str, Any] | None = None,
        home: str | Path | None = None,
        *,
        database: str | None = None,
    ) -> Cloud:
        """Open the cloud described by a config file or mapping; the embedded default when None."""
        if config is None:
            return cls(CloudConfig.embedded(home or DEFAULT_HOME), database=database)
        cfg = CloudConfig.load(config)
        if home is not None:
            cfg.home = str(home)
        return cls(cfg, database=database)

    @classmethod
    def beside_state(
        cls, config: str | Path | dict[str, Any] | None, home: str | Path, state: str | Path | None
    ) -> Cloud:
        """The cloud of a stack whose state is ``state``: a PostgreSQL state holds the inventory too."""
        shared = str(state) if state is not None and is_postgres_url(state) else None
        return cls.open(config, home=None if config else home, database=shared)

    @property
    def simulated(self) -> bool:
        """True when every host is a simulated (test driver) host."""
        return all(simulated_uri(hc.uri) for hc in self.host_configs.values())

    @property
    def real_hosts(self) -> list[str]:
        """The names of the hosts that are not simulated, in the config's order."""
        return [name for name, hc in self.host_configs.items() if not simulated_uri(hc.uri)]

    @contextlib.contextmanager
    def bulk_reads(self, ids: Iterable[str] = ()) -> Iterator[None]:
        """Within the block, each host lists its objects once and reads each object once, and the inventory
        records of ``ids`` come from one query (for a refresh)."""
        with self.hosts.bulk_reads(), self.inventory.read_ahead(ids):
            yield

    def read_waits(self, kind: str) -> bool:
        """Whether reading an object of ``kind`` waits on a remote host, so that reads are worth a thread each.

        Kinds whose object is their inventory record, and every kind on a cloud of simulated hosts (libvirt's
        test driver runs in this process), are read faster one after another than from a pool of threads.
        """
        return getattr(self.handler(kind), "reads_hosts", True) and not self.simulated

    def handler(self, kind: str) -> KindHandler:
        """The handler of ``kind``."""
        try:
            return self.handlers[kind]
        except KeyError:
            raise IaasError(f"no cloud handler for kind {kind!r}") from None

    # ------------------------------------------------------------ generic verbs

    def create(self, kind: str, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Create an object (idempotent by ``ctx.pending_id``) and record it in the inventory.

        Admission reserves what it needs first (quota, placement, addresses,
        attachments); the object is then made on its host and recorded, or the
        reservation is released when that fails.
        """
        handler = self.handler(kind)
        given, inputs = inputs, self.flavored(kind, inputs)
        owner = ctx.pending_id
        if owner:
            self.admission.reserve(
                self._subject(kind, ctx, owner, inputs, self._host_for(handler, ctx, inputs, planned))
            )
        try:
            outputs = {**flavors.chosen(given, inputs), **handler.create(ctx, inputs, planned)}
        except BaseException:
            if owner and self.inventory.get(owner) is None:
                self.admission.release(owner)
            raise
        self._confirm(handler, kind, ctx, outputs["id"], inputs, outputs)
        self._follow_members(kind, inputs)
        return outputs

    def _host_for(self, handler: Any, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> str | None:
        """The host a new object goes to, when its kind lives on one."""
        if not hasattr(handler, "host_name_for") or kind_of(handler) not in ("instance", "volume", "network"):
            return None
        return str(handler.host_name_for(ctx, inputs, planned))

    def _subject(self, kind: str, ctx: OpContext, owner: str, inputs: dict[str, Any], host: str | None) -> Subject:
        values = dict(inputs)
        if values.get("project") is None and ctx.project:
            values["project"] = ctx.project
        return Subject(kind, owner, ctx.address, f"{ctx.address} (stack {ctx.stack})", values, host, ctx.stack)

    def _confirm(
        self, handler: Any, kind: str, ctx: OpContext, id: str, inputs: dict[str, Any], outputs: dict[str, Any]
    ) -> None:
        if getattr(handler, "keeps_inventory", False):
            for attempt in self.inventory.attempts():
                with attempt:
                    self.inventory.confirm(id)
        else:
            self.admission.confirm(self.record_of(kind, ctx, id, inputs, outputs))

    def read(self, kind: str, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The object as it is now, or None when it is gone."""
        return self.handler(kind).read(ctx, id, outputs)

    def update(
        self,
        kind: str,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Change an object in place and update its inventory record (admission takes what it grows by first)."""
        handler = self.handler(kind)
        given, old, new = new, self.flavored(kind, old), self.flavored(kind, new)
        rec = self.inventory.get(id)
        host = outputs.get("host") or (rec.host if rec is not None else None)
        moved = "host" in changed and kind == "instance" and isinstance(new.get("host"), str)
        subject = self._subject(kind, ctx, id, new, new["host"] if moved else host)  # a move claims its destination
        self.admission.reserve(subject)
        try:
            out = {**flavors.chosen(given, new), **handler.update(ctx, id, old, new, changed, outputs)}
        except BaseException:
            self.admission.restore(self._subject(kind, ctx, id, old, host))
            raise
        self._confirm(handler, kind, ctx, id, new, out)
        self._follow_members(kind, old, new)
        return out

    def delete(self, kind: str, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete an object (already gone is fine) and drop its inventory record."""
        rec = self.inventory.get(id)
        self.handler(kind).delete(ctx, id, outputs)
        for attempt in self.inventory.attempts():
            with attempt:
                self.inventory.release(id)
                self.inventory.delete(id)
        if rec is not None:
            self._follow_members(rec.kind, rec.data.get("inputs") or {})

    def _follow_members(self, kind: str, *inputs: dict[str, Any]) -> None:
        """An instance joined, changed or left its security groups: the rules that name them follow, live."""
        if kind != "instance":
            return
        groups = {
            str(g)
            for values in inputs
            for nic in values.get("nics") or []
            if isinstance(nic, dict)
            for g in nic.get("security_groups") or []
        }
        follow = getattr(self.handlers.get("security_group"), "follow", None)
        if groups and follow is not None:
            follow(groups)

    def lookup(self, kind: str, ctx: OpContext, name_or_id: str) -> Observed | None:
        """Find an existing object by name or id (for import and data lookups)."""
        return self.handler(kind).lookup(ctx, name_or_id)

    def adopt(self, kind: str, ctx: OpContext, observed: Observed, *, take_over: bool = False) -> None:
        """Record an imported object as managed by ``ctx.stack`` / ``ctx.address``, through admission.

        An object another stack manages is refused with a :class:`ConflictError`
        naming that stack, unless ``take_over`` (that stack then no longer owns it).
        """
        if not take_over:
            self.check_owner(kind, ctx, observed.id)
        self.admission.adopt(self.record_of(kind, ctx, observed.id, observed.inputs, observed.outputs))

    def check_owner(self, kind: str, ctx: OpContext, id: str) -> None:
        """A :class:`ConflictError` naming the stack when another stack than ``ctx.stack`` manages object ``id``."""
        known = self.inventory.get(id)
        if known is not None and known.stack and known.stack != ctx.stack:
            raise ConflictError(
                f"{ctx.address}: {kind} {id} is managed by stack {known.stack!r}. Remove it from that "
                f"stack's state first, or take it over: 'iaas import --take-over', or the import id "
                f"'{TAKE_OVER}{id}' (terraform import, pulumi import)"
            )

    def release(self, id: str) -> None:
        """Clear the stack and address an object is recorded under: it stays, managed by no stack (and keeps what
        it holds: its quota use, its addresses, its attachments)."""
        self.inventory.disown(id)

    def record_of(
        self, kind: str, ctx: OpContext, id: str, inputs: dict[str, Any], outputs: dict[str, Any]
    ) -> InventoryRecord:
        """The inventory record of an object of ``kind`` made by ``ctx``'s stack and resource."""
        name = str(inputs.get("name") or ctx.address.split(".", 1)[-1])
        project = ctx.project if ctx.project is not None else inputs.get("project")
        return InventoryRecord(
            id=id,
            kind=kind,
            name=name,
            stack=ctx.stack,
            address=ctx.address,
            project=project if isinstance(project, str) else None,
            host=outputs.get("host"),
            data={"inputs": inputs, "outputs": outputs},
        )

    # ------------------------------------------------------------ plan-time checks

    def check_plan(self, stack: str, items: Iterable[PlannedItem]) -> tuple[list[FieldError], dict[str, dict]]:
        """Quotas, capacity, placement and local files (image sources) for a plan, before anything is touched.

        Returns the problems found and, per address, the values the cloud
        chooses now (such as the host of a new instance) to show in the plan.
        """
        from iaas.cloud.placement import check_plan

        given = list(items)
        errors = [e for i in given for e in flavors.problems(self.config.flavors, i.kind, i.address, i.after)]
        if errors:  # sizes are not known: placement and quotas cannot be checked
            return errors, {}
        items = [self._flavored_item(item) for item in given]
        errors, planned = check_plan(self, stack, items)
        for old, new in zip(given, items, strict=True):  # the sizes a flavor chose, shown in the plan
            chosen = flavors.chosen(old.after, new.after)
            if chosen:
                planned[new.address] = {**chosen, **planned.get(new.address, {})}
        for item in items:
            if item.action in ("create", "replace", "update", "migrate") and item.after is not None:
                host = (planned.get(item.address) or {}).get("host")
                if host and not item.after.get("host"):  # where the scheduler puts it, for the host's checks
                    item = attrs.evolve(item, after={**item.after, "host": host})
                errors += self.handler(item.kind).plan_problems(item)
        return errors, planned

    def plan_notes(self, items: Iterable[PlannedItem]) -> dict[str, list[str]]:
        """Per address, what a planned change does beyond its own object (guests a network restart cuts off)."""
        found = {}
        for item in items:
            notes = self.handler(item.kind).plan_notes(item)
            if notes:
                found[item.address] = notes
        return found

    def flavored(self, kind: str, values: dict[str, Any]) -> dict[str, Any]:
        """An instance's inputs with the cloud config's flavor applied (sizes and extra specs it leaves unset)."""
        return flavors.expand(self.config.flavors, kind, values)

    def _flavored_item(self, item: PlannedItem) -> PlannedItem:
        if item.kind != "instance":
            return item
        before = None if item.before is None else self.flavored(item.kind, item.before)
        after = None if item.after is None else self.flavored(item.kind, item.after)
        return attrs.evolve(item, before=before, after=after)

    def preflight(self, hosts: Iterable[str] | None = None) -> list[Problem]:
        """What keeps ``hosts`` (default: all) from taking work: libvirtd reachable, acceleration, firmware,
        pool directory, CPUs and free memory; empty when all is well.  See :mod:`iaas.cloud.preflight`."""
        from iaas.cloud.preflight import preflight

        return preflight(self, hosts)

    def managed_objects(self, stack: str | None = None) -> list[InventoryRecord]:
        """Inventory records, optionally of one stack."""
        return self.inventory.list(stack=stack)

    def close(self) -> None:
        """Close host connections and the inventory."""
        for host in self.hosts.opened():
            host.close()
        self.inventory.close()
