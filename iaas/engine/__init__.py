"""Plan, apply, refresh and import: the engine room of iaas."""

from iaas.engine.apply import ApplyResult, execution_graph
from iaas.engine.engine import Engine
from iaas.engine.plan import ACTIONS, Plan, ResourceChange
from iaas.engine.planner import make_plan

__all__ = ["ACTIONS", "ApplyResult", "Engine", "Plan", "ResourceChange", "execution_graph", "make_plan"]
