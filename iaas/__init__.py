"""iaas: an IaaS control plane as a Python library.

Build a :class:`Stack` of resources, then plan and apply it with an
:class:`Engine`::

    import iaas

    stack = iaas.Stack("demo")
    net = stack.add(iaas.Network(name="web", cidr="10.10.0.0/24"))
    with iaas.Engine.open("demo") as engine:
        result = engine.apply(stack)

The public names are loaded on first use, so importing a part of iaas (or
starting a provider plugin) stays fast.
"""

# ruff: noqa: F401  (names below are imported for type checkers only; runtime loading is lazy)
from __future__ import annotations

from typing import TYPE_CHECKING

from iaas._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("Cloud", "CloudConfig", "HostConfig"), "iaas.cloud"),
    **dict.fromkeys(("CloudSettings", "open_cloud"), "iaas.cloud.settings"),
    **dict.fromkeys(("ApplyResult", "Engine", "Plan", "ResourceChange", "make_plan"), "iaas.engine"),
    **dict.fromkeys(("render_plan",), "iaas.engine.render"),
    **dict.fromkeys(("load_plan", "save_plan"), "iaas.engine.planfile"),
    **dict.fromkeys(
        (
            "ApplyError",
            "CapacityError",
            "ConflictError",
            "CycleError",
            "DatabaseError",
            "FieldError",
            "HostError",
            "HostUnreachableError",
            "IaasError",
            "LockError",
            "LostStateError",
            "NotFoundError",
            "PlanError",
            "QuotaError",
            "StateError",
            "ValidationError",
        ),
        "iaas.errors",
    ),
    **dict.fromkeys(
        (
            "FLAVORS",
            "KINDS",
            "UNKNOWN",
            "FloatingIp",
            "Image",
            "Instance",
            "KeyPair",
            "Network",
            "Nic",
            "PortForward",
            "Project",
            "Quota",
            "Reference",
            "Resource",
            "Rule",
            "SecurityGroup",
            "ServerGroup",
            "Snapshot",
            "Volume",
        ),
        "iaas.model",
    ),
    **dict.fromkeys(("Lifecycle", "Stack"), "iaas.stack"),
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from iaas.cloud import Cloud, CloudConfig, HostConfig
    from iaas.cloud.settings import CloudSettings, open_cloud
    from iaas.engine import ApplyResult, Engine, Plan, ResourceChange, make_plan
    from iaas.engine.planfile import load_plan, save_plan
    from iaas.engine.render import render_plan
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
    )
    from iaas.model import (
        FLAVORS,
        KINDS,
        UNKNOWN,
        FloatingIp,
        Image,
        Instance,
        KeyPair,
        Network,
        Nic,
        PortForward,
        Project,
        Quota,
        Reference,
        Resource,
        Rule,
        SecurityGroup,
        ServerGroup,
        Snapshot,
        Volume,
    )
    from iaas.stack import Lifecycle, Stack
