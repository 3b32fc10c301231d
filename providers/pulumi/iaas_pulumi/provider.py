"""The iaas resource provider: each Pulumi verb translated into one call of :mod:`iaas.resources`.

Check validates and fills defaults, Diff reports what the core's diff
decides (live or restart updates, replacements), Create/Read/Update/Delete
call the cloud through a :class:`api.Session`.  The blocking cloud
calls run in worker threads so the engine's parallel steps run in parallel.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from pulumi.provider.experimental import provider as p

from iaas import api
from iaas.api import UNKNOWN, Cloud, ValidationError
from iaas_pulumi import PACKAGE
from iaas_pulumi.config import ProviderConfig, unknown_settings
from iaas_pulumi.names import (
    auto_name,
    camel,
    is_auto_name,
    kind_of_function,
    kind_of_token,
    snake,
    wire_path,
)
from iaas_pulumi.schema import schema_json
from iaas_pulumi.values import (
    extras_from_wire,
    from_wire,
    input_values,
    kind_schema,
    output_values,
    to_wire,
)

T = TypeVar("T")

_DIFF_KIND = {  # (old set, new set, replaces) -> kind of property diff
    (False, True, False): p.PropertyDiffKind.ADD,
    (False, True, True): p.PropertyDiffKind.ADD_REPLACE,
    (True, False, False): p.PropertyDiffKind.DELETE,
    (True, False, True): p.PropertyDiffKind.DELETE_REPLACE,
    (True, True, False): p.PropertyDiffKind.UPDATE,
    (True, True, True): p.PropertyDiffKind.UPDATE_REPLACE,
}


def stack_label(urn: str) -> str:
    """The stack name iaas labels a resource's cloud objects with: ``pulumi.<project>.<stack>``."""
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1] if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    return f"pulumi.{project}.{stack}" if project and stack else "pulumi"


def _kind(urn_or_token: str) -> str:
    token = urn_or_token.split("::")[-2] if "::" in urn_or_token else urn_or_token
    kind = kind_of_token(token)
    if kind is None:
        raise ValidationError(f"unknown resource type {token!r} (this is the {PACKAGE} provider)")
    return kind


UNREAD = "unread"  # state property: the fields an import could not read, taken from the program by the first update


def _unread(kind: str, props: Any) -> list[str]:
    value = extras_from_wire(kind, props).get(UNREAD)
    return [str(v) for v in value] if isinstance(value, list) else []


def _address(urn: str) -> str:
    """The address of a resource in its stack: its kind and its logical (Pulumi) name."""
    return f"{_kind(urn)}.{urn.split('::')[-1]}"


def _failures(kind: str, errors: list[Any]) -> list[p.CheckFailure]:
    return [p.CheckFailure(wire_path(kind, e.field), e.message) for e in errors]


def _name_for(kind: str, request: p.CheckRequest, olds: dict[str, Any], news: dict[str, Any]) -> str:
    """The name of a resource declared without one: the auto-name it has, kept across updates; a new one when
    the change replaces it, so the replacement is created before the old object is deleted."""
    old = olds.get("name")
    if old == request.name:  # named by an earlier version after the resource alone: kept, never a replacement
        return old
    if not isinstance(old, str) or not is_auto_name(old, request.name):
        return auto_name(request.name, request.random_seed)
    try:
        replaced = api.diff(kind, olds, {**news, "name": old}).action == "replace"
    except ValidationError:  # a refused change: Check reports it with the old name
        replaced = False
    return auto_name(request.name, request.random_seed, salt=old) if replaced else old


