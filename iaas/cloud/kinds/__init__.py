"""One handler per kind; :func:`make_handlers` builds them for a cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iaas.cloud.base import KindHandler
    from iaas.cloud.cloud import Cloud


def make_handlers(cloud: Cloud) -> dict[str, KindHandler]:
    """A handler for every kind, bound to ``cloud``."""
    from iaas.cloud.kinds import (
        image,
        instance,
        key_pair,
        network,
        port_forward,
        project,
        security_group,
        server_group,
        snapshot,
        volume,
    )

    modules = (
        project,
        image,
        key_pair,
        network,
        security_group,
        server_group,
        volume,
        instance,
        snapshot,
        port_forward,
    )
    handlers = [m.Handler(cloud) for m in modules]
    return {h.kind: h for h in handlers}
