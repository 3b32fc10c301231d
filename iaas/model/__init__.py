"""Resource kinds of iaas, each declared once, and the pure functions over them.

``KINDS`` maps a kind name (as used in addresses and stack files) to its class.
"""

from __future__ import annotations

from iaas.model.base import UNKNOWN, FieldSpec, Reference, Resource, UpdateClass, contains_unknown, field
from iaas.model.floating_ip import FloatingIp
from iaas.model.image import Image
from iaas.model.instance import FLAVORS, Instance, Nic
from iaas.model.key_pair import KeyPair
from iaas.model.network import Network
from iaas.model.port_forward import PortForward
from iaas.model.project import Project, Quota
from iaas.model.schema import FieldSchema, ObjectSchema, TypeSpec, object_schema
from iaas.model.security_group import Rule, SecurityGroup
from iaas.model.server_group import ServerGroup
from iaas.model.snapshot import Snapshot
from iaas.model.volume import Volume

#: Every kind, in the order documentation lists them.
KINDS: dict[str, type[Resource]] = {
    cls.kind: cls
    for cls in (
        Project,
        Image,
        KeyPair,
        Network,
        SecurityGroup,
        ServerGroup,
        Volume,
        Instance,
        Snapshot,
        PortForward,
        FloatingIp,
    )
}

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
