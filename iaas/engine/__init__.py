"""Plan, apply, refresh and import: the engine room of iaas.

The names below load on first use: checking a stack (:mod:`iaas.engine.validate`) or rendering a plan does not
load the apply machinery, the cloud or libvirt.
"""

# ruff: noqa: F401  (names below are imported for type checkers only; runtime loading is lazy)
from __future__ import annotations

from typing import TYPE_CHECKING

from iaas._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("ApplyResult", "execution_graph"), "iaas.engine.apply"),
    **dict.fromkeys(("Engine",), "iaas.engine.engine"),
    **dict.fromkeys(("ACTIONS", "Plan", "ResourceChange"), "iaas.engine.plan"),
    **dict.fromkeys(("make_plan",), "iaas.engine.planner"),
}

__all__ = ["ACTIONS", "ApplyResult", "Engine", "Plan", "ResourceChange", "execution_graph", "make_plan"]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from iaas.engine.apply import ApplyResult, execution_graph
    from iaas.engine.engine import Engine
    from iaas.engine.plan import ACTIONS, Plan, ResourceChange
    from iaas.engine.planner import make_plan
