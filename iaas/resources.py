"""One resource at a time: the core API that Terraform, Pulumi and Ansible faces call.

Those tools keep their own state and call a provider for one resource at a
time.  This module gives them the very same semantics the engine uses —
:func:`check` (validation and defaults), :func:`diff` (which fields change and
whether they force a replacement), plan-time cloud checks (quotas, capacity,
placement) and the create/read/update/delete verbs — so a face only
translates its protocol.  Kinds whose hosts may lose what iaas programmed
there (a port forward's DNAT rules, a network that stopped) report it in
their ``dataplane`` output (``present`` or ``missing: …``): a read checks
it, :meth:`Session.diff` plans an update to restore it and
:meth:`Session.update` restores it, the way the engine's refresh and plan
do.  Faces reach it through :mod:`iaas.api`::

    from iaas import api

    session = api.Session(api.Cloud.open(config), stack="terraform")
    checked = api.check("network", {"name": "web", "cidr": "10.0.0.0/24"})
    if checked.errors: ...                       # each names its field
    planned = session.plan_create("network", checked.inputs)   # host chosen, quotas checked
    state = session.create("network", "network.web", checked.inputs, planned)
    state.id, state.outputs
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from iaas.errors import FieldError, NotFoundError, ValidationError
from iaas.model import KINDS, UNKNOWN, Reference, Resource, contains_unknown, object_schema, observe
from iaas.model.base import DATAPLANE, MISSING, PRESENT
from iaas.model.observe import Merged
from iaas.model.schema import ObjectSchema
from iaas.model.values import Change, ForbiddenChange, action_of, complete, validate
from iaas.model.values import diff as _diff

if TYPE_CHECKING:  # the cloud (and libvirt) load with the first Session, so checks and diffs start fast
    from iaas.cloud import Cloud, OpContext


@attrs.frozen
class Checked:
    """The result of :func:`check`: complete inputs (defaults filled) and the problems found."""

    inputs: dict[str, Any]
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        """True when there is no problem."""
        return not self.errors


@attrs.frozen
class Diff:
    """What changes between two sets of inputs, as the engine would plan it."""

    action: str  # noop | update | replace
    changes: list[Change]
    repairs: tuple[str, ...] = ()  # what the host lost; the update restores it (even with no change of input)

    @property
    def replace_fields(self) -> list[str]:
        """Fields whose change forces a replacement."""
        return [c.field for c in self.changes if c.update == "replace"]

    @property
    def changed_fields(self) -> list[str]:
        """Every changed field."""
        return [c.field for c in self.changes]

    @property
    def restored_fields(self) -> list[str]:
        """Outputs the update puts back: ``dataplane``, when the host lost something."""
        return [DATAPLANE] if self.repairs else []


@attrs.frozen
class ResourceState:
    """An object as the cloud reports it: id, inputs it can observe, outputs."""

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    lost: tuple[str, ...] = ()  # what the object's host no longer carries (also in the ``dataplane`` output)


def kind_class(kind: str) -> type[Resource]:
    """The class of a kind; a clear error for an unknown kind."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValidationError(f"unknown kind {kind!r} (known kinds: {', '.join(KINDS)})") from None


def schema(kind: str) -> ObjectSchema:
    """The schema of a kind: every field with its type and facts."""
    return object_schema(kind_class(kind))


def check(kind: str, inputs: dict[str, Any], address: str | None = None) -> Checked:
    """Validate one resource's inputs and fill in defaults.

    Values may be :data:`iaas.UNKNOWN` (not known until apply); they pass
    validation and stay unknown.  Reference fields hold ids or names of other
    objects (faces resolve references themselves).
    """
    cls = kind_class(kind)
    values = {k: v for k, v in inputs.items() if v is not None}
    address = address or f"{kind}.{values.get('name', '?')}"
    errors = validate(cls, values, address)
    if errors:
        return Checked(dict(values), errors)
    return Checked(complete(cls, values), [])


def diff(
    kind: str,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    address: str | None = None,
    outputs: dict[str, Any] | None = None,
) -> Diff:
    """The planned action for a change of inputs: ``noop``, ``update`` (live or restart) or ``replace``.

    With the recorded ``outputs``, a ``dataplane`` that says what the host
    lost makes an unchanged object an ``update`` that restores it.  Raises
    :class:`ValidationError` naming the field for a change the kind refuses
    (shrinking a volume).
    """
    cls = kind_class(kind)
    old_c, new_c = complete(cls, dict(old)), complete(cls, dict(new))
    try:
        changes = _diff(cls, old_c, new_c)
    except ForbiddenChange as exc:
        raise ValidationError([FieldError(address or f"{kind}.{new.get('name', '?')}", exc.field, str(exc))]) from exc
    action, repairs = action_of(changes), tuple(lost_of(outputs))
    return Diff("update" if repairs and action == "noop" else action, changes, repairs)