class IaasProvider(p.Provider):
    """The native Pulumi provider of iaas."""

    def __init__(self, config: ProviderConfig | None = None):
        self._config = config or ProviderConfig.from_request({})
        self._cloud: Cloud | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ plumbing

    def cloud(self) -> Cloud:
        """The configured cloud, opened on first use."""
        with self._lock:
            if self._cloud is None:
                self._cloud = self._config.open()
            return self._cloud

    def _session(self, urn: str) -> api.Session:
        return api.Session(self.cloud(), stack=stack_label(urn))

    @staticmethod
    async def _run(fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    # ------------------------------------------------------------ schema and configuration

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        """The package schema, derived from the model."""
        return p.GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        """Refuse a cloud config that cannot be read, naming the property."""
        problems = unknown_settings(request.new_inputs)
        problems += ProviderConfig.from_request(request.new_inputs, environ={}).problems()
        return p.CheckResponse(
            inputs=request.new_inputs, failures=[p.CheckFailure(prop, reason) for prop, reason in problems]
        )

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        """A changed setting is an update of the provider (resources are not replaced)."""
        changed = sorted(
            k
            for k in set(request.old_state) | set(request.new_inputs)
            if k != "version" and request.old_state.get(k) != request.new_inputs.get(k)
        )
        return p.DiffResponse(changes=bool(changed), diffs=changed)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        """Take the settings; the cloud is opened when first needed."""
        unknown = unknown_settings(request.args, request.variables)
        if unknown:
            raise ValidationError("; ".join(reason for _, reason in unknown))
        config = ProviderConfig.from_request(request.args, request.variables)
        with self._lock:
            if config != self._config and self._cloud is not None:
                self._cloud.close()
                self._cloud = None
            self._config = config
        return p.ConfigureResponse(accept_secrets=True, supports_preview=True)

    # ------------------------------------------------------------ check and diff

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        """Validate inputs with the core and fill in its defaults; every failure names its property."""
        kind = _kind(request.urn)
        news, olds = from_wire(kind, request.new_inputs), from_wire(kind, request.old_inputs)
        values = news.values
        if values.get("name") is None:
            values["name"] = _name_for(kind, request, olds.values, values)
        known = ", ".join(camel(f.name) for f in kind_schema(kind).inputs)
        failures = [p.CheckFailure(path, f"unknown property (known properties: {known})") for path in news.unknown]
        checked = api.check(kind, values)
        failures += _failures(kind, checked.errors)
        if not failures and olds.values.get("name") is not None:
            try:
                api.diff(kind, olds.values, checked.inputs)
            except ValidationError as exc:  # a change the kind refuses, such as shrinking a disk
                failures += _failures(kind, exc.errors)
        if failures:
            return p.CheckResponse(inputs=request.new_inputs, failures=failures)
        return p.CheckResponse(inputs=to_wire(kind, checked.inputs, news.secrets))

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        """The core's diff: each changed property, and those that force a replacement."""
        kind = _kind(request.urn)
        state = from_wire(kind, request.old_state).values
        old = input_values(kind, state)
        new = api.keep_chosen(kind, from_wire(kind, request.new_inputs).values, state)
        new = api.ignore_changes([snake(path) for path in request.ignore_changes], old, new)
        old = api.adopt_unread(_unread(kind, request.old_state), old, new)  # not read at import: configured
        address = _address(request.urn)
        outputs = output_values(kind, state, extras_from_wire(kind, request.old_state), request.resource_id)
        d = await self._run(partial(self._session(request.urn).diff, outputs=outputs), kind, old, new, address)
        detailed = {
            camel(c.field): p.PropertyDiff(
                _DIFF_KIND[(c.old is not None, c.new is not None, c.update == "replace")], True
            )
            for c in d.changes
        }
        restored = d.restored_fields  # outputs saying what the host lost: the update puts it back
        detailed.update({camel(f): p.PropertyDiff(p.PropertyDiffKind.UPDATE, False) for f in restored})
        return p.DiffResponse(
            changes=d.action != "noop",
            replaces=[camel(f) for f in d.replace_fields],
            diffs=[camel(f) for f in [*d.changed_fields, *restored]],
            detailed_diff=detailed,
            delete_before_replace=not is_auto_name(new.get("name"), request.name),
        )

    # ------------------------------------------------------------ create, read, update, delete

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        """Plan-time checks (quotas, capacity, placement), then the object; a preview shows what is unknown."""
        kind = _kind(request.urn)
        inbound = from_wire(kind, request.properties)
        inputs, session = inbound.values, self._session(request.urn)
        address = _address(request.urn)
        planned = await self._run(session.plan_create, kind, inputs, address)
        if request.preview:
            later = {f.name: UNKNOWN for f in kind_schema(kind).outputs if inputs.get(f.name) is None}
            return p.CreateResponse(
                resource_id="", properties=to_wire(kind, {**inputs, **later, **planned}, inbound.secrets)
            )
        state = await self._run(session.create, kind, address, inputs, planned)
        return p.CreateResponse(
            resource_id=state.id, properties=to_wire(kind, {**inputs, **state.outputs}, inbound.secrets)
        )

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        """Refresh an object from the cloud, or find one to import by id or name; a gone object has no id."""
        kind = _kind(request.urn)
        session = self._session(request.urn)
        state = from_wire(kind, request.properties).values
        if not state:  # import, or a get of an existing object
            name_or_id, take_over = api.import_id(request.resource_id)
            found = await self._run(session.lookup, kind, name_or_id, f"{kind}.{request.name}")
            if found is None:
                return p.ReadResponse()
            if take_over:  # another stack's object becomes this stack's
                await self._run(partial(session.adopt, take_over=True), kind, _address(request.urn), found)
            observed = {k: v for k, v in found.inputs.items() if v is not None}
            checked = api.check(kind, observed)
            inputs = checked.inputs if checked.ok else observed
            unread = {UNREAD: found_unread} if (found_unread := api.unread(kind, found.inputs)) else {}
            props = to_wire(kind, {**inputs, **found.outputs, **unread})
            return p.ReadResponse(found.id, props, to_wire(kind, inputs))
        address = _address(request.urn)
        outputs = output_values(kind, state, extras_from_wire(kind, request.properties), request.resource_id)
        found = await self._run(session.read, kind, address, request.resource_id, outputs)
        if found is None:
            return p.ReadResponse()
        recorded = input_values(kind, state)
        written = from_wire(kind, request.inputs).values or recorded
        merge = session.merge_observed
        inputs = (await self._run(merge, kind, address, written, found.inputs)).inputs
        props = (await self._run(merge, kind, address, recorded, found.inputs)).inputs
        secrets = from_wire(kind, request.properties).secrets
        unread = {UNREAD: _unread(kind, request.properties)} if _unread(kind, request.properties) else {}
        return p.ReadResponse(
            found.id,
            to_wire(kind, {**found.inputs, **props, **found.outputs, **unread}, secrets),
            to_wire(kind, inputs, secrets),
        )

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        """Change the object in place, live or with a restart, as the core's diff decided."""
        kind = _kind(request.urn)
        state = from_wire(kind, request.olds).values
        inbound = from_wire(kind, request.news)
        old, new = input_values(kind, state), api.keep_chosen(kind, inbound.values, state)
        old = api.adopt_unread(_unread(kind, request.olds), old, new)
        outputs = output_values(kind, state, extras_from_wire(kind, request.olds), request.resource_id)
        address = _address(request.urn)
        session = self._session(request.urn)
        await self._run(session.check_owner, kind, address, request.resource_id)
        await self._run(lambda: session.plan_create(kind, new, address, before=old, outputs=outputs, action="update"))
        if request.preview:
            return p.UpdateResponse(properties=to_wire(kind, {**state, **new}, inbound.secrets))
        done = await self._run(session.update, kind, address, request.resource_id, old, new, outputs)
        return p.UpdateResponse(properties=to_wire(kind, {**done.inputs, **done.outputs}, inbound.secrets))

    async def delete(self, request: p.DeleteRequest) -> None:
        """Delete the object; one already gone is fine."""
        kind = _kind(request.urn)
        state = from_wire(kind, request.properties).values
        outputs = output_values(kind, state, extras_from_wire(kind, request.properties), request.resource_id)
        session = self._session(request.urn)
        await self._run(session.check_owner, kind, _address(request.urn), request.resource_id)
        await self._run(session.delete, kind, _address(request.urn), request.resource_id, outputs)

    # ------------------------------------------------------------ functions

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        """``getNetwork`` and its siblings: look an existing object up by name or id."""
        kind = kind_of_function(request.tok)
        if kind is None:
            raise ValidationError(f"unknown function {request.tok!r}")
        name_or_id = request.args.get("nameOrId")
        if name_or_id is None or not isinstance(name_or_id.value, str) or not name_or_id.value:
            return p.InvokeResponse(failures=[p.CheckFailure("nameOrId", "a name or id is required")])
        session = api.Session(self.cloud(), stack="pulumi")
        found = await self._run(session.lookup, kind, name_or_id.value)
        if found is None:
            return p.InvokeResponse(
                failures=[
                    p.CheckFailure("nameOrId", f"no {kind.replace('_', ' ')} named or with id {name_or_id.value!r}")
                ]
            )
        values = to_wire(kind, {**found.inputs, **found.outputs})
        return p.InvokeResponse(return_value={"id": p.PropertyValue(found.id), **values})
