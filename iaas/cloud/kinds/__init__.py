"""One handler per kind; :func:`make_handlers` builds them for a cloud, each when first asked for."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from iaas.model import KINDS

if TYPE_CHECKING:
    from iaas.cloud.base import KindHandler
    from iaas.cloud.cloud import Cloud


class Handlers(Mapping[str, "KindHandler"]):
    """The handler of each kind, bound to one cloud; a kind's module (``iaas.cloud.kinds.<kind>``) loads when its
    handler is first asked for (a stack of key pairs then never loads what instances and volumes need)."""

    def __init__(self, cloud: Cloud):
        self._cloud = cloud
        self._made: dict[str, KindHandler] = {}
        self._lock = threading.Lock()

    def __getitem__(self, kind: str) -> KindHandler:
        handler = self._made.get(kind)
        if handler is not None:
            return handler
        if kind not in KINDS:
            raise KeyError(kind)
        with self._lock:
            handler = self._made.get(kind)
            if handler is None:
                module = importlib.import_module(f"{__name__}.{kind}")
                handler = self._made[kind] = module.Handler(self._cloud)
        return handler

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)

    def __contains__(self, kind: object) -> bool:
        return kind in KINDS


def make_handlers(cloud: Cloud) -> Mapping[str, KindHandler]:
    """A handler for every kind, bound to ``cloud`` (see :class:`Handlers`)."""
    return Handlers(cloud)