def heals(kind: str) -> bool:
    """Whether the kind has a ``dataplane`` its hosts may lose (checked by a read, restored by an update)."""
    return any(f.name == DATAPLANE for f in schema(kind).fields)


def dataplane_state(lost: list[str] | tuple[str, ...]) -> str:
    """The ``dataplane`` value of an object whose host lost ``lost``: ``present`` when it lost nothing."""
    return f"{MISSING}{'; '.join(lost)}" if lost else PRESENT


def lost_of(outputs: dict[str, Any] | None) -> list[str]:
    """What a host lost, as recorded outputs say in ``dataplane`` (nothing unless it says ``missing: …``)."""
    value = (outputs or {}).get(DATAPLANE)
    return value.removeprefix(MISSING).split("; ") if isinstance(value, str) and value.startswith(MISSING) else []


def planned_outputs(kind: str, outputs: dict[str, Any], change: Diff) -> dict[str, Any]:
    """The outputs an in-place update leaves: those it may change unknown until it is made, and the ``dataplane``
    present again (an update programs the host anew)."""
    planned = {**outputs, **dict.fromkeys(recomputed_outputs(kind, change.changed_fields), UNKNOWN)}
    return {**planned, DATAPLANE: PRESENT} if heals(kind) else planned


def computed_outputs(kind: str) -> list[str]:
    """Names of the fields the cloud reports (computed, or chosen when left unset)."""
    return [f.name for f in schema(kind).outputs]


def recomputed_outputs(kind: str, changed: list[str] | tuple[str, ...]) -> list[str]:
    """Computed fields whose value an in-place update of the ``changed`` fields may change.

    Every other output keeps its value across the update, so a face can
    plan it as known and only these as known after apply.
    """
    changed_set = set(changed)
    return [f.name for f in schema(kind).fields if f.computed and changed_set & set(f.spec.recomputed_by)]


def merge_observed(
    recorded: dict[str, Any], observed: dict[str, Any], *, skip: list[str] | tuple[str, ...] = ()
) -> Merged:
    """The recorded inputs with what the cloud reports differently in their place (both in the cloud's terms).

    :meth:`Session.merge_observed` also keeps a name written for the object the cloud reports by id.
    """
    return observe.merge_observed(recorded, observed, skip=skip)


def unset_chosen(kind: str, inputs: dict[str, Any]) -> list[str]:
    """The fields the cloud chooses because the inputs leave them unset; see also :func:`keep_chosen`."""
    return observe.unset_chosen(kind_class(kind), inputs)


def unread(kind: str, observed: dict[str, Any]) -> list[str]:
    """The input fields the cloud could not read back from an object (left out of its report)."""
    return observe.unread(kind_class(kind), observed)


