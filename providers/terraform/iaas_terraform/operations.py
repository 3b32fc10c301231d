"""What each Terraform verb does to one resource, in terms of the iaas core.

Validation, defaults, the diff and its update classes, plan-time cloud checks and the
create/read/update/delete verbs all come from :mod:`iaas.resources`; this module only maps
Terraform objects to iaas inputs and outputs and back.  Reference fields keep what the user
wrote (an id, or the name of an existing object); the core compares them resolved to ids.

The provider's private data of a resource (opaque to Terraform, kept beside its state) is JSON
with ``unset``: the fields the cloud chose because the configuration left them unset (the
``host`` of an instance), and while a change is planned, ``planned``: the choices the cloud made
at plan time, which the apply must follow, and ``prior_unset``: ``unset`` before the change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs

from iaas import api
from iaas.api import UNKNOWN, FieldError, NotFoundError, ValidationError, contains_unknown
from iaas_terraform import timeouts
from iaas_terraform.objects import inputs_of, outputs_of, schema_of, tf_object, unset_fields


@attrs.frozen
class Planned:
    """A planned change: the planned object (None to delete), fields forcing a replacement, private data."""

    state: dict[str, Any] | None
    requires_replace: list[str]
    private: bytes


def _address(kind: str, obj: dict[str, Any]) -> str:
    name = obj.get("name")
    return f"{kind}.{name if isinstance(name, str) else '?'}"


def _private(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True).encode()


def _load_private(kind: str, raw: bytes, obj: dict[str, Any] | None) -> dict[str, Any]:
    """Private data; without any, the placement fields (chosen, and replaced when changed) count as unset."""
    data = json.loads(raw) if raw else {}
    if "unset" not in data and obj is not None:
        data["unset"] = [f.name for f in schema_of(kind).fields if f.spec.chosen and f.spec.placement]
    return data


def validate(kind: str, config: dict[str, Any]) -> api.Checked:
    """The core's checks of a configuration (unknown values pass), and the durations of its ``timeouts`` block."""
    checked = api.check(kind, inputs_of(kind, config), address=_address(kind, config))
    return api.Checked(checked.inputs, [*checked.errors, *timeouts.problems(_address(kind, config), config)])


def _with_block(obj: dict[str, Any], source: dict[str, Any] | None) -> dict[str, Any]:
    """``obj`` with the ``timeouts`` block of ``source`` (the configuration, or the prior state)."""
    return {**obj, timeouts.BLOCK: (source or {}).get(timeouts.BLOCK)}


