# Copyright: contributors to iaas
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One object of one kind: find it by name in its stack, check, diff, create, update or delete it.

The cloud's inventory is the source of truth: an object is the one of its
kind with the module's ``name`` in the module's ``stack``.  Validation,
defaults, the diff and every change are the iaas core's
(:mod:`iaas.resources`); this module only translates options and results.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ansible_collections.iaas.cloud.plugins.module_utils.base import (
    IAAS_IMPORT_ERROR,
    IaasModule,
    hide_secrets,
    plain,
    strip_none,
)
from ansible_collections.iaas.cloud.plugins.module_utils.options import ACTION_GROUPS, INFO_GROUPS, RESOURCE_GROUPS

if IAAS_IMPORT_ERROR is None:
    import iaas
    from iaas import api
    from iaas.api import FieldError, IaasError, ValidationError

POLL_SECONDS = 1.0
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_path(values: Any, path: str, value: Any) -> None:
    """Set the value at a field path such as ``nics[0].security_groups[1]``."""
    keys: list[Any] = [name if name else int(index) for name, index in _PATH_PART.findall(path)]
    for key in keys[:-1]:
        values = values[key]
    values[keys[-1]] = value


class ResourceModule(IaasModule):
    """Create, update or delete the object of ``kind`` named by the option ``name`` in the option ``stack``."""

    def __init__(self, kind: str, options: dict[str, Any], groups: tuple[str, ...] = RESOURCE_GROUPS, **kwargs: Any):
        super().__init__(options, groups, **kwargs)
        self.kind = kind
        self.inputs = [k for k in options if k not in ("action",)]
        self.address = f"{kind}.{self.params['name']}"
        self._session: api.Session | None = None

    @property
    def session(self) -> api.Session:
        """The core's one-resource API on the module's cloud and stack."""
        if self._session is None:
            self._session = api.Session(self.cloud, self.params.get("stack") or "ansible")
        return self._session

    # ------------------------------------------------------------ finding

    def find(self, name: str | None = None) -> tuple[api.InventoryRecord | None, api.ResourceState | None]:
        """The inventory record of the object in the stack and the object as the cloud reports it."""
        name = name or self.params["name"]
        records = [
            r for r in self.cloud.managed_objects(self.session.stack) if r.kind == self.kind and name in (r.name, r.id)
        ]
        if not records:
            return None, None
        rec = records[0]
        return rec, self.session.read(self.kind, rec.address or self.address, rec.id, rec.outputs)

    @staticmethod
    def current_inputs(rec: api.InventoryRecord, state: api.ResourceState) -> dict[str, Any]:
        """The recorded inputs, with what the cloud reports differently taking their place (drift)."""
        return api.merge_observed(rec.inputs, state.inputs).inputs

    # ------------------------------------------------------------ inputs

    def desired(self) -> dict[str, Any]:
        """The object's inputs as the options give them: checked by the core, defaults filled, names resolved.

        In check mode an object named by a reference may not exist yet (an earlier task of the same check run
        would have made it): its id is then known only after apply.
        """
        values = strip_none({k: self.params.get(k) for k in self.inputs})
        checked = api.check(self.kind, values, self.address)
        if checked.errors:
            raise ValidationError(checked.errors)
        try:
            return self.session.resolve(self.kind, checked.inputs, self.address)
        except ValidationError as exc:
            if not self.check_mode:
                raise
            inputs = self.session.resolve(self.kind, checked.inputs, self.address, strict=False)
            for err in exc.errors:
                set_path(inputs, err.field, iaas.UNKNOWN)
            return inputs

    # ------------------------------------------------------------ waiting

    @property
    def timeout(self) -> float | None:
        """With ``wait``, the option ``timeout`` bounds the waiting a create or update does (``wait_for_address``)."""
        value = self.params.get("timeout")
        return float(value) if self.params.get("wait") and value else None

    def wait_for(self, id: str, outputs: dict[str, Any], want: dict[str, Any] | None) -> api.ResourceState | None:
        """Read the object until it is in the state asked for (``want``), or gone (``want`` None)."""
        deadline = time.monotonic() + float(self.params.get("timeout") or 0)
        while True:
            state = self.session.read(self.kind, self.address, id, outputs)
            if want is None and state is None:
                return None
            if (
                want is not None
                and state is not None
                and state.inputs.get("power_state") in (None, want.get("power_state"))
            ):
                return state
            if not self.params.get("wait") or time.monotonic() >= deadline:
                if self.params.get("wait"):
                    what = "to be gone" if want is None else f"to be {want.get('power_state') or 'ready'}"
                    raise IaasError(f"{self.address}: timed out after {self.params['timeout']} s waiting for it {what}")
                return state
            time.sleep(POLL_SECONDS)

    # ------------------------------------------------------------ changes

    def create(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Check quotas and placement, then create the object (unless in check mode); its outputs."""
        planned = self.session.plan_create(self.kind, inputs, self.address)
        if self.check_mode:
            return {**planned, "id": iaas.UNKNOWN}
        made = self.session.create(self.kind, self.address, inputs, planned, timeout=self.timeout)
        state = self.wait_for(made.id, made.outputs, inputs)
        return dict(state.outputs if state is not None else made.outputs)

    def delete(self, id: str, outputs: dict[str, Any]) -> None:
        """Delete the object (unless in check mode) and wait until it is gone."""
        if not self.check_mode:
            self.session.delete(self.kind, self.address, id, outputs)
            self.wait_for(id, outputs, None)

    def update(self, id: str, old: dict[str, Any], new: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        """Change the object in place (unless in check mode); its outputs."""
        self.session.plan_create(self.kind, new, self.address, before=old, outputs=outputs, action="update")
        if self.check_mode:
            return outputs
        changed = self.session.update(self.kind, self.address, id, old, new, outputs, timeout=self.timeout)
        state = self.wait_for(id, changed.outputs, new)
        return dict(state.outputs if state is not None else changed.outputs)

    def present(self, rec: api.InventoryRecord | None, state: api.ResourceState | None) -> tuple[str, dict, dict, dict]:
        """Bring the object in line with the options: (action, before, after, outputs)."""
        new = self.desired()
        if state is None:
            if rec is not None and not self.check_mode:  # recorded, but gone from the cloud
                self.session.delete(self.kind, self.address, rec.id, {})
            return "create", {}, new, self.create(new)
        old = self.current_inputs(rec, state)
        change = self.session.diff(self.kind, old, new, self.address, outputs=dict(state.outputs))  # a lost dataplane
        if change.action == "noop":
            return "none", old, old, dict(state.outputs)
        if change.action in ("update", "migrate"):  # a move to another host is an update of its host
            return change.action, old, new, self.update(state.id, old, new, dict(state.outputs))
        self.session.plan_create(
            self.kind, new, self.address, before=old, outputs=dict(state.outputs), action="replace"
        )
        self.delete(state.id, dict(state.outputs))
        return "replace", old, new, self.create(new)

    def body(self) -> dict[str, Any]:
        """Run the module: the result Ansible gets."""
        rec, state = self.find()
        if self.params["state"] == "absent":
            if state is None:
                if rec is not None and not self.check_mode:  # recorded, but already gone
                    self.session.delete(self.kind, self.address, rec.id, {})
                return self.result("none", {}, {}, {})
            before = self.current_inputs(rec, state)
            self.delete(state.id, dict(state.outputs))
            return self.result("delete", before, {}, {})
        return self.result(*self.present(rec, state))

    def result(
        self, action: str, before: dict[str, Any], after: dict[str, Any], outputs: dict[str, Any]
    ) -> dict[str, Any]:
        """What the module returns: ``changed``, the object under its kind's name, the action and the diff."""
        obj = {**after, **{k: v for k, v in outputs.items() if v is not None or k not in after}} if after else {}
        obj = plain(obj)
        if obj:
            obj["stack"] = self.session.stack
        out = {"changed": action != "none", "action": action, self.kind: obj}
        if self.diff_mode:
            out["diff"] = {
                "before": plain(strip_none(before)),
                "after": plain(strip_none(after)),
                "before_header": self.address,
                "after_header": self.address,
            }
        return out


def run_resource(kind: str, options: dict[str, Any], required: list[str]) -> None:
    """The main function of the module of ``kind``."""
    module = ResourceModule(kind, options, required_if=[("state", "present", required)] if required else None)
    module.run(module.body)


# ---------------------------------------------------------------- info


def run_info(kind: str, options: dict[str, Any]) -> None:
    """The main function of the module ``<kind>_info``: a list, never a failure for nothing found."""
    module = IaasModule(options, INFO_GROUPS)

    def body() -> dict[str, Any]:
        name, stack = module.params.get("name"), module.params.get("stack")
        cloud = module.cloud
        found = []
        for rec in cloud.managed_objects(stack):
            if rec.kind != kind or (name is not None and name not in (rec.name, rec.id)):
                continue
            session = api.Session(cloud, rec.stack or "default")
            state = session.read(kind, rec.address or f"{kind}.{rec.name}", rec.id, rec.outputs)
            if state is not None:
                inputs = ResourceModule.current_inputs(rec, state)
                found.append({**inputs, **state.outputs, "stack": rec.stack, "address": rec.address})
        if not found and name is not None and stack is None:  # an object iaas does not manage
            other = api.Session(cloud, "ansible").lookup(kind, name)
            if other is not None:
                found.append({**other.inputs, **other.outputs, "stack": None, "address": None})
        found = [hide_secrets(kind, item) for item in found]
        return {"changed": False, kind + "s": plain(found)}

    module.run(body)


# ---------------------------------------------------------------- instance actions


def run_instance_action(options: dict[str, Any]) -> None:
    """The main function of the module ``instance_action``: start, stop or reboot an instance."""
    module = ResourceModule("instance", options, ACTION_GROUPS)
    steps = {"start": ["running"], "stop": ["stopped"], "reboot": ["stopped", "running"]}

    def body() -> dict[str, Any]:
        rec, state = module.find()
        if state is None:
            raise ValidationError(
                [
                    FieldError(
                        module.address or "",
                        "name",
                        f"no instance named {module.params['name']!r} in stack {module.session.stack!r}",
                    )
                ]
            )
        old = ResourceModule.current_inputs(rec, state)
        before, action = old.get("power_state"), module.params["action"]
        wanted = steps[action] if before == "running" else steps[action][-1:]
        if action != "reboot" and before == wanted[-1]:
            return {"changed": False, "instance": plain({**old, **state.outputs, "stack": module.session.stack})}
        outputs = dict(state.outputs)
        for to in wanted:
            new = {**old, "power_state": to}
            outputs = module.update(state.id, old, new, outputs)
            old = new
        out: dict[str, Any] = {"changed": True, "instance": plain({**old, **outputs, "stack": module.session.stack})}
        if module.diff_mode:
            out["diff"] = {
                "before": {"power_state": before},
                "after": {"power_state": wanted[-1]},
                "before_header": module.address,
                "after_header": module.address,
            }
        return out

    module.run(body)
