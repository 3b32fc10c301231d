"""Resource kinds of iaas, each declared once, and the pure functions over them.

``KINDS`` maps a kind name (as used in addresses and stack files) to its class.  A kind's module is loaded when its
class is first asked for: a command loads only the kinds its stack and state hold.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import TYPE_CHECKING

from iaas._lazy import lazy_exports
from iaas.model.base import UNKNOWN, FieldSpec, Reference, Resource, UpdateClass, contains_unknown, field
from iaas.model.schema import FieldSchema, ObjectSchema, TypeSpec, object_schema

if TYPE_CHECKING:
    from iaas.model.flavors import FLAVORS
    from iaas.model.floating_ip import FloatingIp
    from iaas.model.image import Image
    from iaas.model.instance import Instance, Nic
    from iaas.model.key_pair import KeyPair
    from iaas.model.network import Network
    from iaas.model.port_forward import PortForward
    from iaas.model.project import Project, Quota
    from iaas.model.security_group import Rule, SecurityGroup
    from iaas.model.server_group import ServerGroup
    from iaas.model.snapshot import Snapshot
    from iaas.model.volume import Volume

_KIND_CLASSES = {
    "project": "Project",
    "image": "Image",
    "key_pair": "KeyPair",
    "network": "Network",
    "security_group": "SecurityGroup",
    "server_group": "ServerGroup",
    "volume": "Volume",
    "instance": "Instance",
    "snapshot": "Snapshot",
    "port_forward": "PortForward",
    "floating_ip": "FloatingIp",
}
"""Each kind's class, declared in the module named after the kind; in the order documentation lists them."""


class _Kinds(MutableMapping[str, "type[Resource]"]):
    """Every kind's class by the kind's name, each loaded on first use (a kind set here is taken as it is)."""

    def __init__(self) -> None:
        self._names = dict(_KIND_CLASSES)  # kind: its class's name in iaas.model.<kind>
        self._loaded: dict[str, type[Resource]] = {}

    def __getitem__(self, kind: str) -> type[Resource]:
        try:
            return self._loaded[kind]
        except KeyError:
            name = self._names[kind]  # KeyError for what is not a kind, before any import
            cls: type[Resource] = getattr(import_module(f"{__name__}.{kind}"), name)
            self._loaded[kind] = cls
            return cls

    def __setitem__(self, kind: str, cls: type[Resource]) -> None:
        self._names[kind] = cls.__name__
        self._loaded[kind] = cls

    def __delitem__(self, kind: str) -> None:
        del self._names[kind]
        self._loaded.pop(kind, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, kind: object) -> bool:
        return kind in self._names

    def __repr__(self) -> str:
        return f"KINDS({', '.join(self._names)})"


#: Every kind, in the order documentation lists them.
KINDS: MutableMapping[str, type[Resource]] = _Kinds()

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **{cls: f"{__name__}.{kind}" for kind, cls in _KIND_CLASSES.items()},
        "FLAVORS": f"{__name__}.flavors",
        "Nic": f"{__name__}.instance",
        "Quota": f"{__name__}.project",
        "Rule": f"{__name__}.security_group",
    },
)

__all__ = [
    "FLAVORS",
    "KINDS",
    "UNKNOWN",
    "FieldSchema",
    "FieldSpec",
    "FloatingIp",
    "Image",
    "Instance",
    "KeyPair",
    "Network",
    "Nic",
    "ObjectSchema",
    "PortForward",
    "Project",
    "Quota",
    "Reference",
    "Resource",
    "Rule",
    "SecurityGroup",
    "ServerGroup",
    "Snapshot",
    "TypeSpec",
    "UpdateClass",
    "Volume",
    "contains_unknown",
    "field",
    "object_schema",
]