class Operations:
    """The verbs of the provider over one session of the cloud (opened on first use)."""

    def __init__(self, session: Callable[[], api.Session]):
        self._session = session

    @property
    def session(self) -> api.Session:
        """The session of the configured cloud."""
        return self._session()

    # ------------------------------------------------------------------ plan

    def plan(
        self, kind: str, prior: dict[str, Any] | None, config: dict[str, Any] | None, prior_private: bytes
    ) -> Planned:
        """Plan one resource: create, no-op, update in place or replace, as the core diffs it.

        Reference fields stay as written (a name or an id) in Terraform's values; the core
        compares them resolved to ids.
        """
        if config is None:
            return Planned(None, [], b"")
        checked = validate(kind, config)
        if checked.errors:
            raise ValidationError(checked.errors)
        new, address = checked.inputs, _address(kind, config)
        unset, resolved = unset_fields(kind, new), self.session.resolve(kind, new, address)
        if prior is None:
            return self._plan_create(kind, address, new, resolved, unset, config=config)
        prior_data = _load_private(kind, prior_private, prior)
        old_unset, unread = prior_data["unset"], prior_data.get("unread", [])
        outputs = outputs_of(kind, prior)
        old = self.session.resolve(kind, inputs_of(kind, prior, old_unset), address, strict=False)
        old = api.adopt_unread(unread, old, resolved)  # not read at import: taken from the configuration
        change = self.session.diff(kind, old, resolved, address, outputs=outputs)  # a lost dataplane: an update
        if change.action == "replace":
            return self._plan_create(
                kind,
                address,
                new,
                resolved,
                unset,
                before=old,
                outputs=outputs,
                replace=change.replace_fields,
                config=config,
            )
        private = _private({"unset": unset, "prior_unset": old_unset, "unread": unread})
        if change.action == "noop":
            planned = _with_block(tf_object(kind, new, outputs), config)  # differs in how a reference is written
            return Planned(prior, [], prior_private) if planned == prior else Planned(planned, [], private)
        if not contains_unknown(resolved):
            self.session.plan_create(kind, resolved, address, before=old, outputs=outputs, action="update")
        kept = api.planned_outputs(kind, outputs, change)
        return Planned(_with_block(tf_object(kind, new, kept), config), [], private)

    def _plan_create(
        self,
        kind: str,
        address: str,
        new: dict[str, Any],
        resolved: dict[str, Any],
        unset: list[str],
        *,
        before: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        replace: list[str] | None = None,
        config: dict[str, Any] | None = None,
    ) -> Planned:
        action = "replace" if replace is not None else "create"
        choices = self.session.plan_create(kind, resolved, address, before=before, outputs=outputs, action=action)
        planned = {f.name: UNKNOWN for f in schema_of(kind).fields if f.computed}
        planned.update({f: choices.get(f, UNKNOWN) for f in unset})
        private = _private({"unset": unset, "planned": {k: v for k, v in choices.items() if k in unset}})
        return Planned(_with_block(tf_object(kind, new, planned), config), replace or [], private)

    # ------------------------------------------------------------------ apply

    def apply(
        self, kind: str, prior: dict[str, Any] | None, planned: dict[str, Any] | None, planned_private: bytes
    ) -> tuple[dict[str, Any] | None, bytes]:
        """Carry out a planned change; return the new object (None once deleted) and its private data.

        The ``timeouts`` block of the planned object (of the prior one for a delete) bounds the waiting.
        """
        if planned is None:
            assert prior is not None
            wait = timeouts.of(prior, "delete")
            self.session.delete(kind, _address(kind, prior), prior["id"], outputs_of(kind, prior), timeout=wait)
            return None, b""
        private = _load_private(kind, planned_private, planned)
        new = inputs_of(kind, planned, private["unset"])
        address = _address(kind, planned)
        resolved = self.session.resolve(kind, new, address)
        if prior is None:
            wait = timeouts.of(planned, "create")
            made = self.session.create(kind, address, resolved, private.get("planned") or {}, timeout=wait)
        else:
            old = inputs_of(kind, prior, private.get("prior_unset", private["unset"]))
            old = self.session.resolve(kind, old, address, strict=False)
            old = api.adopt_unread(private.get("unread", []), old, resolved)
            wait = timeouts.of(planned, "update")
            made = self.session.update(kind, address, prior["id"], old, resolved, outputs_of(kind, prior), timeout=wait)
        return _with_block(tf_object(kind, new, made.outputs), planned), _private({"unset": private["unset"]})

    # ------------------------------------------------------------------ read, import, data

    def read(self, kind: str, state: dict[str, Any], private: bytes) -> dict[str, Any] | None:
        """Refresh one object: what the cloud reports replaces what it contradicts; None when it is gone."""
        unset = _load_private(kind, private, state)["unset"]
        recorded = inputs_of(kind, state, unset)
        found = self.session.read(kind, _address(kind, state), state["id"], outputs_of(kind, state))
        if found is None:
            return None
        merged = self.session.merge_observed(kind, _address(kind, state), recorded, found.inputs, skip=unset)
        return _with_block(tf_object(kind, merged.inputs, found.outputs), state)

    def import_(self, kind: str, import_id: str) -> tuple[dict[str, Any], bytes]:
        """Adopt an existing object by id or name (``take-over:<id>`` for another stack's); its object and private
        data, which lists the fields the cloud could not read (the first plan adopts them from the configuration)."""
        name_or_id, take_over = api.import_id(import_id)
        found = self.session.lookup(kind, name_or_id)
        if found is None:
            raise NotFoundError(f"no {kind} named or with id {name_or_id!r} exists in the cloud")
        checked = api.check(kind, dict(found.inputs))
        inputs = checked.inputs if checked.ok else dict(found.inputs)
        self.session.adopt(kind, _address(kind, inputs), found, take_over=take_over)
        unread = api.unread(kind, found.inputs)
        obj = _with_block(tf_object(kind, inputs, found.outputs), None)
        return obj, _private({"unset": unset_fields(kind, inputs), "unread": unread})

    def read_data(self, kind: str, config: dict[str, Any]) -> dict[str, Any]:
        """A data source: the object named (or with the id) in the configuration."""
        key = config.get("id") or config.get("name")
        if not isinstance(key, str) or not key:
            raise ValidationError([FieldError(_address(kind, config), "name", "set name or id")])
        found = self.session.lookup(kind, key)
        if found is None:
            raise NotFoundError(f"no {kind} named or with id {key!r} exists in the cloud")
        obj = tf_object(kind, {**found.inputs, "id": found.id}, {**found.outputs, "id": found.id})
        for given in ("name", "id"):
            if config.get(given) is not None:
                obj[given] = config[given]
        return obj