def adopt_unread(unread: list[str], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``before`` with the fields the cloud could not read taken from ``after``: adopted, never a change."""
    return observe.adopt_unread(unread, before, after)


def import_id(raw: str) -> tuple[str, bool]:
    """The name or id an import id gives, and whether it asks to take over another stack's object.

    ``take-over:<name or id>`` imports an object another stack manages (that
    stack no longer owns it); any other import of such an object is refused.
    """
    from iaas.cloud.cloud import TAKE_OVER

    return (raw[len(TAKE_OVER) :], True) if raw.startswith(TAKE_OVER) else (raw, False)


def keep_chosen(kind: str, new: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """New inputs where a field the cloud chooses (an instance's ``host``) is left unset keep the value it chose."""
    return observe.keep_chosen(kind_class(kind), new, before)


def ignore_changes(
    ignore: list[str] | tuple[str, ...] | str, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """``after`` where the fields ``ignore_changes`` lists (or ``"all"``) keep their value in ``before``."""
    return observe.ignore_changes(ignore, before, after)


class Session:
    """A cloud plus the stack name that objects created through it are labelled with."""

    def __init__(self, cloud: Cloud, stack: str = "default"):
        self.cloud = cloud
        self.stack = stack

    def _ctx(
        self,
        address: str,
        inputs: dict[str, Any] | None = None,
        pending: str | None = None,
        timeout: float | None = None,
    ) -> OpContext:
        from iaas.cloud import OpContext

        project = (inputs or {}).get("project")
        return OpContext(self.stack, address, project if isinstance(project, str) else None, pending, timeout)

    def plan_create(
        self,
        kind: str,
        inputs: dict[str, Any],
        address: str | None = None,
        *,
        before: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        action: str = "create",
    ) -> dict[str, Any]:
        """Quotas, capacity and placement for one resource about to be created (or replaced/updated).

        Returns the values the cloud chooses now (``{"host": ...}``); raises
        :class:`ValidationError` (``QuotaError``, ``CapacityError``, a
        reference that names nothing) naming the field.
        """
        from iaas.cloud import PlannedItem
        from iaas.cloud.placement import as_error

        address = address or f"{kind}.{inputs.get('name', '?')}"
        self.resolve(kind, inputs, address)  # every reference names an object, before anything is touched
        if action == "update" and before is not None:  # a move to another host is checked as the engine plans it
            action = diff(kind, before, inputs, address=address).action
        item = PlannedItem(address, kind, action, before, inputs, outputs)
        errors, planned = self.cloud.check_plan(self.stack, [item])
        if errors:
            raise as_error(errors)
        return dict(planned.get(address, {}))

    def _preflight(self, kind: str, action: str, inputs: dict[str, Any], host: Any) -> None:
        """The real host a write touches must pass preflight (:class:`PreflightError`), as in the engine's apply."""
        from iaas.cloud.hostcheck import Write, check_writes

        check_writes(self.cloud, [Write(kind, action, inputs, host if isinstance(host, str) else None)])

    def create(
        self,
        kind: str,
        address: str,
        inputs: dict[str, Any],
        planned: dict[str, Any] | None = None,
        *,
        pending_id: str | None = None,
        timeout: float | None = None,
    ) -> ResourceState:
        """Create the object; pass the same ``pending_id`` again to retry without making a duplicate.

        ``timeout`` (seconds) bounds the waiting the create does (an instance's ``wait_for_address``).
        """
        if contains_unknown(inputs) or any(isinstance(v, Reference) for v in inputs.values()):
            raise ValidationError(
                [
                    FieldError(address, k, "value is not known yet")
                    for k, v in inputs.items()
                    if contains_unknown(v) or isinstance(v, Reference)
                ]
            )
        self._preflight(kind, "create", inputs, (planned or {}).get("host") or inputs.get("host"))
        pending = pending_id or str(uuid.uuid4())
        outputs = self.cloud.create(kind, self._ctx(address, inputs, pending, timeout), inputs, planned or {})
        return ResourceState(outputs["id"], dict(inputs), self._programmed(kind, outputs))

    @staticmethod
    def _programmed(kind: str, outputs: dict[str, Any]) -> dict[str, Any]:
        """Outputs of an object just created or updated: its host carries what the cloud programmed there."""
        return {**outputs, DATAPLANE: PRESENT} if heals(kind) else outputs

    @staticmethod
    def _state(kind: str, obs: Any, outputs: dict[str, Any]) -> ResourceState:
        """An object as the cloud observed it, with ``outputs`` and, for a kind that has one, its ``dataplane``."""
        if heals(kind):
            outputs = {**outputs, DATAPLANE: dataplane_state(obs.lost)}
        return ResourceState(obs.id, obs.inputs, outputs, tuple(obs.lost))

    def read(self, kind: str, address: str, id: str, outputs: dict[str, Any] | None = None) -> ResourceState | None:
        """The object as it is now, or None when it is gone; its outputs hold the values the cloud chose
        (a host, a flavor's sizes) and, for a kind that has one, its ``dataplane``: ``present``, or
        ``missing: …`` naming what its host lost (the same check as the engine's refresh)."""
        obs = self.cloud.read(kind, self._ctx(address), id, outputs or {})
        if obs is None:
            return None
        chosen = {f: obs.inputs[f] for f in computed_outputs(kind) if obs.inputs.get(f) is not None}
        return self._state(kind, obs, {**chosen, **obs.outputs})  # what the cloud chose, as outputs

    def update(
        self,
        kind: str,
        address: str,
        id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        outputs: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> ResourceState:
        """Change the object in place (the diff must not be a replacement); ``timeout`` (seconds) bounds the waiting
        (a guest's graceful stop before a restart, ``wait_for_address``).

        When ``outputs`` say that the host lost the object's ``dataplane`` (as :meth:`read` reports it), the
        update programs it again, even with no change of input."""
        old, new = self.cloud.flavored(kind, old), self.cloud.flavored(kind, new)
        d = diff(kind, old, new, address=address)
        if d.action == "replace":
            raise ValidationError([FieldError(address, f, "changing it needs a replacement") for f in d.replace_fields])
        cls = kind_class(kind)
        old_c, new_c = complete(cls, dict(old)), complete(cls, dict(new))
        if not d.changes and not lost_of(outputs):  # values adopted from the configuration: nothing to do
            return ResourceState(id, new_c, dict(outputs or {}))
        self._preflight(kind, d.action, new_c, new_c.get("host") or (outputs or {}).get("host"))
        ctx = self._ctx(address, new_c, timeout=timeout)
        out = self.cloud.update(kind, ctx, id, old_c, new_c, d.changed_fields, outputs or {})
        return ResourceState(id, new_c, self._programmed(kind, out))

    def delete(
        self, kind: str, address: str, id: str, outputs: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> None:
        """Delete the object; one already gone is fine.  With ``timeout`` (seconds), a running guest is asked to
        shut down and given that long before it is powered off."""
        self.cloud.delete(kind, self._ctx(address, timeout=timeout), id, outputs or {})

    def lookup(self, kind: str, name_or_id: str, address: str | None = None) -> ResourceState | None:
        """Find an existing object by name or id (data sources, import)."""
        obs = self.cloud.lookup(kind, self._ctx(address or f"{kind}.{name_or_id}"), name_or_id)
        return None if obs is None else self._state(kind, obs, obs.outputs)

    def resolve(
        self, kind: str, inputs: dict[str, Any], address: str | None = None, *, strict: bool = True
    ) -> dict[str, Any]:
        """Inputs with every name in a reference field replaced by the id of the object it names.

        A reference field may hold the name or the id of an existing object
        (``image: debian-12``); the cloud reports ids, so compare resolved
        inputs.  Unknown values stay unknown.  A value that names nothing is a
        :class:`ValidationError` naming the field, or, with ``strict=False``,
        is left as it is.
        """
        from iaas.cloud.references import References

        refs = References(self.cloud, self.stack, address or f"{kind}.{inputs.get('name', '?')}", strict)
        resolved = refs.walk(schema(kind), inputs)
        if refs.errors:
            raise ValidationError(refs.errors)
        return resolved

    def same_object_resolver(self, kind: str, address: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """Inputs in the cloud's terms (names in reference fields as ids, a name of nothing staying as written;
        an instance's flavor of the cloud config applied)."""
        return lambda values: self.cloud.flavored(kind, self.resolve(kind, values, address, strict=False))

    def merge_observed(
        self,
        kind: str,
        address: str,
        recorded: dict[str, Any],
        observed: dict[str, Any],
        *,
        skip: list[str] | tuple[str, ...] = (),
    ) -> Merged:
        """The recorded inputs with what the cloud reports differently in their place (drift).

        A value written as the name of the object the cloud reports by id is
        kept as written: a name and the id of the same object are equal; so is
        a value left to an instance's flavor.
        """
        return observe.merge_observed(recorded, observed, skip=skip, resolve=self.same_object_resolver(kind, address))

    def diff(
        self,
        kind: str,
        old: dict[str, Any],
        new: dict[str, Any],
        address: str | None = None,
        *,
        outputs: dict[str, Any] | None = None,
    ) -> Diff:
        """Like :func:`diff`, with both sides in the cloud's terms: a name and the id of the same object are equal,
        and an instance's flavor of the cloud config stands for the sizes and extra specs it sets.  With the
        recorded ``outputs`` (as :meth:`read` gives them), a lost ``dataplane`` is an update that restores it."""
        address = address or f"{kind}.{new.get('name', '?')}"
        same = self.same_object_resolver(kind, address)
        return diff(kind, same(old), same(new), address=address, outputs=outputs)

    def adopt(self, kind: str, address: str, state: ResourceState, *, take_over: bool = False) -> None:
        """Record an imported object as this session's stack's; another stack's object only with ``take_over``."""
        from iaas.cloud import Observed

        ctx = self._ctx(address, state.inputs)
        self.cloud.adopt(kind, ctx, Observed(state.id, state.inputs, state.outputs), take_over=take_over)

    def check_owner(self, kind: str, address: str, id: str) -> None:
        """Refuse (:class:`ConflictError`, naming the stack) to change an object another stack manages."""
        self.cloud.check_owner(kind, self._ctx(address, {}), id)

    def get(self, kind: str, address: str, id: str) -> ResourceState:
        """Like :meth:`read`, but a missing object is :class:`NotFoundError`."""
        found = self.read(kind, address, id)
        if found is None:
            raise NotFoundError(f"{address}: {kind} {id} does not exist")
        return found


__all__ = [
    "Checked",
    "Diff",
    "ResourceState",
    "Session",
    "check",
    "computed_outputs",
    "dataplane_state",
    "diff",
    "heals",
    "lost_of",
    "planned_outputs",
    "ignore_changes",
    "adopt_unread",
    "import_id",
    "keep_chosen",
    "kind_class",
    "merge_observed",
    "recomputed_outputs",
    "schema",
    "unread",
    "unset_chosen",
]
