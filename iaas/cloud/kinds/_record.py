"""What the kinds that exist only in the cloud's inventory share.

Projects, server groups, key pairs, security groups and port forwards are not
libvirt objects: their inventory record *is* the object.  :class:`RecordHandler`
implements the verbs once — create (idempotent by the id the engine chose),
read, update, delete (refused while other objects still use it) and lookup —
and each kind fills in a few hooks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from iaas.cloud.base import Observed, OpContext, PlannedItem
from iaas.cloud.inventory import Inventory, InventoryRecord
from iaas.errors import ConflictError, FieldError, IaasError, NotFoundError

if TYPE_CHECKING:
    from iaas.cloud.cloud import Cloud

log = logging.getLogger(__name__)


class RecordHandler:
    """Create, read, update, delete and lookup of a kind whose object is its inventory record."""

    kind = ""
    keeps_inventory = True  # writes its own inventory record: the cloud need not write it again
    reads_hosts = False  # read answers from the inventory alone, unless lost asks hosts (see Cloud.read_waits)

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @property
    def inventory(self) -> Inventory:
        """The cloud's inventory."""
        return self.cloud.inventory

    def plan_problems(self, item: PlannedItem) -> list[FieldError]:
        """Nothing outside the cloud is needed by this kind (see :class:`iaas.cloud.base.KindHandler`)."""
        return []

    def plan_notes(self, item: PlannedItem) -> list[str]:
        """Nothing to say beyond the change itself (see :class:`iaas.cloud.base.KindHandler`)."""
        return []

    # ------------------------------------------------------------ hooks

    def computed(self, ctx: OpContext, id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Output fields besides ``id``, derived from the inputs (and the inventory)."""
        return {}

    def apply(self, id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        """Carry the object out on the hosts, if the kind has anything there; return extra outputs."""
        return {}

    def users(self, rec: InventoryRecord) -> list[str]:
        """Objects that still use this one (their labels); deleting is refused while there are any."""
        return []

    def remove(self, id: str, outputs: dict[str, Any]) -> None:
        """Undo :meth:`apply` on the hosts; nothing there is not an error."""

    def refresh(self, rec: InventoryRecord, outputs: dict[str, Any]) -> dict[str, Any]:
        """Outputs as they are now, for :meth:`read` (by default: as recorded)."""
        return outputs

    def lost(self, rec: InventoryRecord, outputs: dict[str, Any]) -> list[str]:
        """What :meth:`apply` put on the hosts and they no longer carry (see :attr:`Observed.lost`)."""
        return []

    # ------------------------------------------------------------ verbs

    def create(self, ctx: OpContext, inputs: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        """Record the object under ``ctx.pending_id``; an object already recorded there is adopted."""
        if not ctx.pending_id:
            raise IaasError(f"{ctx.address}: creating a {self.kind} needs the identifier chosen by the engine")
        id = ctx.pending_id
        rec = self.inventory.get(id)
        if rec is not None:
            if rec.kind != self.kind:
                raise ConflictError(f"{ctx.address}: id {id} already belongs to {rec.kind} {rec.name}")
            log.info("%s: adopting %s %s recorded by an earlier, interrupted create", ctx.address, self.kind, id)
            return dict(rec.data.get("outputs") or {"id": id})
        outputs = {"id": id, **self.computed(ctx, id, inputs)}
        outputs.update(self.apply(id, inputs, outputs))
        self._save(ctx, id, inputs, outputs)
        return outputs

    def read(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> Observed | None:
        """The recorded object, or None when it is gone."""
        rec = self.inventory.get(id)
        if rec is None or rec.kind != self.kind:
            return None
        return self._observed(rec)

    def update(
        self,
        ctx: OpContext,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        changed: list[str],
        outputs: dict[str, Any],
    ) -> dict[str, Any]:
        """Record the new inputs (and carry them out on the hosts)."""
        if self.read(ctx, id, outputs) is None:
            raise NotFoundError(f"{ctx.address}: {self.kind} {id} no longer exists")
        out = {**outputs, "id": id, **self.computed(ctx, id, new)}
        out.update(self.apply(id, new, out))
        self._save(ctx, id, new, out)
        return out

    def delete(self, ctx: OpContext, id: str, outputs: dict[str, Any]) -> None:
        """Delete the object unless others still use it; an object already gone is fine."""
        rec = self.inventory.get(id)
        if rec is not None and rec.kind == self.kind:
            users = self.users(rec)
            if users:
                shown = ", ".join(users[:10]) + (f" and {len(users) - 10} more" if len(users) > 10 else "")
                raise IaasError(f"{ctx.address}: cannot delete {self.kind} {rec.name!r}: still used by {shown}")
        self.remove(id, outputs)
        if rec is not None and rec.kind == self.kind:
            self.inventory.delete(id)

    def lookup(self, ctx: OpContext, name_or_id: str) -> Observed | None:
        """Find by id, else by name (this stack's object first)."""
        rec = self.find(name_or_id, prefer_stack=ctx.stack)
        return self._observed(rec) if rec else None

    # ------------------------------------------------------------ helpers

    def find(self, name_or_id: str, prefer_stack: str | None = None, kind: str | None = None) -> InventoryRecord | None:
        """A record of ``kind`` (default: this kind) by id, else by name, preferring ``prefer_stack``."""
        return self.inventory.find(kind or self.kind, name_or_id, prefer_stack=prefer_stack)

    def refers_to(self, value: Any, rec: InventoryRecord) -> bool:
        """Whether a recorded reference value (an id, or a name) stands for ``rec``."""
        if not isinstance(value, str):
            return False
        if value == rec.id:
            return True
        if value != rec.name:
            return False
        found = self.find(value, kind=rec.kind)
        return found is not None and found.id == rec.id

    def instance_of(self, label: str, inputs: dict[str, Any], stack: str | None) -> InventoryRecord:
        """The instance the ``instance`` input names (this stack's first); NotFoundError when the cloud has none."""
        value = inputs.get("instance")
        instance = self.find(value, prefer_stack=stack, kind="instance") if isinstance(value, str) else None
        if instance is None:
            raise NotFoundError(f"{label}: instance {value!r} is not in the cloud")
        return instance

    def label(self, rec: InventoryRecord) -> str:
        """How a message names another object: its address, and its stack."""
        where = rec.address or f"{rec.kind}.{rec.name}"
        return f"{where} (stack {rec.stack})" if rec.stack else where

    def _observed(self, rec: InventoryRecord) -> Observed:
        data = rec.data or {}
        inputs = dict(data.get("inputs") or {})
        outputs = self.refresh(rec, {**(data.get("outputs") or {}), "id": rec.id})
        lost = tuple(self.lost(rec, outputs))
        return Observed(rec.id, inputs, outputs, stack=rec.stack, address=rec.address, lost=lost)

    def _save(self, ctx: OpContext, id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        self.inventory.put(self.cloud.record_of(self.kind, ctx, id, inputs, outputs))
