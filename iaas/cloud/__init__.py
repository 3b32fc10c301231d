"""The control plane: a :class:`Cloud` of hosts, its inventory, scheduling and quotas."""

from iaas.cloud.base import DATAPLANE, KindHandler, Observed, OpContext, PlannedItem
from iaas.cloud.cloud import Cloud, CloudConfig, HostConfig

__all__ = ["DATAPLANE", "Cloud", "CloudConfig", "HostConfig", "KindHandler", "Observed", "OpContext", "PlannedItem"]
