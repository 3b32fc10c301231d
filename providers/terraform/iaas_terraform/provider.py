"""The Terraform plugin protocol (version 6) service: each call decoded, handed to the core, encoded.

Problems never crash the provider: an iaas error becomes a Terraform diagnostic that points at
the attribute it names, and any other failure a diagnostic that says so.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as pb_grpc

from iaas.api import CloudSettings, FieldError, IaasError, ValidationError
from iaas_terraform import codec, schema
from iaas_terraform.objects import complete_object
from iaas_terraform.operations import Operations, validate
from iaas_terraform.timeouts import BLOCK

log = logging.getLogger("iaas_terraform")

DEFAULT_STACK = "terraform"


def diagnostics(exc: BaseException, kind: str | None = None) -> list[pb.Diagnostic]:
    """Diagnostics for an error: one per field problem, pointing at the attribute it names.

    The summary names the field (``nics[0].fixed_ip``), the detail says what the field is;
    the path given to Terraform is the top-level attribute, which every Terraform version
    can show in the configuration.
    """
    if isinstance(exc, ValidationError):
        return [_field_diagnostic(e, kind) for e in exc.errors]
    if isinstance(exc, IaasError):
        return [codec.error(str(exc).splitlines()[0], str(exc))]
    log.exception("unexpected error in the iaas provider")
    return [codec.error("Internal error in the iaas provider", f"{type(exc).__name__}: {exc}")]


def _field_diagnostic(e: FieldError, kind: str | None) -> pb.Diagnostic:
    found = schema.field_at(kind, e.field) if kind and e.field else None
    if found is None:
        return codec.error(f"{e.field}: {e.message}" if e.field else e.message, str(e))
    top = e.field.split(".")[0].split("[")[0]
    return codec.error(f"{e.field}: {e.message}", f"{e.address}.{e.field}: {schema.describe(found)}", top)


def rpc(response: type, *, on_error: Callable[[Any], dict[str, Any]] | None = None) -> Callable:
    """Run a protocol call; turn any error into diagnostics of ``response`` instead of a crash."""

    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def call(self: Provider, request: Any, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(self, request, context)
            except Exception as exc:  # noqa: BLE001 - every failure goes back to Terraform as a diagnostic
                kind = _kind_or_none(getattr(request, "type_name", ""))
                extra = on_error(request) if on_error else {}
                return response(diagnostics=diagnostics(exc, kind), **extra)
            finally:
                log.debug(
                    "%s %s: %.1f ms",
                    method.__name__,
                    getattr(request, "type_name", ""),
                    (time.perf_counter() - start) * 1000,
                )

        return call

    return wrap


def _kind_or_none(type_name: str) -> str | None:
    try:
        return schema.kind_of(type_name)
    except IaasError:
        return None


def _keep_prior(request: Any) -> dict[str, Any]:
    """After a failed apply the object is as it was: send the prior state back."""
    return {"new_state": request.prior_state}


class Settings:
    """The provider configuration: ``home``, ``cloud``, ``cloud_config`` and ``stack``; IAAS_HOME and IAAS_CLOUD
    for those left unset."""

    def __init__(self, config: dict[str, Any] | None = None):
        config = config or {}
        self.cloud = CloudSettings.of(config.get("cloud"), config.get("cloud_config"), config.get("home"))
        self.stack: str = config.get("stack") or DEFAULT_STACK

    def problems(self) -> list[pb.Diagnostic]:
        """Diagnostics for settings that cannot work (a cloud config file that does not exist), naming the attribute."""
        return [
            codec.error(f"{attr}: {reason}", "", attr)
            for setting, reason in self.cloud.problems()
            for attr in ["cloud_config" if setting == "config" else "cloud"]
        ]


class Provider(pb_grpc.ProviderServicer):
    """The ``iaas`` provider: resources and data sources for every kind of iaas."""

    def __init__(self) -> None:
        self.settings = Settings()
        self._session: Any = None
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.ops = Operations(self._open_session)

    def _open_session(self) -> Any:
        if self.stopping.is_set():
            raise IaasError("the provider is stopping; the operation was not started")
        with self._lock:
            if self._session is None:
                from iaas import api

                self._session = api.Session(self.settings.cloud.open(), stack=self.settings.stack)
            return self._session

    def close(self) -> None:
        """Close the cloud connection, if one was opened."""
        with self._lock:
            if self._session is not None:
                self._session.cloud.close()
                self._session = None

    # ------------------------------------------------------------------ schema and configuration

    def GetMetadata(self, request: Any, context: Any) -> Any:  # noqa: N802 - protocol names
        """The resource and data source types, without their schemas."""
        names = sorted(schema.get_provider_schema().resource_schemas)
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in names],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in names],
        )

    def GetProviderSchema(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Every schema, derived from the iaas model."""
        return schema.get_provider_schema()

    @rpc(pb.ValidateProviderConfig.Response)
    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Check the provider block."""
        config = codec.decode(request.config) or {}
        known = {k: v for k, v in config.items() if isinstance(v, str)}
        return pb.ValidateProviderConfig.Response(diagnostics=Settings(known).problems())

    @rpc(pb.ConfigureProvider.Response)
    def ConfigureProvider(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Take the provider block's settings; the cloud is opened when first needed."""
        config = codec.decode(request.config) or {}
        unknown = [k for k, v in config.items() if v is not None and not isinstance(v, str)]
        if unknown:
            return pb.ConfigureProvider.Response(
                diagnostics=[codec.error(f"{k}: must be known when Terraform plans", "", k) for k in unknown]
            )
        self.settings = Settings(config)
        self.close()
        return pb.ConfigureProvider.Response(diagnostics=self.settings.problems())

    # ------------------------------------------------------------------ resources

    @rpc(pb.ValidateResourceConfig.Response)
    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        """The core's validation of every field; each problem names its attribute."""
        kind = schema.kind_of(request.type_name)
        checked = validate(kind, codec.decode(request.config) or {})
        diags = diagnostics(ValidationError(checked.errors), kind) if checked.errors else []
        return pb.ValidateResourceConfig.Response(diagnostics=diags)

    @rpc(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Stored state in the current schema: attributes added since are null, removed ones dropped."""
        kind = schema.kind_of(request.type_name)
        raw = codec.decode(pb.DynamicValue(json=request.raw_state.json)) if request.raw_state.json else None
        state = {**complete_object(kind, raw), BLOCK: raw.get(BLOCK)} if isinstance(raw, dict) else None
        return pb.UpgradeResourceState.Response(upgraded_state=codec.encode(state))

    @rpc(pb.ReadResource.Response, on_error=lambda r: {"new_state": r.current_state, "private": r.private})
    def ReadResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Refresh: the object as the cloud reports it, or null when it is gone."""
        kind = schema.kind_of(request.type_name)
        state = codec.decode(request.current_state)
        if state is None:
            return pb.ReadResource.Response(new_state=request.current_state)
        new = self.ops.read(kind, state, request.private)
        return pb.ReadResource.Response(new_state=codec.encode(new), private=request.private)

    @rpc(pb.PlanResourceChange.Response)
    def PlanResourceChange(self, request: Any, context: Any) -> Any:  # noqa: N802
        """The core's plan of one resource: no-op, in-place update, or replacement naming its fields."""
        kind = schema.kind_of(request.type_name)
        proposed = codec.decode(request.proposed_new_state)
        config = codec.decode(request.config) if proposed is not None else None
        planned = self.ops.plan(kind, codec.decode(request.prior_state), config, request.prior_private)
        return pb.PlanResourceChange.Response(
            planned_state=codec.encode(planned.state),
            planned_private=planned.private,
            requires_replace=[codec.attribute_path(f) for f in planned.requires_replace],
        )

    @rpc(pb.ApplyResourceChange.Response, on_error=_keep_prior)
    def ApplyResourceChange(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Create, update in place, or delete (a null planned state) one object."""
        kind = schema.kind_of(request.type_name)
        new, private = self.ops.apply(
            kind, codec.decode(request.prior_state), codec.decode(request.planned_state), request.planned_private
        )
        return pb.ApplyResourceChange.Response(new_state=codec.encode(new), private=private)

    @rpc(pb.ImportResourceState.Response)
    def ImportResourceState(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Adopt an existing object by id or name."""
        kind = schema.kind_of(request.type_name)
        state, private = self.ops.import_(kind, request.id)
        return pb.ImportResourceState.Response(
            imported_resources=[
                pb.ImportResourceState.ImportedResource(
                    type_name=request.type_name, state=codec.encode(state), private=private
                )
            ]
        )

    # ------------------------------------------------------------------ data sources

    @rpc(pb.ValidateDataResourceConfig.Response)
    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        """A lookup needs a name or an id."""
        schema.kind_of(request.type_name)
        config = codec.decode(request.config) or {}
        if config.get("name") is None and config.get("id") is None:
            return pb.ValidateDataResourceConfig.Response(
                diagnostics=[codec.error("name: set name or id to look the object up", "", "name")]
            )
        return pb.ValidateDataResourceConfig.Response()

    @rpc(pb.ReadDataSource.Response)
    def ReadDataSource(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Look an object up by name or id."""
        kind = schema.kind_of(request.type_name)
        state = self.ops.read_data(kind, codec.decode(request.config) or {})
        return pb.ReadDataSource.Response(state=codec.encode(state))

    # ------------------------------------------------------------------ stop

    def StopProvider(self, request: Any, context: Any) -> Any:  # noqa: N802
        """Start no new operation; the ones under way finish (a host call cannot be cut short safely)."""
        self.stopping.set()
        return pb.StopProvider.Response()
