"""The public API of iaas for the programs built on it: the ``iaas`` CLI, the Terraform and Pulumi providers and
the Ansible collection import ``iaas`` and this module, and nothing else of iaas.

Everything :mod:`iaas` exports is here too, and besides:

One resource at a time (:mod:`iaas.resources`), for tools that keep their own state
    :class:`Session` (plan-time cloud checks, create, read, update, delete, lookup, resolve, adopt),
    :func:`check`, :func:`diff`, :func:`schema`, :func:`kind_class`, :func:`computed_outputs`,
    :func:`recomputed_outputs`, :func:`planned_outputs` (outputs an update leaves, a lost ``dataplane`` restored)
    and their results :class:`Checked`, :class:`Diff`, :class:`ResourceState`.
The rules every face applies between what it recorded and what the cloud reports (:mod:`iaas.model.observe`)
    :func:`merge_observed` (drift; ``Session.merge_observed`` and ``Session.diff`` also count a name and the id of
    the same object as equal), :func:`ignore_changes`, :func:`keep_chosen` and :func:`unset_chosen` (values the
    cloud chose), :func:`unread` and :func:`adopt_unread` (what an import could not read is taken from the
    configuration), :func:`import_id` (``take-over:<id>``).
Opening the cloud a face's settings name
    :class:`CloudSettings` and :func:`open_cloud` (a file, an inline config, or the embedded cloud).
The schema of every kind, to derive a face's own schema from
    :class:`ObjectSchema`, :class:`FieldSchema`, :class:`TypeSpec`, :func:`object_schema`, :data:`KINDS`,
    :data:`UNKNOWN` (a value known only after apply) and :func:`contains_unknown`.
What the cloud manages, whichever stack or face made it
    ``Cloud.managed_objects()`` gives :class:`InventoryRecord` objects (kind, id, name, stack, address, host,
    recorded ``inputs`` and ``outputs``); :func:`endpoint` says where a client reaches a port of an instance
    (a port forward to it, or its own address) as an :class:`Endpoint`.
Stacks, plans and state for a command line
    :func:`load_stack` and :func:`stack_from_data` (stack files), :func:`validate_stack` (every field and reference,
    and the dependency graph), :func:`render_plan`, :func:`load_plan` and :func:`save_plan`, :func:`to_dot` and
    :func:`to_mermaid` (a graph as text), :func:`export_json` (a state as JSON), :func:`printable` (user input made
    safe for a terminal: control characters escaped), :func:`migrate_state` (copy stacks' state into another
    database, e.g. a team's PostgreSQL) and :func:`migrate_inventory` (copy a home's cloud inventory there).

Host maintenance (:mod:`iaas.cloud.drain`, :mod:`iaas.engine.drain`)
    :func:`drained_hosts`, :func:`mark_drained` and :func:`mark_undrained` (no new placements on a host),
    :func:`plan_moves` (a new host for every instance on one, as :class:`Move` values) and :class:`Drain` (each
    stack's plan that moves them, a :class:`DrainPlan`, and its apply).
Every name loads on first use, so a provider that only derives its schema starts without the cloud's libraries.
"""

# ruff: noqa: F401  (names below are imported for type checkers only; runtime loading is lazy)
from __future__ import annotations

from typing import TYPE_CHECKING

from iaas import _EXPORTS as _PACKAGE_EXPORTS
from iaas import __version__
from iaas._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    **_PACKAGE_EXPORTS,
    **dict.fromkeys(
        (
            "Checked",
            "adopt_unread",
            "import_id",
            "unread",
            "unset_chosen",
            "Diff",
            "ResourceState",
            "Session",
            "check",
            "computed_outputs",
            "diff",
            "ignore_changes",
            "keep_chosen",
            "kind_class",
            "merge_observed",
            "planned_outputs",
            "recomputed_outputs",
            "schema",
        ),
        "iaas.resources",
    ),
    **dict.fromkeys(("FieldSchema", "ObjectSchema", "TypeSpec", "contains_unknown", "object_schema"), "iaas.model"),
    **dict.fromkeys(("InventoryRecord",), "iaas.cloud.inventory"),
    **dict.fromkeys(("Endpoint", "endpoint"), "iaas.cloud.access"),
    **dict.fromkeys(("load_stack", "stack_from_data"), "iaas.stackfile"),
    **dict.fromkeys(("validate_stack",), "iaas.engine.validate"),
    **dict.fromkeys(("to_dot", "to_mermaid"), "iaas.graph"),
    **dict.fromkeys(("printable",), "iaas.errors"),
    **dict.fromkeys(("export_json",), "iaas.state"),
    **dict.fromkeys(("migrate_state",), "iaas.state.migrate"),
    **dict.fromkeys(("migrate_inventory",), "iaas.cloud.move"),
    **dict.fromkeys(("Move", "drained_hosts", "mark_drained", "mark_undrained", "plan_moves"), "iaas.cloud.drain"),
    **dict.fromkeys(("Drain", "DrainPlan"), "iaas.engine.drain"),
}

__all__ = sorted([*_EXPORTS, "__version__"])

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from iaas.cloud import Cloud, CloudConfig, HostConfig
    from iaas.cloud.access import Endpoint, endpoint
    from iaas.cloud.drain import Move, drained_hosts, mark_drained, mark_undrained, plan_moves
    from iaas.cloud.inventory import InventoryRecord
    from iaas.cloud.move import migrate_inventory
    from iaas.cloud.settings import CloudSettings, open_cloud
    from iaas.engine import ApplyResult, Engine, Plan, ResourceChange, make_plan
    from iaas.engine.drain import Drain, DrainPlan
    from iaas.engine.planfile import load_plan, save_plan
    from iaas.engine.render import render_plan
    from iaas.engine.validate import validate_stack
    from iaas.errors import (
        ApplyError,
        CapacityError,
        ConflictError,
        CycleError,
        DatabaseError,
        FieldError,
        HostError,
        HostUnreachableError,
        IaasError,
        LockError,
        LostStateError,
        NotFoundError,
        PlanError,
        QuotaError,
        StateError,
        ValidationError,
        printable,
    )
    from iaas.graph import to_dot, to_mermaid
    from iaas.model import (
        FLAVORS,
        KINDS,
        UNKNOWN,
        FieldSchema,
        FloatingIp,
        Image,
        Instance,
        KeyPair,
        Network,
        Nic,
        ObjectSchema,
        PortForward,
        Project,
        Quota,
        Reference,
        Resource,
        Rule,
        SecurityGroup,
        ServerGroup,
        Snapshot,
        TypeSpec,
        Volume,
        contains_unknown,
        object_schema,
    )
    from iaas.resources import (
        Checked,
        Diff,
        ResourceState,
        Session,
        adopt_unread,
        check,
        computed_outputs,
        diff,
        ignore_changes,
        import_id,
        keep_chosen,
        kind_class,
        merge_observed,
        planned_outputs,
        recomputed_outputs,
        schema,
        unread,
        unset_chosen,
    )
    from iaas.stack import Lifecycle, Stack
    from iaas.stackfile import load_stack, stack_from_data
    from iaas.state import export_json
    from iaas.state.migrate import migrate_state
